import GRDB

/// An inbox file muelle tried to take and could not (it cannot be read, or cannot be archived): it stays in
/// the inbox, and `muelle status`, another process, shows why.
public struct StuckInput: Sendable, Equatable, FetchableRecord, Decodable {
    public var route: String
    public var name: String
    /// The last failure, as logged.
    public var reason: String
    public var since: String
    public var lastTried: String
    public var attempts: Int

    public init(route: String, name: String, reason: String, since: String, lastTried: String, attempts: Int) {
        self.route = route
        self.name = name
        self.reason = reason
        self.since = since
        self.lastTried = lastTried
        self.attempts = attempts
    }
}

extension Ledger {
    /// Registered by `Ledger.migrator`, after v7.
    static func registerStuckInputsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8: stuck inputs") { db in
            try db.create(table: "stuckInput") { t in
                t.column("route", .text).notNull()
                t.column("name", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("since", .text).notNull()
                t.column("lastTried", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.primaryKey(["route", "name"])
            }
        }
    }

    /// Records that taking `name` failed again (the first failure's time is kept in `since`).
    public func recordStuck(route: String, name: String, reason: String, at time: String) throws {
        try write { tx in
            try tx.db.execute(sql: """
                INSERT INTO stuckInput (route, name, reason, since, lastTried, attempts) VALUES (?, ?, ?, ?, ?, 1)
                ON CONFLICT(route, name) DO UPDATE SET reason = excluded.reason, lastTried = excluded.lastTried, attempts = attempts + 1
                """, arguments: [route, name, reason, time, time])
        }
    }

    /// The file was taken (or held for a reason of its own), or is gone: it is not stuck any more.
    public func clearStuck(route: String, name: String) throws {
        // Called for every file taken: a read first keeps a write transaction off the common path.
        let known = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM stuckInput WHERE route = ? AND name = ?", arguments: [route, name]) ?? false
        }
        guard known else { return }
        try write { tx in
            try tx.db.execute(sql: "DELETE FROM stuckInput WHERE route = ? AND name = ?", arguments: [route, name])
        }
    }

    /// Stuck files, newest failure first; whether each is still in the inbox is for the caller to see.
    public func stuckInputs(route: String? = nil) throws -> [StuckInput] {
        try read { db in
            if let route {
                return try StuckInput.fetchAll(db, sql: "SELECT * FROM stuckInput WHERE route = ? ORDER BY lastTried DESC, name", arguments: [route])
            }
            return try StuckInput.fetchAll(db, sql: "SELECT * FROM stuckInput ORDER BY lastTried DESC, name")
        }
    }
}
