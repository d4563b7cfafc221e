import Logging
import MuelleCore
import MuelleIntake
import MuelleSystem

/// One pull over one open connection: list, then take each new matching file in arrival order.
struct PullRun: Sendable {
    let source: SFTPPullSource
    let sourceKey: String
    let store: any SFTPSeenStore
    let logger: Logger

    /// Temporary downloads of this source end in `.<tag>.sftp-part`, the tag being a hash of the source, so
    /// that two sources feeding one route never share (or clean up) each other's temporary files.
    var temporarySuffix: String { "." + Self.tag(sourceKey) + ".sftp-part" }

    func run(on connection: SFTPConnection) throws(MuelleError) -> SFTPPullReport {
        var report = SFTPPullReport()
        var files = candidates(try connection.list(source.remoteFolder))
        if source.settleTime > .zero, try hasNewFile(files) {
            // Blocks the client's own queue, never the cooperative pool.
            Posix.sleep(microseconds: source.settleTime.wholeMilliseconds * 1000)
            let again = Set(candidates(try connection.list(source.remoteFolder)))
            report.changing = files.filter { !again.contains($0) }.map(\.name)
            files = files.filter { again.contains($0) }
        }
        for file in files {
            do {
                try take(file, on: connection, into: &report)
            } catch {
                if [.sftpInterrupted, .sftpTimeout, .sftpCancelled].contains(error.code) {
                    report.interruption = error
                    break
                }
                logger.warning("SFTP file not taken", metadata: ["muelle.file": "\(file.name)", "error": "\(error)"])
                report.failures.append(.init(name: file.name, error: error))
            }
        }
        return report
    }

    /// Regular files matching the pattern, without names still being written, oldest first.
    func candidates(_ listing: [RemoteFile]) -> [RemoteFile] {
        listing
            .filter { $0.kind == .regular && !InboxScanner.isTemporaryName($0.name) && matches($0.name) }
            .sorted { ($0.modificationTime, $0.name) < ($1.modificationTime, $1.name) }
    }

    private func hasNewFile(_ files: [RemoteFile]) throws(MuelleError) -> Bool {
        for file in files where try !store.hasTaken(file, from: sourceKey) { return true }
        return false
    }

    func matches(_ name: String) -> Bool {
        Posix.matches(name, pattern: source.pattern)
    }

    private func take(_ file: RemoteFile, on connection: SFTPConnection,
                      into report: inout SFTPPullReport) throws(MuelleError) {
        let remotePath = RemotePath.join(source.remoteFolder, file.name)
        if try store.hasTaken(file, from: sourceKey) {
            if source.afterDownload == .leave {
                report.alreadyTaken.append(file.name)
            } else {
                // Taken before, but its delete or move did not happen (failure, crash): finish it now.
                try finish(remotePath, name: file.name, on: connection)
                report.finishedLater.append(file.name)
            }
            return
        }
        let temporary = source.inboxFolder + "/." + file.name + temporarySuffix
        // Whatever happens below, the temporary file does not outlive this call (after a successful
        // placement it is already gone, and unlink just fails).
        defer { try? Posix.unlink(temporary) }
        do {
            try connection.download(remotePath, to: temporary, expectedSize: file.size)
        } catch where error.code == .sftpSizeMismatch {
            report.changing.append(file.name)
            return
        }
        // Same size but rewritten meanwhile shows in the modification time.
        guard let after = try connection.attributes(of: remotePath),
              after.size == file.size, after.modificationTime == file.modificationTime
        else {
            report.changing.append(file.name)
            return
        }
        let localName = try LocalFile.placeWithoutReplacing(temporary, folder: source.inboxFolder, name: file.name)
        try store.recordTaken(file, from: sourceKey, as: localName)
        report.taken.append(.init(remote: file, localName: localName))
        logger.info("SFTP file taken", metadata: [
            "muelle.file": "\(localName)", "sftp.file": "\(remotePath)", "sftp.size": "\(file.size)",
        ])
        do {
            try finish(remotePath, name: file.name, on: connection)
        } catch {
            // The file is in the inbox and remembered; the next pull retries only the action.
            if [.sftpInterrupted, .sftpTimeout, .sftpCancelled].contains(error.code) { throw error }
            report.failures.append(.init(name: file.name, error: error))
        }
    }

    /// Applies the after-download action to a file that is safely in the inbox.
    private func finish(_ remotePath: String, name: String, on connection: SFTPConnection) throws(MuelleError) {
        switch source.afterDownload {
        case .leave:
            return
        case .delete:
            try connection.remove(remotePath)
        case .move(let folder):
            let destinationFolder = folder.hasPrefix("/") ? folder : RemotePath.join(source.remoteFolder, folder)
            let destination = RemotePath.join(destinationFolder, name)
            try connection.makeFolderIfMissing(destinationFolder)
            if try connection.attributes(of: destination) != nil {
                throw MuelleError(.sftpFailure, "cannot move \"\(remotePath)\" on \(connection.endpoint) after taking "
                                  + "it: \"\(destination)\" already exists (the file is in the inbox; move or "
                                  + "remove the old one on the server and the move is retried)")
            }
            try connection.rename(remotePath, to: destination)
        }
    }

    /// Deletes this source's temporary files left by a run that was killed mid-download.
    func removeStaleTemporaryFiles() {
        for name in LocalFile.names(in: source.inboxFolder) where name.hasPrefix(".") && name.hasSuffix(temporarySuffix) {
            try? Posix.unlink(source.inboxFolder + "/" + name)
        }
    }

    /// FNV-1a, 32 bits, in hex: short, stable across runs and platforms (unlike `Hasher`).
    static func tag(_ text: String) -> String {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
