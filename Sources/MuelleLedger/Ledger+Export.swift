import GRDB
import MuelleCore

/// The ledger's rows as they are, table by table, for `muelle ledger migrate` to copy elsewhere.
extension Ledger {
    /// A table of the ledger and its columns, in their declared order.
    public struct Table: Sendable {
        public var name: String
        public var columns: [String]
    }

    /// Runs `body` on one snapshot of the ledger: every table it reads is as of the same moment, whatever a writer
    /// does meanwhile.
    public func export<T>(_ body: (LedgerExport) throws -> T) throws -> T {
        try read { db in try body(LedgerExport(db: db)) }
    }
}

extension Ledger {
    /// Who is working and which input each worker holds now (`WorkerCoordination`): the state of running processes,
    /// not the workspace's history, so a migration neither copies them nor counts them as a target's rows.
    public static let coordinationTables: Set<String> = ["worker", "inputclaim"]
}

/// A snapshot of the ledger being read out (`Ledger.export`).
public struct LedgerExport {
    let db: Database

    /// Every table the schema has after all its migrations (GRDB's and SQLite's own bookkeeping left out), by name;
    /// not the workers' coordination tables (`Ledger.coordinationTables`).
    public func tables() throws -> [Ledger.Table] {
        let names = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
            """).filter { !Ledger.coordinationTables.contains($0.lowercased()) }
        return try names.map { name in
            Ledger.Table(name: name, columns: try db.columns(in: name).map(\.name))
        }
    }

    /// Streams the rows of `table` (one at a time in memory), the values of `columns` in that order, sorted by every
    /// column in turn (NULL first, text by bytes): the order the PostgreSQL side reads in too.
    public func forEachRow(of table: String, columns: [String], _ body: ([LedgerCell]) throws -> Void) throws {
        let list = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(list) FROM \(table.quotedDatabaseIdentifier) ORDER BY \(list)")
        while let row = try cursor.next() {
            try body((0..<columns.count).map { index in
                switch (row[index] as DatabaseValue).storage {
                case .null: .null
                case .int64(let value): .integer(value)
                case .double(let value): .real(value)
                case .string(let value): .text(value)
                case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                }
            })
        }
    }
}
