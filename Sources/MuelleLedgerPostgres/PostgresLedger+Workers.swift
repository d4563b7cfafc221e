import Foundation
import MuelleCore
import MuelleLedger
import PostgresNIO

/// Several workers on one PostgreSQL ledger: heartbeats in `worker`, one `inputClaim` row per input in hand.
extension PostgresLedger: WorkerCoordination {
    public func heartbeat(worker: String, host: String, pid: Int64, fileInHand: String?, holds: [ClaimKey], lease: Duration) throws {
        let until = lease.milliseconds
        let keys = holds.map { $0.route + "/" + $0.name }
        try session { session in
            try session.execute("""
                INSERT INTO worker (id, host, pid, started, heartbeat, leaseMilliseconds, fileInHand)
                VALUES (\(worker), \(host), \(pid), clock_timestamp(), clock_timestamp(), \(until), \(fileInHand))
                ON CONFLICT (id) DO UPDATE SET heartbeat = clock_timestamp(), leaseMilliseconds = EXCLUDED.leaseMilliseconds,
                    fileInHand = EXCLUDED.fileInHand, reaped = FALSE
                """)
            // A claim row locked by this worker's own commit is renewed by that commit (`confirmClaim`): skipping it
            // here keeps the heartbeat from waiting on, or deadlocking with, a group commit that locks several.
            guard !keys.isEmpty else { return }
            try session.execute("""
                UPDATE inputClaim SET leaseUntil = clock_timestamp() + \(until) * interval '1 millisecond'
                WHERE (route, name) IN (SELECT route, name FROM inputClaim WHERE worker = \(worker) AND route || '/' || name = ANY(\(keys))
                                       FOR UPDATE SKIP LOCKED)
                """)
        }
    }

    public func claim(_ key: ClaimKey, worker: String, lease: Duration) throws -> Bool {
        let until = lease.milliseconds
        // Insert-wins; a row whose lease ran out is taken over in the same statement. A holder's commit has the row
        // locked (`confirmClaim`): the statement waits for it, then sees the renewed lease and takes nothing.
        let taken = try rows("""
            INSERT INTO inputClaim (route, name, worker, leaseUntil)
            VALUES (\(key.route), \(key.name), \(worker), clock_timestamp() + \(until) * interval '1 millisecond')
            ON CONFLICT (route, name) DO UPDATE SET worker = EXCLUDED.worker, leaseUntil = EXCLUDED.leaseUntil
            WHERE inputClaim.worker = EXCLUDED.worker OR inputClaim.leaseUntil < clock_timestamp()
            RETURNING worker
            """) { try $0.value("worker", as: String.self) }
        return taken.first == worker
    }

    public func releaseClaim(_ key: ClaimKey, worker: String) throws {
        try execute("DELETE FROM inputClaim WHERE route = \(key.route) AND name = \(key.name) AND worker = \(worker)")
    }

    public func workers() throws -> [WorkerEntry] {
        try rows("""
            SELECT id, host, pid, fileInHand, leaseMilliseconds, reaped,
                   to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started,
                   to_char(heartbeat AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS heartbeat,
                   heartbeat < clock_timestamp() - leaseMilliseconds * interval '1 millisecond' AS lost
            FROM worker ORDER BY host COLLATE "C", started, id COLLATE "C"
            """) { row in
            WorkerEntry(id: try row.value("id"), host: try row.value("host"), pid: try row.value("pid"), started: try row.value("started"),
                        heartbeat: try row.value("heartbeat"), fileInHand: try row.optional("fileInHand"),
                        leaseMilliseconds: try row.value("leaseMilliseconds"), lost: try row.value("lost"), reaped: try row.value("reaped"))
        }
    }

    public func forgetLostWorker(_ id: String) throws -> Bool {
        try forget(id, onlyPastLease: true)
    }

    public func forgetEndedWorker(_ id: String) throws -> Bool {
        try forget(id, onlyPastLease: false)
    }

    private func forget(_ id: String, onlyPastLease: Bool) throws -> Bool {
        try write { session in
            try session.execute("DELETE FROM worker WHERE reaped AND heartbeat < clock_timestamp() - interval '1 day'")
            let gone = try session.rows("""
                UPDATE worker SET reaped = TRUE, fileInHand = NULL
                WHERE id = \(id) AND NOT reaped
                  AND (NOT \(onlyPastLease) OR heartbeat < clock_timestamp() - leaseMilliseconds * interval '1 millisecond') RETURNING id
                """)
            guard !gone.isEmpty else { return false }
            // Waits for a commit of the lost worker that has one of these rows locked: once this returns, whatever it
            // committed (and its publications) is in the ledger, and it can commit nothing more.
            try session.execute("DELETE FROM inputClaim WHERE worker = \(id)")
            return true
        }
    }

    public func limitIdleTransactions(to lease: Duration) {
        connections.idleTransactionLimit.store(lease.milliseconds, ordering: .relaxed)
    }

    public func forgetWorker(_ id: String) throws {
        try write { session in
            try session.execute("DELETE FROM inputClaim WHERE worker = \(id)")
            try session.execute("DELETE FROM worker WHERE id = \(id)")
        }
    }
}

extension PostgresTransaction {
    /// Locks the claim row until the commit ends and renews its lease: a worker that lost its lease (stopped past it)
    /// finds the row gone or another worker's, and its commit is refused.
    func confirmClaim(_ key: ClaimKey, worker: String, lease: Duration) throws -> Bool {
        let until = lease.milliseconds
        return try !session.rows("""
            UPDATE inputClaim SET leaseUntil = GREATEST(leaseUntil, clock_timestamp() + \(until) * interval '1 millisecond')
            WHERE route = \(key.route) AND name = \(key.name) AND worker = \(worker) RETURNING worker
            """).isEmpty
    }
}

extension Duration {
    /// Whole milliseconds (at least one), for an interval in SQL.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
