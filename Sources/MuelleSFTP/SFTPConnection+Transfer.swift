import MuelleCore

extension SFTPConnection {
    /// Bytes moved per libssh2 call. libssh2 splits a large buffer into many SFTP requests kept in flight at
    /// once; small buffers make it wait for a round trip every 32 KiB.
    static let transferBufferSize = 2 * 1024 * 1024

    /// Downloads `remotePath` into `localPath` (created or truncated; links are not followed), flushed to disk.
    ///
    /// `localPath` is meant to be a temporary name the caller renames once this returns. The byte count is
    /// checked against the size the server gave when the file was opened and against `expectedSize` (what
    /// the listing said); a difference means the file changed during the download and throws
    /// `sftp_size_mismatch`. On any failure the local file is deleted. Returns the number of bytes.
    @discardableResult
    public func download(_ remotePath: String, to localPath: String, expectedSize: Int64? = nil) throws(MuelleError) -> Int64 {
        let handle = try perform(.download, remotePath) { channel throws(LibSSH2Failure) in try channel.openForReading(remotePath) }
        let sizeAtOpen = try perform(.download, remotePath) { _ throws(LibSSH2Failure) in try handle.size() }
        let local = try LocalFile.create(localPath)
        var finished = false
        defer { if !finished { local.discard() } }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.transferBufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = try perform(.download, remotePath) { _ throws(LibSSH2Failure) in try handle.read(into: buffer) }
            if count == 0 { break }
            try local.write(UnsafeRawBufferPointer(rebasing: buffer[0 ..< count]))
            total += Int64(count)
        }
        // The server has nothing more to say about a file that was only read.
        try? handle.close()
        for expected in [sizeAtOpen, expectedSize].compactMap({ $0 }) where expected != total {
            throw MuelleError(.sftpSizeMismatch, "downloaded \(total) bytes of \"\(remotePath)\" from \(endpoint), but "
                              + "the server said \(expected): the file changed during the download, so it was not "
                              + "taken (it will be tried again)")
        }
        try local.synchronizeAndClose()
        finished = true
        return total
    }

    /// Uploads `localPath` as `remotePath`, so that nobody on the server ever sees a partial file under the
    /// final name: the bytes go to a temporary name (`.<name>.part`, which SFTP intakes skip), the server's
    /// size is checked against the local one, and only then is the file renamed into place. A file already
    /// at `remotePath` is replaced (removed just before the rename, as SFTP version 3 cannot replace).
    /// Returns the number of bytes.
    @discardableResult
    public func upload(_ localPath: String, to remotePath: String) throws(MuelleError) -> Int64 {
        let (folder, name) = Self.split(remotePath)
        guard RemotePath.isPlainName(name) else {
            throw MuelleError(.configuration, "\"\(remotePath)\" does not end in a file name")
        }
        let temporary = RemotePath.join(folder, "." + name + ".part")
        let (local, size) = try LocalFile.openForReading(localPath)
        do throws(MuelleError) {
            try send(local, size: size, to: temporary)
            let written = try attributes(of: temporary)
            guard let written, written.size == size else {
                throw MuelleError(.sftpSizeMismatch, "the server \(endpoint) holds \(written?.size ?? 0) bytes of "
                                  + "\"\(temporary)\" after muelle sent \(size): the upload was not completed")
            }
            try moveIntoPlace(temporary, remotePath)
        } catch {
            // A broken connection cannot clean up; the dot-prefixed `.part` left behind is ignored by intakes
            // and overwritten by the next attempt.
            if error.code != .sftpInterrupted, error.code != .sftpTimeout, error.code != .sftpCancelled {
                try? remove(temporary)
            }
            throw error
        }
        return size
    }

    private func send(_ local: LocalFile, size: Int64, to temporary: String) throws(MuelleError) {
        let handle = try perform(.upload, temporary) { channel throws(LibSSH2Failure) in try channel.openForWriting(temporary, mode: 0o644) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.transferBufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = try local.read(into: buffer)
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[offset ..< count])
                offset += try perform(.upload, temporary) { _ throws(LibSSH2Failure) in try handle.write(chunk) }
            }
            total += Int64(count)
        }
        guard total == size else {
            throw MuelleError(.sftpSizeMismatch, "\(local.path) changed while it was uploaded (\(size) bytes "
                              + "when opened, \(total) read): not delivered")
        }
        handle.synchronize()
        // The server reports some write failures (a full disk) only when the file is closed.
        try perform(.upload, temporary) { _ throws(LibSSH2Failure) in try handle.close() }
    }

    /// Renames `temporary` to `destination`, replacing a file already there.
    private func moveIntoPlace(_ temporary: String, _ destination: String) throws(MuelleError) {
        do {
            try rename(temporary, to: destination)
        } catch {
            guard error.code == .sftpFailure, try attributes(of: destination) != nil else { throw error }
            try remove(destination)
            try rename(temporary, to: destination)
        }
    }

    /// `/a/b/c.csv` → (`/a/b`, `c.csv`); `c.csv` → (``, `c.csv`).
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
