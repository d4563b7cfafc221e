import Foundation
import Logging
import MuelleCore
import MuelleLedger
import PostgresNIO

/// The ledger in a PostgreSQL database, for several muelle workers on one workspace: the same tables as the SQLite
/// `Ledger` (see `PostgresMigrations`), behind the same `LedgerStore` and `LedgerWriting`.
///
/// Each call outside a transaction is a statement of its own (autocommit) on a pooled connection; `transaction`
/// holds one connection from BEGIN to COMMIT, at PostgreSQL's default isolation (read committed), with the rows a
/// transaction reads to change them again (tracking serials) locked `FOR UPDATE`.
public struct PostgresLedger: LedgerStore {
    let connections: PostgresConnections

    public var address: PostgresAddress { connections.address }

    /// Connects (reading the password from where the address says) and brings the schema up to date.
    public static func open(_ address: PostgresAddress, environment: [String: String] = ProcessInfo.processInfo.environment,
                            logger: Logger = Logger(label: "muelle.ledger.postgres")) throws -> PostgresLedger {
        let ledger = PostgresLedger(connections: PostgresConnections(address: address, password: try password(of: address, environment: environment),
                                                                     logger: logger))
        _ = try ledger.session { try PostgresMigrations.migrate($0) }
        return ledger
    }

    /// The password, read now from the environment variable or file the address names. Errors name the source only.
    static func password(of address: PostgresAddress, environment: [String: String]) throws -> Secret? {
        switch address.password {
        case nil:
            return nil
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw MuelleError(.configuration, "the PostgreSQL ledger's password is read from the environment variable \(name), which is not set; export it before running muelle")
            }
            return Secret(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MuelleError(.configuration, "the PostgreSQL ledger's password is read from the file \(path), which cannot be read; create it (readable by muelle only)")
            }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else { throw MuelleError(.configuration, "the PostgreSQL ledger's password file \(path) is empty") }
            return Secret(text)
        }
    }

    /// The schema versions recorded in `schema_migrations`, in the order they were applied.
    public func appliedMigrations() throws -> [(version: Int, name: String)] {
        try rows("SELECT version, name FROM schema_migrations ORDER BY applied_at, version") { (try $0.value("version"), try $0.value("name")) }
    }

    /// The versions this muelle knows, in order.
    public static var knownMigrations: [(version: Int, name: String)] { PostgresMigrations.all.map { ($0.version, $0.name) } }

    public func checkpoint() {
        // PostgreSQL keeps its own files whole; nothing waits in a log of muelle's.
    }

    // MARK: Sessions and errors

    func session<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        do {
            return try connections.with(body)
        } catch let failure as PostgresFailure {
            throw MuelleError(.ledger, "the PostgreSQL ledger at \(address) refused a statement: \(failure.message)")
        }
    }

    func rows<T>(_ query: PostgresQuery, _ map: (PostgresRandomAccessRow) throws -> T) throws -> [T] {
        try session { try $0.rows(query).map(map) }
    }

    func first<T>(_ query: PostgresQuery, _ map: (PostgresRandomAccessRow) throws -> T) throws -> T? {
        try rows(query, map).first
    }

    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try session { try $0.execute(query) }
    }

    /// A transaction the server rolls back (a deadlock, a serialization failure) is not run again here: the
    /// engine's body has effects outside the database (staged files taken for publication), so running it twice
    /// could publish what the rollback undid. The error ends the attempt; the file is taken again from the start
    /// on the next round, as after any failed commit.
    @discardableResult
    public func transaction<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        do {
            return try connections.with { session in
                try session.execute("BEGIN")
                do {
                    // A worker stopped (SIGSTOP) in the middle of a commit would hold its row locks — its claims, a
                    // tracking serial — and stall every other worker: past its lease the server ends its session.
                    let limit = connections.idleTransactionLimit.load(ordering: .relaxed)
                    if limit > 0 { try session.execute(PostgresQuery(unsafeSQL: "SET LOCAL idle_in_transaction_session_timeout = \(limit)")) }
                    let result = try body(PostgresTransaction(session: session))
                    try session.execute("COMMIT")
                    return result
                } catch {
                    if !session.connection.isClosed { _ = try? session.execute("ROLLBACK") }
                    throw error
                }
            }
        } catch let failure as PostgresFailure {
            throw MuelleError(.io, "the PostgreSQL ledger at \(address) refused a write: \(failure.message)")
        }
    }

    /// `pg_try_advisory_lock` on a connection of its own (see `PostgresExclusiveHold`).
    public func holdExclusiveWork(_ name: String) throws -> (any ExclusiveWorkHold)? {
        do {
            return try PostgresExclusiveHold.take(name, connections: connections)
        } catch let failure as PostgresFailure {
            throw MuelleError(.ledger, "the PostgreSQL ledger at \(address) refused to share out the work \(name): \(failure.message)")
        }
    }

    /// Several statements in one transaction, for this type's own writes.
    func write<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try session { session in
            try session.execute("BEGIN")
            do {
                let result = try body(session)
                try session.execute("COMMIT")
                return result
            } catch {
                if !session.connection.isClosed { _ = try? session.execute("ROLLBACK") }
                throw error
            }
        }
    }
}
