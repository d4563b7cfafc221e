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
