#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MuelleCore

/// A local file open for one transfer: created for a download, or read for an upload. Closed in `deinit`.
/// Symbolic links are never followed, so a link planted in the inbox cannot redirect a download.
final class LocalFile {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Creates `path` (or truncates a stale one left by an earlier, interrupted run) for writing.
    static func create(_ path: String) throws(MuelleError) -> LocalFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create", path) }
        return LocalFile(path: path, fd: fd)
    }

    /// Opens `path` for reading and returns it with its size.
    static func openForReading(_ path: String) throws(MuelleError) -> (file: LocalFile, size: Int64) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        let file = LocalFile(path: path, fd: fd)
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure("cannot inspect", path) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw MuelleError(.io, "\(path) is not a regular file", at: InputPosition(file: path))
        }
        return (file, Int64(status.st_size))
    }

    /// Refuses early, with a clear message, a key file that libssh2 would only call "unusable".
    static func checkReadable(_ path: String, what: String) throws(MuelleError) {
        guard access(path, R_OK) == 0 else {
            throw MuelleError(.sftpCredential, "cannot read the \(what) \(path): \(String(cString: strerror(errno)))")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(MuelleError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot write", path)
            }
            offset += written
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(MuelleError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw Self.failure("cannot read", path) }
        }
    }

    /// Flushes the bytes to the disk, then closes: only then may the file be renamed into sight.
    func synchronizeAndClose() throws(MuelleError) {
        guard fsync(fd) == 0 else { throw Self.failure("cannot flush", path) }
        let descriptor = fd
        fd = -1
        guard close(descriptor) == 0 else { throw Self.failure("cannot close", path) }
    }

    /// Closes and deletes the file: what is left of a failed download.
    func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(path)
    }

    /// Gives `temporary` the name `name` in `folder` without ever replacing a file there: when the name is
    /// taken (an earlier drop not yet processed), the file becomes `name-2.ext`, `name-3.ext`... Returns the
    /// name used. `link` fails rather than replace, and makes the complete file appear at once.
    static func placeWithoutReplacing(_ temporary: String, folder: String, name: String) throws(MuelleError) -> String {
        for attempt in 1 ... 1000 {
            let candidate = attempt == 1 ? name : numbered(name, attempt)
            let destination = folder + "/" + candidate
            if link(temporary, destination) == 0 {
                unlink(temporary)
                synchronizeFolder(folder)
                return candidate
            }
            guard errno == EEXIST else { throw failure("cannot move the download into", destination) }
        }
        throw MuelleError(.io, "\(folder) already holds 1000 files named like \(name)", at: InputPosition(file: name))
    }

    /// `orders.csv` → `orders-2.csv`; `orders` → `orders-2`.
    static func numbered(_ name: String, _ number: Int) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "\(name)-\(number)" }
        return "\(name[..<dot])-\(number)\(name[dot...])"
    }

    /// Makes a rename or link in `folder` survive a crash.
    static func synchronizeFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Creates `folder` if it does not exist (its parent must).
    static func makeFolderIfMissing(_ folder: String) throws(MuelleError) {
        if mkdir(folder, 0o755) == 0 || errno == EEXIST { return }
        throw failure("cannot create the folder", folder)
    }

    /// Names in `folder` (not `.`/`..`); an unreadable folder has none.
    static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func failure(_ what: String, _ path: String) -> MuelleError {
        MuelleError(.io, "\(what) \(path): \(String(cString: strerror(errno)))", at: InputPosition(file: path))
    }
}
