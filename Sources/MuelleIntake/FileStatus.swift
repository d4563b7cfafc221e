import MuelleCore
import MuelleSystem

/// What `lstat(2)` says about a path, without ever following a symbolic link.
/// File-system calls go through `MuelleSystem` (inotify in `Inotify.swift` and leases in `FileLease.swift`
/// are the module's own C calls: no other module needs them).
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
        let raw: FileInfo
        do {
            raw = try Posix.linkInfo(path)
        } catch {
            if error.isNoSuchFile || error.isNotADirectory { return nil }
            throw MuelleError(.io, "cannot look at \(path): \(error.reason)")
        }
        return FileStatus(
            kind: kind(of: raw.kind),
            size: raw.size,
            modificationTime: FileTimestamp(seconds: raw.modificationSeconds, nanoseconds: raw.modificationNanoseconds),
            inode: raw.inode,
            device: raw.device
        )
    }

    private static func kind(of kind: FileInfo.Kind) -> Kind {
        switch kind {
        case .regular: .regular
        case .directory: .directory
        case .symbolicLink: .symbolicLink
        case .fifo: .other("fifo")
        case .socket: .other("socket")
        case .characterDevice: .other("character device")
        case .blockDevice: .other("block device")
        case .unknown: .other("unknown kind")
        }
    }
}

extension FileTimestamp {
    /// The wall clock now, in the terms of file modification times.
    public static func now() -> FileTimestamp {
        let now = Posix.wallClock()
        return FileTimestamp(seconds: now.seconds, nanoseconds: now.nanoseconds)
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
        guard let linkInfo = try? Posix.linkInfo(link) else { return nil }
        // Only writers matter: reading descriptors need not be followed.
        guard linkInfo.isOwnerWritable else { return OpenDescriptor(isWritable: false, device: 0, inode: 0) }
        guard let target = try? Posix.info(link) else { return nil }
        return OpenDescriptor(isWritable: true, device: target.device, inode: target.inode)
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
        let directory: DirectoryStream
        do {
            directory = try DirectoryStream(path)
        } catch {
            if error.isNoSuchFile { return false }
            throw MuelleError(.io, "cannot list \(path): \(error.reason)")
        }
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try directory.next()
            } catch {
                throw MuelleError(.io, "cannot list \(path): \(error.reason)")
            }
            guard let bytes else { return true }
            try body(DirectoryEntry(name: String(validating: bytes, as: UTF8.self), displayName: String(decoding: bytes, as: UTF8.self)))
        }
    }
}
