import GRDB

/// A quarantined input as the ledger knows it: the rejection, and whether someone dismissed it.
public struct QuarantinedInput: Sendable, Equatable {
    /// The latest rejection of the file now at `entry.destination`.
    public var entry: InputEntry
    /// Who dismissed it and when (the file stays where it is); nil while it still needs attention.
    public var dismissedBy: String?
    public var dismissedAt: String?

    public init(entry: InputEntry, dismissedBy: String?, dismissedAt: String?) {
        self.entry = entry
        self.dismissedBy = dismissedBy
        self.dismissedAt = dismissedAt
    }
}

extension Ledger {
    /// Registered by `Ledger.migrator`: a dismissal keeps the quarantined file and says who let it go, and when.
    static func registerQuarantineMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7: quarantine dismissals") { db in
            try db.create(table: "quarantineDismissal") { t in
                t.primaryKey("inputID", .integer).references("input")
                t.column("dismissedBy", .text).notNull()
                t.column("dismissedAt", .text).notNull()
            }
        }
    }

    /// Rejected inputs, newest first: for each quarantine path only its latest rejection (a file replayed
    /// and rejected again is one file, not two). Whether the file is still there is for the caller to see.
    public func quarantined(route: String? = nil) throws -> [QuarantinedInput] {
        try read { db in
            var sql = """
                SELECT input.*, d.dismissedBy AS dismissedBy, d.dismissedAt AS dismissedAt FROM input
                LEFT JOIN quarantineDismissal d ON d.inputID = input.id
                WHERE input.id IN (SELECT MAX(id) FROM input WHERE state = 'rejected' GROUP BY destination)
                """
            var arguments: StatementArguments = []
            if let route {
                sql += " AND input.route = ?"
                arguments += [route]
            }
            sql += " ORDER BY input.id DESC"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                QuarantinedInput(entry: try InputEntry(row: row), dismissedBy: row["dismissedBy"], dismissedAt: row["dismissedAt"])
            }
        }
    }

    /// Records that `by` looked at the rejected input `inputID` and let it go; false when it was dismissed already.
    @discardableResult
    public func dismissQuarantined(inputID: Int64, by: String, at: String) throws -> Bool {
        try write { tx in
            try tx.db.execute(sql: "INSERT OR IGNORE INTO quarantineDismissal (inputID, dismissedBy, dismissedAt) VALUES (?, ?, ?)",
                              arguments: [inputID, by, at])
            return tx.db.changesCount > 0
        }
    }
}
