import MuelleCore
import MuelleLedger
import PostgresNIO

/// A column of the PostgreSQL ledger, with what it holds.
public struct PostgresColumn: Sendable {
    public var name: String
    public var kind: LedgerCell.Kind
}

extension PostgresLedger {
    /// Runs `body` in one transaction on one connection, with every ledger table locked against other sessions (a
    /// worker started meanwhile waits): it commits when `body` returns, and nothing of it is kept when `body` throws.
    public func importing<T>(_ body: (PostgresImport) throws -> T) throws -> T {
        try write { session in
            let target = PostgresImport(session: session)
            let names = try target.tables().keys.sorted()
            if !names.isEmpty {
                _ = try session.execute(PostgresQuery(unsafeSQL: "LOCK TABLE \(names.map(PostgresImport.quoted).joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE"))
            }
            return try body(target)
        }
    }
}

/// The PostgreSQL ledger inside `PostgresLedger.importing`: what copying a ledger into it needs.
public struct PostgresImport {
    let session: PostgresSession

    /// Parameters in one INSERT: PostgreSQL takes at most 65,535 per statement.
    public static let bindsPerStatement = 30_000
    /// Rows fetched at a time from the cursor that reads a table back.
    static let fetchSize = 1_000

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The ledger's tables (without `schema_migrations`) and their columns, keyed by name (PostgreSQL's names are
    /// SQLite's folded to lower case).
    public func tables() throws -> [String: [PostgresColumn]] {
        let rows = try session.rows("""
            SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position
            """)
        var tables: [String: [PostgresColumn]] = [:]
        for row in rows {
            let kind: LedgerCell.Kind = switch try row.value("d", as: String.self) {
            case "bigint", "integer", "smallint": .integer
            case "double precision", "real", "numeric": .real
            case "boolean": .boolean
            default: .text
            }
            tables[try row.value("t"), default: []].append(PostgresColumn(name: try row.value("c"), kind: kind))
        }
        return tables
    }

    public func rowCount(_ table: String) throws -> Int {
        try session.rows(PostgresQuery(unsafeSQL: "SELECT COUNT(*) AS n FROM \(Self.quoted(table))")).first?.value("n", as: Int.self) ?? 0
    }

    /// Empties `tables` (an explicit choice of the person migrating: the target held another ledger).
    public func truncate(_ tables: [String]) throws {
        guard !tables.isEmpty else { return }
        _ = try session.execute(PostgresQuery(unsafeSQL: "TRUNCATE \(tables.map(Self.quoted).joined(separator: ", ")) RESTART IDENTITY"))
    }

    /// Inserts rows given as canonical text (`LedgerCell.canonical`), each cast to its column's type, many per statement.
    public func insert(into table: String, columns: [PostgresColumn], rows: [[String?]]) throws {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let perStatement = max(1, Self.bindsPerStatement / columns.count)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            var binds = PostgresBindings(capacity: chunk.count * columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(chunk.count)
            for row in chunk {
                var cells: [String] = []
                for (column, value) in zip(columns, row) {
                    if let value { binds.append(value) } else { binds.appendNull() }
                    cells.append("$\(binds.count)::\(Self.type(of: column.kind))")
                }
                tuples.append("(" + cells.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO \(Self.quoted(table)) (\(columns.map { Self.quoted($0.name) }.joined(separator: ", "))) VALUES "
                + tuples.joined(separator: ", ")
            _ = try session.execute(PostgresQuery(unsafeSQL: sql, binds: binds))
            start += chunk.count
        }
    }

    static func type(of kind: LedgerCell.Kind) -> String {
        switch kind {
        case .integer: "bigint"
        case .real: "double precision"
        case .boolean: "boolean"
        case .text: "text"
        }
    }

    /// Sets every identity column's sequence past the largest id copied, so the next row a worker inserts does not
    /// take an id the copy already holds.
    public func advanceIdentities() throws {
        let identities = try session.rows("""
            SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
            WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name
            """)
        for row in identities {
            let table = Self.quoted(try row.value("t", as: String.self))
            let column = Self.quoted(try row.value("c", as: String.self))
            _ = try session.rows(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table.replacingOccurrences(of: "'", with: "''"))', '\(try row.value("c", as: String.self))'),
                              COALESCE(MAX(\(column)), 0) + 1, false) AS v FROM \(table)
                """))
        }
    }

    /// Streams the rows of `table` through a cursor (a thousand at a time in memory), sorted by every column in turn,
    /// NULL first and text by bytes: the order `LedgerExport.forEachRow` reads SQLite in.
    public func forEachRow(of table: String, columns: [PostgresColumn], _ body: ([LedgerCell]) throws -> Void) throws {
        let list = columns.map { Self.quoted($0.name) }.joined(separator: ", ")
        let order = columns.map { Self.quoted($0.name) + ($0.kind == .text ? " COLLATE \"C\"" : "") + " NULLS FIRST" }.joined(separator: ", ")
        _ = try session.execute(PostgresQuery(unsafeSQL: "DECLARE muelle_check NO SCROLL CURSOR FOR SELECT \(list) FROM \(Self.quoted(table)) ORDER BY \(order)"))
        defer { _ = try? session.execute("CLOSE muelle_check") }
        while true {
            let rows = try session.rows(PostgresQuery(unsafeSQL: "FETCH FORWARD \(Self.fetchSize) FROM muelle_check"))
            if rows.isEmpty { break }
            for row in rows {
                try body(try columns.indices.map { index in
                    let cell = row[index]
                    guard cell.bytes != nil else { return .null }
                    return switch columns[index].kind {
                    case .integer: .integer(try cell.decode(Int64.self))
                    case .real: .real(try cell.decode(Double.self))
                    case .boolean: .integer(try cell.decode(Bool.self) ? 1 : 0)
                    case .text: .text(try cell.decode(String.self))
                    }
                })
            }
        }
    }
}
