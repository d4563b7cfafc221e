import Logging
import MuelleCore

/// What a delivery did.
public enum SFTPDeliveryOutcome: Sendable, Equatable {
    /// Uploaded now, after this many attempts.
    case delivered(SFTPDelivery, attempts: Int)
    /// Delivered before (the store says so): nothing sent.
    case alreadyDelivered(SFTPDelivery)
}

/// Delivers local files (outbox results) to a folder on a partner's server, each once: uploaded under a
/// temporary name, size-checked, renamed into place, then recorded; retried with backoff while the server
/// is down or the connection breaks.
///
/// Once-only holds between the rename and the record, except for a crash in that instant, after which the
/// file is uploaded again under the same name (replacing the identical copy).
public struct SFTPDeliverer: Sendable {
    public let client: SFTPClient
    /// The folder on the partner's server.
    public let remoteFolder: String
    private let store: any SFTPDeliveredStore
    private let backoff: Backoff
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger

    public init(client: SFTPClient, remoteFolder: String, delivered store: any SFTPDeliveredStore,
                backoff: Backoff = .standard,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                logger: Logger = SFTPClient.silentLogger) {
        self.client = client
        self.remoteFolder = remoteFolder
        self.store = store
        self.backoff = backoff
        self.sleep = sleep
        self.logger = logger
    }

    /// `sftp://user@host:port/folder`.
    public var destination: String { RemotePath.join(client.endpoint.address, remoteFolder) }

    /// Delivers `localPath` as `remoteName` (default: the local file's name). Throws the last error when
    /// every attempt failed, or at once for failures retrying cannot fix (login, permissions, missing folder).
    public func deliver(_ localPath: String, as remoteName: String? = nil) async throws(MuelleError) -> SFTPDeliveryOutcome {
        let name = remoteName ?? String(localPath.split(separator: "/").last ?? Substring(localPath))
        guard RemotePath.isPlainName(name) else {
            throw MuelleError(.configuration, "\"\(name)\" is not a file name to deliver as")
        }
        let size = try LocalFile.openForReading(localPath).size
        let delivery = SFTPDelivery(destination: destination, name: name, size: size)
        if try store.wasDelivered(delivery) { return .alreadyDelivered(delivery) }

        let remotePath = RemotePath.join(remoteFolder, name)
        let client = client
        let store = store
        let logger = logger
        let attempts = try await backoff.run(sleep: sleep, willRetry: { attempt, error, delay in
            logger.warning("SFTP delivery failed, retrying", metadata: [
                "muelle.file": "\(name)", "sftp.attempt": "\(attempt)", "sftp.retry_in": "\(delay)", "error": "\(error)",
            ])
        }) { attempt throws(MuelleError) in
            try await client.withConnection { connection throws(MuelleError) in
                // Asked again inside the connection: a concurrent delivery may have finished meanwhile.
                if try store.wasDelivered(delivery) { return 0 }
                try connection.upload(localPath, to: remotePath)
                try store.recordDelivered(delivery)
                return attempt
            }
        }
        if attempts == 0 { return .alreadyDelivered(delivery) }
        logger.info("SFTP file delivered", metadata: ["muelle.file": "\(name)", "sftp.file": "\(remotePath)"])
        return .delivered(delivery, attempts: attempts)
    }
}
