import Foundation
import GRDB

/// When this ledger began again without the history its workspace already had (`muelle run --new-ledger`):
/// files archived before then are not its to know.
public struct LedgerStart: Sendable, Equatable {
    public var startedAt: String
    /// The same instant as seconds since 1970, to compare with file times.
    public var epochSeconds: Double
    /// Why it started over, in words (for whoever reads the ledger later).
    public var reason: String

    public init(startedAt: String, epochSeconds: Double, reason: String) {
        self.startedAt = startedAt
        self.epochSeconds = epochSeconds
        self.reason = reason
    }
}

/// The ledger cannot be used: SQLite's own code and words, or what its `PRAGMA quick_check` found.
public struct LedgerDamage: Error, Sendable {
    public var sqlite: String
}

extension Ledger {
    /// Registered by `Ledger.migrator`.
    static func registerStartMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v11: ledger starts") { db in
            try db.create(table: "ledgerStart") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .text).notNull()
                t.column("epochSeconds", .double).notNull()
                t.column("reason", .text).notNull()
            }
        }
    }

    /// SQLite's own words for a failure, with its code: "SQLite error 26 (SQLITE_NOTADB): file is not a database".
    public static func describe(_ error: DatabaseError) -> String {
        let code = error.extendedResultCode
        let name = Self.resultCodeNames[code.primaryResultCode.rawValue].map { " (\($0))" } ?? ""
        return "SQLite error \(code.rawValue)\(name): \(error.message ?? "\(error)")"
    }

    private static let resultCodeNames: [Int32: String] = [
        1: "SQLITE_ERROR", 5: "SQLITE_BUSY", 8: "SQLITE_READONLY", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT",
        13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 23: "SQLITE_AUTH", 26: "SQLITE_NOTADB",
    ]

    /// Opens the ledger at `path` for a command that writes, after SQLite's own check of it: throws
    /// `LedgerDamage` when SQLite cannot read it or finds it damaged.
    public static func openChecked(path: String) throws -> Ledger {
        let ledger: Ledger
        do {
            let pool = try pool(path: path)
            let problems = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            if problems != ["ok"] {
                throw LedgerDamage(sqlite: "PRAGMA quick_check found \(problems.count) problem(s): " + problems.prefix(5).joined(separator: "; "))
            }
            ledger = try Ledger(writer: pool)
            // The check ran on a reader connection, which kept the schema as it was before the migrations: the
            // next statement it prepared would name the old columns (GRDB reads them at prepare time), and
            // reading an input of an upgraded ledger would fail with "column not found: stale".
            pool.invalidateReadOnlyConnections()
        } catch let error as DatabaseError {
            throw LedgerDamage(sqlite: describe(error))
        }
        return ledger
    }

    // `PRAGMA quick_check` is SQLite's check of every page and index entry; `integrity_check` would also
    // compare each index with its table, at many times the cost of a start-up.

    /// The last time this ledger started over, if it ever did.
    public func lastStart() throws -> LedgerStart? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledgerStart ORDER BY id DESC LIMIT 1").map { row in
                LedgerStart(startedAt: row["startedAt"], epochSeconds: row["epochSeconds"], reason: row["reason"])
            }
        }
    }

    /// Records that the ledger starts over now: what was archived before is no longer checked against it.
    public func recordStart(reason: String, at date: Date = Date()) throws {
        let text = ISO8601DateFormatter().string(from: date)
        try write { tx in
            try tx.db.execute(sql: "INSERT INTO ledgerStart (startedAt, epochSeconds, reason) VALUES (?, ?, ?)",
                              arguments: [text, date.timeIntervalSince1970, reason])
        }
    }
}
