import Dispatch
import Logging
import MuelleCore

/// Talks to one SFTP server: every call opens an authenticated connection, lends it to a closure and closes it.
///
/// libssh2 blocks and is not thread-safe, so the client is an actor whose executor is a serial dispatch
/// queue of its own (GRDB's `DispatchQueueActor` idea): the blocking calls run there, never on the
/// cooperative pool, and two calls on the same client never overlap. Cancelling the calling task shuts the
/// socket down, which wakes a blocked transfer at once.
public actor SFTPClient {
    /// The server and account this client connects to.
    public nonisolated let endpoint: SFTPEndpoint
    private let logger: Logger
    private let executor: QueueExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// `logger` receives connection events with `sftp.host` metadata; it never receives a secret.
    public init(endpoint: SFTPEndpoint, logger: Logger = SFTPClient.silentLogger) {
        self.endpoint = endpoint
        var logger = logger
        logger[metadataKey: "sftp.host"] = "\(endpoint.host):\(endpoint.port)"
        logger[metadataKey: "sftp.user"] = "\(endpoint.user)"
        self.logger = logger
        let queue = DispatchQueue(label: "muelle.sftp.\(endpoint.host)")
        queue.setSpecific(key: Self.queueKey, value: true)
        executor = QueueExecutor(queue: queue)
    }

    /// Marks the clients' queues, so that tests can check that blocking work runs there.
    private static let queueKey = DispatchSpecificKey<Bool>()

    /// Whether the caller runs on an SFTP client's own queue (where all libssh2 work belongs).
    static var isOnClientQueue: Bool { DispatchQueue.getSpecific(key: queueKey) == true }

    /// Connects, verifies the host key, logs in, runs `body` with the connection and closes it.
    ///
    /// `body` runs synchronously on the client's queue; the connection cannot outlive it (using it after
    /// `body` returned throws). Connection failures are thrown as `MuelleError`s with `sftp_…` codes.
    public func withConnection<T: Sendable>(
        _ body: @Sendable (SFTPConnection) throws(MuelleError) -> T
    ) async throws(MuelleError) -> T {
        let cancel = CancelSwitch()
        let result: Result<T, MuelleError> = await withTaskCancellationHandler {
            // The closure is isolated to this actor only because it uses `self`: one that captures nothing
            // isolated runs on the cooperative pool, and the blocking work with it (tested).
            self.run(cancel: cancel, body)
        } onCancel: {
            cancel.trip()
        }
        return try result.get()
    }

    /// Runs on the client's queue (actor-isolated): connect, lend the connection to `body`, close.
    private func run<T>(cancel: CancelSwitch, _ body: (SFTPConnection) throws(MuelleError) -> T) -> Result<T, MuelleError> {
        defer { cancel.finish() }
        do throws(MuelleError) {
            let connection = try SFTPConnection.open(endpoint, cancel: cancel)
            logger.debug("connected", metadata: ["sftp.host_key": "\(connection.hostKeyFingerprint)"])
            defer { connection.close() }
            return .success(try body(connection))
        } catch {
            // Whatever broke after a cancellation broke because of it.
            let reported = cancel.isTripped ? SFTPFailures.cancelled(endpoint) : error
            logger.debug("SFTP work failed", metadata: ["error.code": "\(reported.code)"])
            return .failure(reported)
        }
    }

    /// A logger that drops everything, for callers that pass none.
    public static let silentLogger = Logger(label: "muelle.sftp", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// Runs an actor's jobs on a serial dispatch queue (after GRDB's `DispatchQueueActor`). Dispatch does not
/// make a queue an executor by itself on Linux.
private final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: the only stored property is a DispatchQueue, which is thread-safe but not marked
    // Sendable by corelibs-libdispatch.
    private let queue: DispatchQueue

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    func enqueue(_ job: UnownedJob) {
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
