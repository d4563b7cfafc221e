import Logging
import MuelleCore
import Synchronization

/// Where a pull takes files from, which ones, what becomes of them on the server, and where they land.
public struct SFTPPullSource: Sendable, Hashable {
    /// The folder on the partner's server.
    public var remoteFolder: String
    /// A shell glob on file names (`*.csv`, `feed_??.xml`); `*` takes every file. Dot-prefixed and
    /// temporary names (`.part`, `.filepart`, `.tmp`...) are never taken: the partner is still writing them.
    public var pattern: String
    /// What becomes of a file on the server once it is safely in the inbox.
    public var afterDownload: SFTPAfterDownload
    /// The local route folder, `<workspace>/inbox/<route>`; created if missing.
    public var inboxFolder: String
    /// A new file is taken only if it looks the same (size and modification time) in two listings this far
    /// apart: a partner writing under the final name is not interrupted. Measured on muelle's clock, so the
    /// server's clock may be wrong. Zero takes files as soon as they are listed.
    public var settleTime: Duration

    public init(remoteFolder: String, pattern: String = "*", afterDownload: SFTPAfterDownload, inboxFolder: String,
                settleTime: Duration = .seconds(2)) {
        self.remoteFolder = remoteFolder
        self.pattern = pattern
        self.afterDownload = afterDownload
        self.inboxFolder = inboxFolder
        self.settleTime = settleTime
    }
}

/// What happens on the partner's server to a file once it safely sits in the inbox.
public enum SFTPAfterDownload: Sendable, Hashable {
    /// Remove it.
    case delete
    /// Move it into this folder (relative paths are inside the remote folder), created if missing.
    case move(toFolder: String)
    /// Leave it; the seen store remembers its name, size and modification time so it is not taken again.
    case leave
}

/// What one pull did.
public struct SFTPPullReport: Sendable, Equatable {
    /// A file now in the inbox.
    public struct Taken: Sendable, Hashable {
        public var remote: RemoteFile
        /// Its name in the inbox: the remote name, or `name-2.ext` when an unprocessed file had that name.
        public var localName: String
    }

    /// A file that could not be taken or finished, and why; the others went on.
    public struct Failure: Sendable, Equatable {
        public var name: String
        public var error: MuelleError
    }

    /// Files now in the inbox, in the order they were taken (oldest remote modification first).
    public var taken: [Taken] = []
    /// Taken by an earlier pull and left on the server (`.leave`): nothing to do.
    public var alreadyTaken: [String] = []
    /// Taken by an earlier pull whose delete or move had failed; done now.
    public var finishedLater: [String] = []
    /// Changed between the listings or during the download (still being written): not taken, tried again
    /// next time.
    public var changing: [String] = []
    /// Files that could not be taken (or whose delete/move failed after they were taken), with the reason.
    public var failures: [Failure] = []
    /// The connection broke or timed out partway; everything listed above happened before it.
    public var interruption: MuelleError?

    public init() {}

    mutating func merge(_ other: SFTPPullReport) {
        taken += other.taken
        alreadyTaken = other.alreadyTaken
        finishedLater += other.finishedLater
        changing = other.changing
        failures = other.failures
        interruption = other.interruption
    }
}

/// Takes new files from a folder on a partner's server into a route's inbox folder, each file once, never
/// half: a download goes to a hidden temporary name in the inbox (`.<name>.<tag>.sftp-part`), is size-checked
/// and flushed, and only then appears under its own name in one step; then the server-side action runs.
public struct SFTPPuller: Sendable {
    public let client: SFTPClient
    public let source: SFTPPullSource
    private let store: any SFTPSeenStore
    private let logger: Logger

    public init(client: SFTPClient, source: SFTPPullSource, seen store: any SFTPSeenStore,
                logger: Logger = SFTPClient.silentLogger) {
        self.client = client
        self.source = source
        self.store = store
        self.logger = logger
    }

    /// The name under which taken files are remembered: `sftp://user@host:port/folder`.
    public var sourceKey: String { RemotePath.join(client.endpoint.address, source.remoteFolder) }

    /// Pulls once. Throws when nothing could be done (no connection, refused login or host key, missing or
    /// forbidden folder); once the folder was listed it returns a report, with `interruption` set if the
    /// connection broke partway.
    public func pullOnce() async throws(MuelleError) -> SFTPPullReport {
        try LocalFile.makeFolderIfMissing(source.inboxFolder)
        let run = PullRun(source: source, sourceKey: sourceKey, store: store, logger: logger)
        run.removeStaleTemporaryFiles()
        return try await client.withConnection { connection throws(MuelleError) in
            try run.run(on: connection)
        }
    }

    /// Pulls, reconnecting with `backoff` after a failure worth retrying (server down, connection lost),
    /// until a pull completes or the attempts run out. Throws only if nothing at all was taken.
    public func pull(backoff: Backoff = .standard,
                     sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) })
        async throws(MuelleError) -> SFTPPullReport
    {
        let progress = Mutex(SFTPPullReport())
        let logger = logger
        do {
            return try await backoff.run(sleep: sleep, willRetry: { attempt, error, delay in
                logger.warning("SFTP pull failed, retrying", metadata: [
                    "sftp.attempt": "\(attempt)", "sftp.retry_in": "\(delay)", "error": "\(error)",
                ])
            }) { _ throws(MuelleError) in
                let report = try await pullOnce()
                let merged = progress.withLock { $0.merge(report); return $0 }
                if let interruption = report.interruption, interruption.isTransientSFTPFailure { throw interruption }
                return merged
            }
        } catch {
            var merged = progress.withLock { $0 }
            guard !merged.taken.isEmpty || !merged.finishedLater.isEmpty else { throw error }
            merged.interruption = error
            return merged
        }
    }

    /// Pulls now and then every `interval` until the task is cancelled, handing each result to `onResult`.
    public func run(every interval: Duration, backoff: Backoff = .standard,
                    onResult: @Sendable (Result<SFTPPullReport, MuelleError>) async -> Void) async {
        while !Task.isCancelled {
            let result: Result<SFTPPullReport, MuelleError>
            do {
                result = .success(try await pull(backoff: backoff))
            } catch {
                if error.code == .sftpCancelled { return }
                result = .failure(error)
            }
            await onResult(result)
            try? await Task.sleep(for: interval)
        }
    }
}
