import Foundation
import GRDB

/// One `muelle run` process as the shared ledger knows it (`muelle status` lists them).
public struct WorkerEntry: Sendable, Equatable {
    /// Host, pid and a random part: unique even for a pid reused after a restart.
    public var id: String
    public var host: String
    public var pid: Int64
    /// ISO 8601, in the database server's clock (every worker compares against the same clock).
    public var started: String
    public var heartbeat: String
    /// `route/name` of the file the worker has in hand, if any.
    public var fileInHand: String?
    /// How long its claims stand without a heartbeat (its `--worker-lease`), in milliseconds.
    public var leaseMilliseconds: Int64
    /// Its last heartbeat is older than its lease: SIGKILLed, stopped, or cut off from the database.
    public var lost: Bool
    /// Lost, and another worker has released its claims and finished what it left: it may still wake (SIGCONT) and
    /// register again, but it can commit nothing it had in hand.
    public var reaped: Bool

    public init(id: String, host: String, pid: Int64, started: String, heartbeat: String, fileInHand: String?, leaseMilliseconds: Int64, lost: Bool, reaped: Bool = false) {
        self.id = id
        self.host = host
        self.pid = pid
        self.started = started
        self.heartbeat = heartbeat
        self.fileInHand = fileInHand
        self.leaseMilliseconds = leaseMilliseconds
        self.lost = lost
        self.reaped = reaped
    }
}

/// What a claim is on: one input file of a route, by its name in `inbox/<route>/`.
public struct ClaimKey: Sendable, Hashable {
    public var route: String
    public var name: String

    public init(route: String, name: String) {
        self.route = route
        self.name = name
    }
}

/// A ledger that several `muelle run` workers share (PostgreSQL): the database decides which worker takes which
/// input, with a claim row per input and a lease the worker's heartbeat renews. Times are the server's, so
/// workers on hosts whose clocks differ still agree on whose lease ran out.
public protocol WorkerCoordination: Sendable {
    /// Records the worker as alive now (again, after it was taken for lost), with the file it has in hand, and renews
    /// the leases of the claims it `holds` (only those: a claim it failed to release runs out by itself).
    func heartbeat(worker: String, host: String, pid: Int64, fileInHand: String?, holds: [ClaimKey], lease: Duration) throws
    /// Takes the claim on `key` for `worker`: true when it holds it now — nobody had it, its holder's lease ran
    /// out, or the worker held it already. One statement, so two workers asking at once cannot both win.
    func claim(_ key: ClaimKey, worker: String, lease: Duration) throws -> Bool
    /// Lets the claim go, if this worker still holds it.
    func releaseClaim(_ key: ClaimKey, worker: String) throws
    /// Every worker registered, with whether its heartbeat is older than its own lease.
    func workers() throws -> [WorkerEntry]
    /// Marks a lost worker reaped and removes its claims, in one transaction that waits for a commit of that worker
    /// still holding one of its claim rows; returns false when it is alive again (or already reaped by another).
    /// Its row stays a day, for `muelle status`.
    func forgetLostWorker(_ id: String) throws -> Bool
    /// `forgetLostWorker` for a worker known to have ended (its process is gone from this host), before its lease
    /// runs out: a process that ended commits nothing more, and the server aborts what it left open.
    func forgetEndedWorker(_ id: String) throws -> Bool
    /// A transaction of this worker idle for longer than `lease` (the process stopped mid-commit) is ended by the
    /// server, so the locks it holds do not outlive its lease.
    func limitIdleTransactions(to lease: Duration)
    /// Forgets this worker and its claims (a graceful stop).
    func forgetWorker(_ id: String) throws
}

extension LedgerWriting {
    /// Inside a file's commit: whether `worker` still holds the claim on `key`, with its row locked until the commit
    /// ends (so no other worker takes it over meanwhile) and its lease renewed. A ledger of one worker has no claims.
    public func confirmClaim(_ key: ClaimKey, worker: String, lease: Duration) throws -> Bool { true }
}

extension Ledger {
    /// Registered by `Ledger.migrator`. The SQLite ledger has one worker (it holds `.muelle/run.lock`) and never
    /// fills these tables; they exist so both backends have the same schema (`muelle ledger migrate`).
    static func registerWorkerMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15: workers and claims") { db in
            try db.execute(sql: """
                CREATE TABLE worker (
                    id TEXT NOT NULL PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started TEXT NOT NULL,
                    heartbeat TEXT NOT NULL, leaseMilliseconds INTEGER NOT NULL, fileInHand TEXT,
                    reaped BOOLEAN NOT NULL DEFAULT 0) WITHOUT ROWID
                """)
            try db.execute(sql: """
                CREATE TABLE inputClaim (
                    route TEXT NOT NULL, name TEXT NOT NULL, worker TEXT NOT NULL, leaseUntil TEXT NOT NULL,
                    PRIMARY KEY (route, name)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE INDEX inputClaim_by_worker ON inputClaim (worker)")
        }
    }
}
