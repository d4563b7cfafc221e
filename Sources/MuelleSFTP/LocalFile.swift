import MuelleCore
import MuelleSystem

/// A local file open for one transfer: created for a download, or read for an upload. Closed in `deinit`.
/// Symbolic links are never followed, so a link planted in the inbox cannot redirect a download.
final class LocalFile {
    let path: String
    private var fd: FileDescriptor?

    private init(path: String, fd: FileDescriptor) {
        self.path = path
        self.fd = fd
    }

    deinit {
        fd?.closeIgnoringErrors()
    }

    /// Creates `path` (or truncates a stale one left by an earlier, interrupted run) for writing.
    static func create(_ path: String) throws(MuelleError) -> LocalFile {
        do {
            return LocalFile(path: path, fd: try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate, .noFollow]))
        } catch {
            throw failure("cannot create", path, error)
        }
    }

    /// Opens `path` for reading and returns it with its size.
    static func openForReading(_ path: String) throws(MuelleError) -> (file: LocalFile, size: Int64) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: .noFollow)
        } catch {
            throw failure("cannot open", path, error)
        }
        let file = LocalFile(path: path, fd: fd)
        let status: FileInfo
        do {
            status = try fd.info()
        } catch {
            throw failure("cannot inspect", path, error)
        }
        guard status.kind == .regular else {
            throw MuelleError(.io, "\(path) is not a regular file", at: InputPosition(file: path))
        }
        return (file, status.size)
    }

    /// Refuses early, with a clear message, a key file that libssh2 would only call "unusable".
    static func checkReadable(_ path: String, what: String) throws(MuelleError) {
        do {
            try Posix.checkReadable(path)
        } catch {
            throw MuelleError(.sftpCredential, "cannot read the \(what) \(path): \(error.reason)")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(MuelleError) {
        do {
            try openDescriptor().writeAll(bytes)
        } catch {
            throw Self.failure("cannot write", path, error)
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(MuelleError) -> Int {
        do {
            return try openDescriptor().read(into: buffer)
        } catch {
            throw Self.failure("cannot read", path, error)
        }
    }

    /// Flushes the bytes to the disk, then closes: only then may the file be renamed into sight.
    func synchronizeAndClose() throws(MuelleError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try openDescriptor()
            try descriptor.sync()
        } catch {
            throw Self.failure("cannot flush", path, error)
        }
        fd = nil
        do {
            try descriptor.close()
        } catch {
            throw Self.failure("cannot close", path, error)
        }
    }

    /// Closes and deletes the file: what is left of a failed download.
    func discard() {
        fd?.closeIgnoringErrors()
        fd = nil
        try? Posix.unlink(path)
    }

    /// The descriptor while the file is open; EBADF once it was closed (as the C calls would say).
    private func openDescriptor() throws(SystemError) -> FileDescriptor {
        guard let fd else { throw SystemError.badDescriptor }
        return fd
    }

    /// Gives `temporary` the name `name` in `folder` without ever replacing a file there: when the name is
    /// taken (an earlier drop not yet processed), the file becomes `name-2.ext`, `name-3.ext`... Returns the
    /// name used. `link` fails rather than replace, and makes the complete file appear at once.
    static func placeWithoutReplacing(_ temporary: String, folder: String, name: String) throws(MuelleError) -> String {
        for attempt in 1 ... 1000 {
            let candidate = attempt == 1 ? name : numbered(name, attempt)
            let destination = folder + "/" + candidate
            do {
                try Posix.link(temporary, to: destination)
                try? Posix.unlink(temporary)
                synchronizeFolder(folder)
                return candidate
            } catch {
                guard error.isAlreadyExisting else { throw failure("cannot move the download into", destination, error) }
            }
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
        guard let fd = try? FileDescriptor.open(folder, .readOnly, options: .directory) else { return }
        try? fd.sync()
        fd.closeIgnoringErrors()
    }

    /// Creates `folder` if it does not exist (its parent must).
    static func makeFolderIfMissing(_ folder: String) throws(MuelleError) {
        do {
            try Posix.makeDirectory(folder)
        } catch where error.isAlreadyExisting {
            return
        } catch {
            throw failure("cannot create the folder", folder, error)
        }
    }

    /// Names in `folder` (not `.`/`..`); an unreadable folder has none.
    static func names(in folder: String) -> [String] {
        guard let directory = try? DirectoryStream(folder) else { return [] }
        var names: [String] = []
        while let name = try? directory.next() {
            names.append(String(decoding: name, as: UTF8.self))
        }
        return names
    }

    private static func failure(_ what: String, _ path: String, _ error: SystemError) -> MuelleError {
        MuelleError(.io, "\(what) \(path): \(error.reason)", at: InputPosition(file: path))
    }
}
