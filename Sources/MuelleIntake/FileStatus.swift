// Linux only: `stat` fields (st_mtim) are spelled differently on Darwin.
import Glibc
import MuelleCore

/// What `lstat(2)` says about a path, without ever following a symbolic link.
/// The module's only calls into the C file-system API (besides inotify in `Inotify.swift` and leases in
/// `FileLease.swift`).
struct FileStatus: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink
        case other(String)
    }

    var kind: Kind
    var size: Int64
    var modificationTime: FileTimestamp
    var inode: UInt64
    var device: UInt64

    /// The status of `path`, or `nil` when nothing is there any more (a file can vanish between
    /// listing and looking: that is a normal race, not an error).
    static func of(_ path: String) throws(MuelleError) -> FileStatus? {
        var raw = stat()
        guard lstat(path, &raw) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw MuelleError(.io, "cannot look at \(path): \(String(cString: strerror(code)))")
        }
        return FileStatus(
            kind: kind(of: raw.st_mode),
            size: Int64(raw.st_size),
            modificationTime: FileTimestamp(seconds: Int(raw.st_mtim.tv_sec), nanoseconds: Int(raw.st_mtim.tv_nsec)),
            inode: UInt64(raw.st_ino),
            device: UInt64(raw.st_dev)
        )
    }

    private static func kind(of mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFIFO: .other("fifo")
        case S_IFSOCK: .other("socket")
        case S_IFCHR: .other("character device")
        case S_IFBLK: .other("block device")
        default: .other("unknown kind")
        }
    }
}

extension FileTimestamp {
    /// The wall clock now, in the terms of file modification times.
    public static func now() -> FileTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return FileTimestamp(seconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec))
    }
}

/// One open file descriptor of a process, as `/proc/<pid>/fd/<n>` shows it: the link's permission bits
/// say how it was opened (`l-wx` write-only, `lrwx` read-write), and following it reaches the open file.
struct OpenDescriptor: Sendable, Equatable {
    var isWritable: Bool
    var device: UInt64
    var inode: UInt64

    /// `nil` when the descriptor closed meanwhile, or the process is not ours to look at.
    static func at(_ link: String) -> OpenDescriptor? {
        var linkInfo = stat()
        guard lstat(link, &linkInfo) == 0 else { return nil }
        let isWritable = linkInfo.st_mode & S_IWUSR != 0
        // Only writers matter: reading descriptors need not be followed.
        guard isWritable else { return OpenDescriptor(isWritable: false, device: 0, inode: 0) }
        var target = stat()
        guard stat(link, &target) == 0 else { return nil }
        return OpenDescriptor(isWritable: true, device: UInt64(target.st_dev), inode: UInt64(target.st_ino))
    }
}

/// One name listed in a folder; `name` is `nil` when its bytes are not valid UTF-8.
struct DirectoryEntry: Sendable, Equatable {
    var name: String?
    /// The name with invalid bytes replaced, for reports only: it does not name the file on disk.
    var displayName: String
}

enum DirectoryListing {
    /// The entries of `path` except `.` and `..`, or `nil` when the folder does not exist.
    static func entries(of path: String) throws(MuelleError) -> [DirectoryEntry]? {
        var entries: [DirectoryEntry] = []
        let exists = try forEach(in: path) { entries.append($0) }
        return exists ? entries : nil
    }

    /// Calls `body` with each entry of `path` except `.` and `..` as `readdir` returns it, holding no list:
    /// a folder of 500,000 names costs the same memory as one of ten. `false` when the folder does not exist.
    static func forEach(in path: String, _ body: (DirectoryEntry) throws(MuelleError) -> Void) throws(MuelleError) -> Bool {
        guard let directory = opendir(path) else {
            let code = errno
            if code == ENOENT { return false }
            throw MuelleError(.io, "cannot list \(path): \(String(cString: strerror(code)))")
        }
        defer { closedir(directory) }
        while true {
            // readdir returns nil both at the end and on error; errno tells them apart.
            errno = 0
            guard let entry = readdir(directory) else {
                let code = errno
                if code != 0 { throw MuelleError(.io, "cannot list \(path): \(String(cString: strerror(code)))") }
                return true
            }
            let listed = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                let bytes = buffer.prefix { $0 != 0 }
                return (String(validating: bytes, as: UTF8.self), String(decoding: bytes, as: UTF8.self))
            }
            if listed.1 == "." || listed.1 == ".." { continue }
            try body(DirectoryEntry(name: listed.0, displayName: listed.1))
        }
    }
}
