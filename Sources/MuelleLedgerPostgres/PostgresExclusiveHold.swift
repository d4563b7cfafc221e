import MuelleCore
import MuelleLedger
import PostgresNIO
import Synchronization

/// Once-only work held by a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own, kept
/// out of the pool until `release()`. The key is (`namespace`, `hashtext(name)`): two names that hash alike only
/// make one wait for the other, never run together.
///
/// PostgreSQL frees the lock when the session ends, so a worker that dies or whose connection breaks (a network
/// cut, `pg_terminate_backend`) loses the work and another takes it; `isHeld` asks the same session whether it
/// is still alive, which is as much as to say whether the lock is still this worker's.
final class PostgresExclusiveHold: ExclusiveWorkHold {
    /// The first key of every muelle work lock (ASCII "mwrk"); the schema migration's lock uses the one-key form.
    static let namespace: Int32 = 0x6d77_726b

    let name: String
    private let connections: PostgresConnections
    private let session: Mutex<PostgresSession?>

    /// Takes the lock on a dedicated connection, or returns nil (and gives the connection back) when another
    /// session holds it.
    static func take(_ name: String, connections: PostgresConnections) throws -> PostgresExclusiveHold? {
        let session = try connections.dedicated()
        do {
            let granted = try session.rows("SELECT pg_try_advisory_lock(\(namespace), hashtext(\(name))) AS granted")
                .first.map { try $0.value("granted", as: Bool.self) } ?? false
            guard granted else {
                connections.giveBack(session)
                return nil
            }
            return PostgresExclusiveHold(name: name, session: session, connections: connections)
        } catch {
            connections.giveBack(session)
            throw error
        }
    }

    private init(name: String, session: PostgresSession, connections: PostgresConnections) {
        self.name = name
        self.connections = connections
        self.session = Mutex(session)
    }

    deinit { release() }

    var isHeld: Bool {
        session.withLock { session in
            guard let current = session else { return false }
            if !current.connection.isClosed, (try? current.execute("SELECT 1")) != nil { return true }
            // Lost for good: the connection is not asked again (a broken one may never answer).
            session = nil
            connections.discard(current)
            return false
        }
    }

    func release() {
        guard let held = session.withLock({ session in defer { session = nil }; return session }) else { return }
        guard !held.connection.isClosed else { return connections.discard(held) }
        do {
            try held.execute("SELECT pg_advisory_unlock(\(Self.namespace), hashtext(\(name)))")
            connections.giveBack(held)
        } catch {
            // The session is gone or confused: closing it frees whatever it still holds.
            connections.discard(held)
        }
    }
}
