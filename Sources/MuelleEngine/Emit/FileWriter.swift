import Foundation
import MuelleCore
import MuelleSystem

/// A buffered, append-only file that is fsynced before anyone may see it.
final class FileWriter {
    let path: String
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private(set) var bytesWritten = 0
    private static let flushSize = 1 << 16

    init(path: String) throws {
        self.path = path
        do {
            fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate, .noFollow])
        } catch {
            throw FileSystem.error("cannot create \(path)", error)
        }
        buffer.reserveCapacity(Self.flushSize)
    }

    deinit { fd.closeIgnoringErrors() }

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

    func writeLine(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= Self.flushSize { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { bytes in Result { () throws(SystemError) in try fd.writeAll(bytes) } }
            .mapError { FileSystem.error("cannot write \(path)", $0) }
            .get()
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and fsyncs: after this the bytes survive a crash.
    func sync() throws {
        try flush()
        do {
            try fd.sync()
        } catch {
            throw FileSystem.error("cannot fsync \(path)", error)
        }
    }
}

/// The few file-system effects whose order makes the exactly-once promise hold.
enum FileSystem {
    static func error(_ message: String, _ cause: SystemError) -> MuelleError {
        MuelleError(.io, "\(message): \(cause.reason)")
    }

    /// Renames within one file system, atomically (replacing `final`); the caller makes it durable.
    static func rename(_ source: String, to destination: String) throws {
        do {
            try Posix.rename(source, to: destination)
        } catch {
            throw Self.error("cannot move \(source) to \(destination)", error)
        }
    }

    /// Renames within one file system, atomically, and makes the rename durable.
    static func publish(_ temporary: String, as final: String) throws {
        try rename(temporary, to: final)
        try syncDirectory(of: final)
    }

    /// Makes a file written by someone else (cairo) durable before it is renamed into view.
    static func syncFile(_ path: String) throws {
        try sync(path, options: [])
    }

    /// Makes everything written to the file system holding `path` durable, with one journal commit:
    /// far cheaper than an fsync per file when thousands of small files (labels) were just written.
    static func syncFileSystem(of path: String) throws {
        do { try Posix.syncFileSystem(of: path) } catch { throw Self.error("cannot sync the file system of \(path)", error) }
    }

    /// Renames every file of the folder `staged` into `final` (same file system), then removes `staged`.
    /// Reads the folder as a stream, and again until it is empty: renaming while reading a folder may
    /// make the reading skip an entry. Interrupted, the files left in `staged` are the ones still to move.
    static func moveFiles(of staged: String, into final: String) throws {
        while true {
            let folder: DirectoryStream
            do { folder = try DirectoryStream(staged) } catch {
                if error.isNoSuchFile { return }
                throw Self.error("cannot read \(staged)", error)
            }
            var moved = 0
            do {
                while let bytes = try folder.next() {
                    let name = String(decoding: bytes, as: UTF8.self)
                    try rename(staged + "/" + name, to: final + "/" + name)
                    moved += 1
                }
            } catch let error as SystemError {
                throw Self.error("cannot read \(staged)", error)
            }
            do {
                try Posix.removeDirectory(staged)
                return
            } catch {
                // Names created while it was read: list it again.
                guard moved > 0 else { throw Self.error("cannot remove \(staged)", error) }
            }
        }
    }

    static func syncDirectory(of path: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try sync(directory.isEmpty ? "/" : directory, options: .directory)
    }

    private static func sync(_ path: String, options: FileDescriptor.Options) throws {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: options)
        } catch {
            throw Self.error("cannot open \(path)", error)
        }
        defer { fd.closeIgnoringErrors() }
        do {
            try fd.sync()
        } catch {
            throw Self.error("cannot fsync \(path)", error)
        }
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
            try? Posix.unlink(temporary)
            throw error
        }
    }

    /// The size of the file at `path`, or nil when there is none.
    static func size(of path: String) -> Int64? {
        (try? Posix.linkInfo(path))?.size
    }

    static func exists(_ path: String) -> Bool {
        (try? Posix.linkInfo(path)) != nil
    }

    /// What is at `path` itself (a link is not followed), or nil when there is nothing.
    static func info(_ path: String) -> FileInfo? {
        try? Posix.linkInfo(path)
    }

    static func makeDirectory(_ path: String) throws {
        // Nearly always the folder or its parent is there already: one mkdir(2) then, not one per level.
        do {
            try Posix.makeDirectory(path)
            return
        } catch where error.isAlreadyExisting {
            return
        } catch where !error.isNoSuchFile {
            throw Self.error("cannot create \(path)", error)
        } catch {}
        var current = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + part
            do {
                try Posix.makeDirectory(current)
            } catch where !error.isAlreadyExisting {
                throw Self.error("cannot create \(current)", error)
            } catch {}
        }
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Names unique within this process and across restarts (pid + counter).
enum UniqueName {
    private static let counter = Counter()

    static func next() -> String { "\(Posix.processID)-\(counter.increment())" }

    private final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
