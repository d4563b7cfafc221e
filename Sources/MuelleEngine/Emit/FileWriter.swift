import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MuelleCore

/// A buffered, append-only file that is fsynced before anyone may see it.
final class FileWriter {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var bytesWritten = 0
    private static let flushSize = 1 << 16

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FileSystem.error("cannot create \(path)") }
        buffer.reserveCapacity(Self.flushSize)
    }

    deinit { close(fd) }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushSize { try flush() }
    }

    func writeLine(_ text: String) throws {
        try write(text)
        buffer.append(0x0A)
    }

    func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error("cannot write \(path)")
            }
            offset += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and fsyncs: after this the bytes survive a crash.
    func sync() throws {
        try flush()
        guard fsync(fd) == 0 else { throw FileSystem.error("cannot fsync \(path)") }
    }
}

/// The few file-system effects whose order makes the exactly-once promise hold.
enum FileSystem {
    static func error(_ message: String) -> MuelleError {
        MuelleError(.io, "\(message): \(String(cString: strerror(errno)))")
    }

    /// Renames within one file system, atomically, and makes the rename durable.
    static func publish(_ temporary: String, as final: String) throws {
        guard rename(temporary, final) == 0 else { throw error("cannot move \(temporary) to \(final)") }
        try syncDirectory(of: final)
    }

    /// Makes a file written by someone else (cairo) durable before it is renamed into view.
    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("cannot fsync \(path)") }
    }

    /// Makes everything written to the file system holding `path` durable, with one journal commit:
    /// far cheaper than an fsync per file when thousands of small files (labels) were just written.
    static func syncFileSystem(of path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open \(path)") }
        defer { close(fd) }
        guard syncFileSystem(fd) == 0 else { throw error("cannot sync the file system of \(path)") }
    }

    /// syncfs(2), which glibc declares only for _GNU_SOURCE (out of Swift's sight): looked up by name;
    /// where it is missing, sync(2) makes every file system durable, this one included.
    private static func syncFileSystem(_ fd: Int32) -> Int32 {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        // RTLD_DEFAULT is the null handle: the symbol wherever the process has it.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else {
            sync()
            return 0
        }
        return unsafeBitCast(symbol, to: SyncFS.self)(fd)
    }

    /// Renames every file of the folder `staged` into `final` (same file system), then removes `staged`.
    /// Reads the folder as a stream, and again until it is empty: renaming while reading a folder may
    /// make the reading skip an entry. Interrupted, the files left in `staged` are the ones still to move.
    static func moveFiles(of staged: String, into final: String) throws {
        while true {
            guard let folder = opendir(staged) else {
                if errno == ENOENT { return }
                throw error("cannot read \(staged)")
            }
            defer { closedir(folder) }
            var moved = 0
            while let entry = readdir(folder) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                guard rename(staged + "/" + name, final + "/" + name) == 0 else { throw error("cannot move \(staged)/\(name) to \(final)") }
                moved += 1
            }
            if rmdir(staged) == 0 { return }
            guard errno == ENOTEMPTY || errno == EEXIST, moved > 0 else { throw error("cannot remove \(staged)") }
        }
    }

    static func syncDirectory(of path: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("cannot fsync \(directory)") }
    }

    /// Writes a whole small file atomically: temporary file in `staging`, fsync, rename.
    static func writeAtomically(_ text: String, to final: String, staging: String) throws {
        let temporary = staging + "/" + UniqueName.next() + ".tmp"
        do {
            let writer = try FileWriter(path: temporary)
            try writer.write(text)
            try writer.sync()
            try publish(temporary, as: final)
        } catch {
            // A file that cannot be placed (a full disk, a name too long) must not leave its copy behind.
            unlink(temporary)
            throw error
        }
    }

    /// The size of the file at `path`, or nil when there is none.
    static func size(of path: String) -> Int64? {
        var info = stat()
        return lstat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func makeDirectory(_ path: String) throws {
        var current = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw error("cannot create \(current)") }
        }
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Names unique within this process and across restarts (pid + counter).
enum UniqueName {
    private static let counter = Counter()

    static func next() -> String { "\(getpid())-\(counter.increment())" }

    private final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
