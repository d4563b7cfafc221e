import Foundation
import Logging
import MuelleCore
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The one place the PostgreSQL ledger waits for postgres-nio: connections opened on NIO's shared event loops
/// and kept for reuse, each query awaited with `EventLoopFuture.wait()`.
///
/// The ledger's protocols are synchronous and are called only off the cooperative pool (a BlockingLane's
/// thread, a command), so the calling thread may block; an event-loop thread never does (`wait()` traps there).
final class PostgresConnections: Sendable {
    let address: PostgresAddress
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)
    /// With several workers, the lease in milliseconds (0: none): see `PostgresLedger.transaction`.
    let idleTransactionLimit = Atomic<Int64>(0)
    private let logger: Logger

    init(address: PostgresAddress, password: Secret?, logger: Logger) {
        self.address = address
        self.logger = logger
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: password?.reveal(), database: address.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    deinit {
        for connection in idle.withLock({ $0 }) { Self.close(connection) }
    }

    /// Runs `body` on one connection of its own (a transaction holds it from BEGIN to COMMIT), then returns it for
    /// reuse — unless it broke, when it is closed instead.
    func with<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let connection = try checkOut()
        // A refused statement leaves the connection usable (a transaction's failure is rolled back by `transaction`).
        defer { if connection.isClosed { Self.close(connection) } else { idle.withLock { $0.append(connection) } } }
        return try body(PostgresSession(connection: connection, logger: logger, address: address, answerLimit: answerLimit))
    }

    /// A connection kept out of the pool by its caller (a session-level advisory lock lives as long as its
    /// session), until `giveBack`.
    func dedicated() throws -> PostgresSession {
        PostgresSession(connection: try checkOut(), logger: logger, address: address, answerLimit: answerLimit)
    }

    /// With several workers, how long a statement's answer is waited for before its connection is given up: twice the
    /// lease, at least a minute. A worker stopped (SIGSTOP) mid-commit wakes on a connection the server has closed
    /// meanwhile, and postgres-nio may leave a statement sent then unanswered for ever; no statement of a healthy
    /// worker waits that long (a lost worker's locks last one lease at most). Nil with one worker.
    private var answerLimit: TimeAmount? {
        let lease = idleTransactionLimit.load(ordering: .relaxed)
        return lease > 0 ? .milliseconds(max(2 * lease, 60_000)) : nil
    }

    /// Returns a dedicated connection for reuse, or closes it if it broke.
    func giveBack(_ session: PostgresSession) {
        if session.connection.isClosed { Self.close(session.connection) } else { idle.withLock { $0.append(session.connection) } }
    }

    /// Closes a dedicated connection whose state is not to be trusted (its session ends, and with it its locks).
    func discard(_ session: PostgresSession) {
        Self.close(session.connection)
    }

    /// Closes without waiting; the connection is kept alive until its channel is closed (postgres-nio requires it).
    private static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    private func checkOut() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = nextID.add(1, ordering: .relaxed).oldValue
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw MuelleError(.ledger, "cannot reach the PostgreSQL ledger at \(address): \(Self.describe(error))")
        }
    }

    /// The server's own words and SQLSTATE, or what went wrong on the way; never the password.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// The SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// One connection in use: queries awaited on the calling thread.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    let address: PostgresAddress
    /// `PostgresConnections.answerLimit`.
    var answerLimit: TimeAmount?

    /// Every row of `query`.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try run(query).rows.map(PostgresRandomAccessRow.init)
    }

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try run(query).metadata.rows ?? 0
    }

    private func run(_ query: PostgresQuery) throws -> (rows: [PostgresRow], metadata: PostgresQueryMetadata) {
        do {
            guard !connection.isClosed else { throw PostgresFailure(sqlState: nil, closed: true, message: "the connection to the server was closed") }
            let answer = connection.query(query, logger: logger)
            guard let answerLimit else {
                let result = try answer.wait()
                return (Array(result), result.metadata)
            }
            let limited = answer.eventLoop.makePromise(of: PostgresQueryResult.self)
            answer.cascade(to: limited)
            let connection = connection
            let deadline = answer.eventLoop.scheduleTask(in: answerLimit) {
                limited.fail(PostgresFailure(sqlState: nil, closed: true, message: "the server did not answer within \(answerLimit.nanoseconds / 1_000_000_000) seconds"))
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in withExtendedLifetime(connection) {} }
            }
            defer { deadline.cancel() }
            let result = try limited.futureResult.wait()
            return (Array(result), result.metadata)
        } catch let failure as PostgresFailure {
            throw failure
        } catch {
            throw PostgresFailure(sqlState: PostgresConnections.sqlState(error), closed: connection.isClosed,
                                  message: PostgresConnections.describe(error))
        }
    }
}

/// A statement the server refused (with its SQLSTATE), or a connection that broke.
struct PostgresFailure: Error {
    var sqlState: String?
    var closed: Bool
    var message: String
}
