import GRDB

/// An output a committed transaction recorded and that was not yet renamed into view when last seen.
public struct PendingPublication: Sendable, Equatable {
    public var batch: String
    public var inputID: Int64?
    /// Workspace-relative paths: the staged file and where it goes.
    public var staged: String
    public var final: String

    public init(batch: String, inputID: Int64?, staged: String, final: String) {
        self.batch = batch
        self.inputID = inputID
        self.staged = staged
        self.final = final
    }
}

/// A file whose read attempt is counted (`Ledger.beginAttempts`).
public struct AttemptedFile: Sendable {
    public var route: String
    public var sha256: String
    public var name: String

    public init(route: String, sha256: String, name: String) {
        self.route = route
        self.sha256 = sha256
        self.name = name
    }
}

extension Ledger {
    /// Registered by `Ledger.migrator`. `publication`: outputs committed and not yet renamed into the outbox
    /// (stage → commit → publish). `attempt`: files being read now, counted before each read and cleared
    /// after it, so one that killed the process twice is quarantined instead of being read a third time.
    static func registerPublicationMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9: pending publications") { db in
            try db.create(table: "publication") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("batch", .text).notNull().indexed()
                t.column("inputID", .integer)
                t.column("staged", .text).notNull()
                t.column("final", .text).notNull()
            }
            try db.create(table: "attempt") { t in
                t.column("route", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("name", .text).notNull()
                t.column("count", .integer).notNull()
                t.column("lastAt", .text).notNull()
                t.primaryKey(["route", "sha256"])
            }
        }
    }

    /// Every output committed and not yet known to be renamed, oldest first.
    public func pendingPublications() throws -> [PendingPublication] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT batch, inputID, staged, final FROM publication ORDER BY id").map {
                PendingPublication(batch: $0["batch"], inputID: $0["inputID"], staged: $0["staged"], final: $0["final"])
            }
        }
    }

    /// The batch's files are all in view.
    public func clearPublications(batch: String) throws {
        try write { tx in try tx.db.execute(sql: "DELETE FROM publication WHERE batch = ?", arguments: [batch]) }
    }

    /// Counts one more attempt at reading this file, in a transaction of its own (committed before the
    /// read starts); returns how many attempts there were before this one.
    public func beginAttempt(route: String, sha256: String, name: String, at: String) throws -> Int {
        try write { tx in
            let before = try Int.fetchOne(tx.db, sql: "SELECT count FROM attempt WHERE route = ? AND sha256 = ?", arguments: [route, sha256]) ?? 0
            try tx.db.execute(sql: """
                INSERT INTO attempt (route, sha256, name, count, lastAt) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT(route, sha256) DO UPDATE SET count = count + 1, name = excluded.name, lastAt = excluded.lastAt
                """, arguments: [route, sha256, name, at])
            return before
        }
    }

    /// A group's read attempts in one transaction (committed before any of them is read): each file with no
    /// attempt on record gets its first; one that has some (a process died reading it) is left as it is, for its
    /// own `beginAttempt` when it is taken alone. Returns, in order, how many attempts each had before.
    public func beginAttempts(_ files: [AttemptedFile], at: String) throws -> [Int] {
        try write { tx in
            try files.map { file in
                let before = try Int.fetchOne(tx.db, sql: "SELECT count FROM attempt WHERE route = ? AND sha256 = ?",
                                              arguments: [file.route, file.sha256]) ?? 0
                guard before == 0 else { return before }
                try tx.db.execute(sql: "INSERT OR REPLACE INTO attempt (route, sha256, name, count, lastAt) VALUES (?, ?, ?, 1, ?)",
                                  arguments: [file.route, file.sha256, file.name, at])
                return 0
            }
        }
    }

    /// The attempt ended with an outcome (processed, rejected, held, failed): it was no crash. Recording
    /// an input clears its attempt in that same transaction, so mostly there is nothing left to write.
    public func endAttempt(route: String, sha256: String) throws {
        let open = try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM attempt WHERE route = ? AND sha256 = ?", arguments: [route, sha256]) ?? false }
        guard open else { return }
        try write { tx in try tx.db.execute(sql: "DELETE FROM attempt WHERE route = ? AND sha256 = ?", arguments: [route, sha256]) }
    }

    public func endAttempts(route: String, sha256s: [String]) throws {
        guard !sha256s.isEmpty else { return }
        try write { tx in
            for sha256 in sha256s {
                try tx.db.execute(sql: "DELETE FROM attempt WHERE route = ? AND sha256 = ?", arguments: [route, sha256])
            }
        }
    }
}

extension LedgerTransaction {
    /// Records where each staged output goes, in the transaction that makes them true.
    public func recordPublications(batch: String, inputID: Int64?, files: [(staged: String, final: String)]) throws {
        for file in files {
            try db.execute(sql: "INSERT INTO publication (batch, inputID, staged, final) VALUES (?, ?, ?, ?)",
                           arguments: [batch, inputID, file.staged, file.final])
        }
    }
}
