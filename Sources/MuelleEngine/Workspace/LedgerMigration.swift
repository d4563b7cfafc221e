import Crypto
import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleLedgerPostgres

/// `muelle ledger migrate --to postgres://…`: the workspace's SQLite ledger, its whole history, copied into a
/// PostgreSQL ledger in one transaction, then read back and compared table by table before the commit.
///
/// Both sides are read in one canonical order (every column in turn, NULL first, text by bytes) and each row is
/// hashed as the same canonical text (`LedgerCell.canonical`), so a digest that matches says every value arrived as
/// it was. Rows stream through a batch at a time: memory stays flat however large the ledger is. Any mismatch rolls
/// the copy back, so the target is either a checked copy or untouched.
public enum LedgerMigration {
    /// One table compared after the copy.
    public struct TableCheck: Sendable {
        public var table: String
        public var sourceRows: Int
        public var targetRows: Int
        public var sourceDigest: String
        public var targetDigest: String
        public var matches: Bool { sourceRows == targetRows && sourceDigest == targetDigest }
    }

    /// What the migration did: the checks, and whether the copy was committed (only when every table matches).
    public struct Outcome: Sendable {
        public var tables: [TableCheck]
        public var committed: Bool
    }

    struct Mismatch: Error { var tables: [TableCheck] }

    /// Copies the ledger. `replace`: a target that holds rows already is emptied first; otherwise it is refused.
    public static func run(_ workspace: Workspace, to address: PostgresAddress, replace: Bool,
                           logger: Logger = Logger(label: "muelle.ledger.migrate")) throws -> Outcome {
        if let holder = WorkspaceLock.isHeld(workspace) {
            throw MuelleError(.configuration, "a muelle run holds this workspace (\(holder)): stop it first, so the ledger does not change while it is copied")
        }
        // Held while copying: a `muelle run` started meanwhile waits or exits instead of writing to the old ledger.
        let lock = try WorkspaceLock.acquire(workspace)
        defer { withExtendedLifetime(lock) {} }
        guard FileManager.default.fileExists(atPath: workspace.ledgerPath) else {
            throw MuelleError(.configuration, "there is no SQLite ledger at \(workspace.relative(workspace.ledgerPath)) to migrate: nothing was taken yet")
        }
        let source = try Ledger.open(path: workspace.ledgerPath)
        let target = try PostgresLedger.open(address, logger: logger)
        do {
            let tables = try source.export { from in
                try target.importing { into in try copy(from: from, into: into, address: address, replace: replace) }
            }
            return Outcome(tables: tables, committed: true)
        } catch let mismatch as Mismatch {
            return Outcome(tables: mismatch.tables, committed: false)
        }
    }

    static func copy(from source: LedgerExport, into target: PostgresImport, address: PostgresAddress, replace: Bool) throws -> [TableCheck] {
        let targetTables = try target.tables()
        var plan: [(name: String, source: [String], target: [PostgresColumn])] = []
        for table in try source.tables() {
            guard let columns = targetTables[table.name.lowercased()] else {
                throw MuelleError(.configuration, "the PostgreSQL ledger at \(address) has no table \(table.name), which the SQLite ledger has: this muelle's PostgreSQL schema is behind its SQLite one; nothing was copied")
            }
            let byName = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let mapped = try table.columns.map { column in
                guard let found = byName[column.lowercased()] else {
                    throw MuelleError(.configuration, "the PostgreSQL ledger at \(address) has no column \(table.name).\(column), which the SQLite ledger has; nothing was copied")
                }
                return found
            }
            plan.append((table.name, table.columns, mapped))
        }
        let filled = try targetTables.keys.sorted().filter { !Ledger.coordinationTables.contains($0) }.filter { try target.rowCount($0) > 0 }
        if !filled.isEmpty {
            guard replace else {
                throw MuelleError(.configuration, """
                    the PostgreSQL ledger at \(address) is not empty (\(filled.joined(separator: ", ")) hold rows): it may be another \
                    workspace's ledger, so nothing was copied. To replace what it holds with this workspace's ledger: --replace
                    """)
            }
            try target.truncate(targetTables.keys.sorted())
        }
        var sourceDigests: [String: (rows: Int, digest: String)] = [:]
        for table in plan {
            let batchRows = max(1, PostgresImport.bindsPerStatement / max(1, table.target.count))
            var batch: [[String?]] = []
            batch.reserveCapacity(batchRows)
            var digest = RowDigest()
            try source.forEachRow(of: table.name, columns: table.source) { cells in
                let row = zip(cells, table.target).map { cell, column in cell.canonical(as: column.kind) }
                digest.add(row)
                batch.append(row)
                if batch.count == batchRows {
                    try target.insert(into: table.name.lowercased(), columns: table.target, rows: batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try target.insert(into: table.name.lowercased(), columns: table.target, rows: batch)
            sourceDigests[table.name] = (digest.rows, digest.hex)
        }
        try target.advanceIdentities()
        let checks = try plan.map { table in
            var digest = RowDigest()
            try target.forEachRow(of: table.name.lowercased(), columns: table.target) { cells in
                digest.add(zip(cells, table.target).map { cell, column in cell.canonical(as: column.kind) })
            }
            let copied = sourceDigests[table.name] ?? (0, "")
            return TableCheck(table: table.name, sourceRows: copied.rows, targetRows: digest.rows, sourceDigest: copied.digest, targetDigest: digest.hex)
        }
        guard checks.allSatisfy(\.matches) else { throw Mismatch(tables: checks) }
        return checks
    }
}

/// SHA-256 over rows of canonical text, each value length-prefixed so no two different rows hash alike.
struct RowDigest {
    private var hasher = SHA256()
    private(set) var rows = 0

    mutating func add(_ row: [String?]) {
        rows += 1
        var bytes: [UInt8] = []
        for value in row {
            if let value {
                let utf8 = Array(value.utf8)
                bytes += Array("S\(utf8.count):".utf8) + utf8
            } else {
                bytes += [0x4E] // "N": NULL, distinct from any length-prefixed text
            }
        }
        bytes.append(0x0A)
        hasher.update(data: bytes)
    }

    var hex: String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
