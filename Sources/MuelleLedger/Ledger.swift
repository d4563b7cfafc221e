import Foundation
import GRDB
import MuelleCore

/// The audit record that makes every effect happen once: each input file taken, what became of it,
/// and every order imported with its fingerprint.
///
/// SQLite through GRDB, in WAL mode so `muelle status` can read while `muelle run` writes.
/// It is never erased on schema change: migrations only add.
public struct Ledger: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating if needed) the ledger at `path`.
    public static func open(path: String) throws -> Ledger {
        do {
            return try Ledger(writer: pool(path: path))
        } catch let error as DatabaseError {
            throw MuelleError(.ledger, "cannot open the ledger at \(path): \(describe(error))")
        }
    }

    /// Opens the ledger at `path` to read it (`status`, `orders list`, `quarantine list`): no lock is taken,
    /// so it answers at once while `muelle run` holds the write lock for a large file's commit. A ledger that
    /// still needs a migration is opened as `open` does.
    public static func openForReading(path: String) throws -> Ledger {
        do {
            let reader = try pool(path: path, readOnly: true)
            if try reader.read(migrator.hasCompletedMigrations) { return Ledger(upToDate: reader) }
        } catch {
            // Not there, not a WAL file yet, or being created by a starting `muelle run` at this moment: the
            // writing open waits for it (busy timeout) and says what is wrong if something is.
        }
        return try open(path: path)
    }

    /// The WAL-mode pool every opening of a ledger file uses, so `muelle status` reads while `muelle run` writes.
    static func pool(path: String, readOnly: Bool = false) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = readOnly
        return try DatabasePool(path: path, configuration: configuration)
    }

    public func checkpoint() {
        _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    /// A throwaway ledger for `muelle try` and tests.
    public static func inMemory() throws -> Ledger {
        try Ledger(writer: DatabaseQueue())
    }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    private init(upToDate writer: any DatabaseWriter) {
        self.writer = writer
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inputs and orders") { db in
            try db.create(table: "input") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("route", .text).notNull()
                t.column("name", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("sha256", .text).notNull()
                t.column("state", .text).notNull()
                t.column("receivedAt", .text).notNull()
                t.column("finishedAt", .text).notNull()
                t.column("destination", .text)
                t.column("report", .text)
                t.column("output", .text)
                t.column("kept", .integer).notNull().defaults(to: 0)
                t.column("filtered", .integer).notNull().defaults(to: 0)
                t.column("rejected", .integer).notNull().defaults(to: 0)
                t.column("skipped", .integer).notNull().defaults(to: 0)
                t.column("updated", .integer).notNull().defaults(to: 0)
                t.column("error", .text)
                // Set once the original reached `destination`: the commit comes first, the move after.
                t.column("moved", .boolean).notNull().defaults(to: false)
                // Set when an order it imported was forgotten: the same content may be imported again.
                t.column("released", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "input_by_content", on: "input", columns: ["route", "sha256"])
            try db.create(table: "order") { t in
                t.primaryKey("id", .text)
                t.column("route", .text).notNull()
                t.column("status", .text).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("fields", .text).notNull()
                t.column("firstInput", .integer).notNull()
                t.column("lastInput", .integer).notNull()
                t.column("importedAt", .text).notNull()
                t.column("updatedAt", .text).notNull()
            }
        }
        migrator.registerMigration("v2: shipments") { db in
            try db.create(table: "shipment") { t in
                t.primaryKey("orderID", .text)
                t.column("carrier", .text).notNull()
                t.column("agreement", .text).notNull()
                t.column("service", .text).notNull()
                t.column("trackingNumbers", .text).notNull()
                t.column("label", .text).notNull()
                t.column("state", .text).notNull()
                t.column("manifest", .text)
                t.column("createdAt", .text).notNull()
                t.column("createdOn", .text).notNull()
                t.column("document", .text).notNull()
                // What its pickup-manifest rows need: "recipient \t city \t kg per parcel \t cash on delivery".
                t.column("manifestRow", .text).notNull()
            }
            try db.create(table: "trackingSerial") { t in
                t.column("carrier", .text).notNull()
                t.column("agreement", .text).notNull()
                t.column("lastSerial", .integer).notNull()
                t.primaryKey(["carrier", "agreement"])
            }
            try db.create(table: "manifest") { t in
                t.primaryKey("id", .text)
                t.column("carrier", .text).notNull()
                t.column("agreement", .text).notNull()
                t.column("date", .text).notNull()
                t.column("closedAt", .text).notNull()
                t.column("files", .text).notNull()
            }
        }
        migrator.registerMigration("v3: sftp pulls") { db in
            try db.create(table: "sftpTaken") { t in
                t.column("source", .text).notNull()
                t.column("name", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("mtime", .integer).notNull()
                t.column("localName", .text).notNull()
                t.column("takenAt", .text).notNull()
                t.primaryKey(["source", "name", "size", "mtime"])
            }
        }
        migrator.registerMigration("v4: catalogue") { db in
            try db.create(table: "product") { t in
                t.column("route", .text).notNull()
                t.column("key", .text).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("lastInput", .integer).notNull()
                t.primaryKey(["route", "key"])
            }
        }
        migrator.registerMigration("v5: deliveries") { db in
            try db.create(table: "delivery") { t in
                t.primaryKey("file", .text)
                t.column("route", .text).notNull()
                t.column("destination", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("updatedAt", .text).notNull()
            }
        }
        migrator.registerMigration("v6: order evidence") { db in
            // When, by the sources' own clocks, each order's status and its newest snapshot were
            // known (OrderEvidence); null for orders imported before, or from sources without a clock.
            try db.alter(table: "order") { t in
                t.add(column: "statusAt", .text)
                t.add(column: "snapshotAt", .text)
            }
            try db.alter(table: "input") { t in
                t.add(column: "stale", .integer).notNull().defaults(to: 0)
                t.add(column: "cancelledAfterHandover", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "shipment") { t in
                t.add(column: "voidedAt", .text)
                t.add(column: "voidReason", .text)
                // Its order ended after the parcels were handed over: staff must intercept it.
                t.add(column: "handoverException", .text)
                // The manifest whose exception list carried it to the carrier.
                t.add(column: "exceptionManifest", .text)
            }
        }
        registerQuarantineMigration(&migrator)
        registerStuckInputsMigration(&migrator)
        registerPublicationMigration(&migrator)
        registerIndexMigration(&migrator)
        registerStartMigration(&migrator)
        registerReferenceMigration(&migrator)
        registerAlertMigration(&migrator)
        registerTokenMigration(&migrator)
        registerWorkerMigration(&migrator)
        return migrator
    }

    /// The input with this content that was already processed on this route, if any.
    public func processedInput(route: String, sha256: String) throws -> InputEntry? {
        try read { db in
            try InputEntry.fetchOne(db, sql: "SELECT * FROM input WHERE route = ? AND sha256 = ? AND state = 'processed' AND released = 0 ORDER BY id LIMIT 1", arguments: [route, sha256])
        }
    }

    /// Inputs committed whose original may not have reached its destination yet.
    public func unmovedInputs() throws -> [InputEntry] {
        try read { db in try InputEntry.fetchAll(db, sql: "SELECT * FROM input WHERE moved = 0 ORDER BY id") }
    }

    /// Records that an input's original reached its destination — after its outputs did, so the rows
    /// that were waiting for those renames (`publication`) go in the same write.
    public func markMoved(id: Int64) throws {
        try write { tx in
            try tx.db.execute(sql: "UPDATE input SET moved = 1 WHERE id = ?", arguments: [id])
            try tx.db.execute(sql: "DELETE FROM publication WHERE inputID = ?", arguments: [id])
        }
    }

    /// `markMoved` for a group's inputs, in one write.
    public func markMoved(ids: [Int64]) throws {
        try write { tx in
            for id in ids {
                try tx.db.execute(sql: "UPDATE input SET moved = 1 WHERE id = ?", arguments: [id])
                try tx.db.execute(sql: "DELETE FROM publication WHERE inputID = ?", arguments: [id])
            }
        }
    }

    /// The last entry for a file name on a route (for reconciliation).
    public func lastInput(route: String, name: String) throws -> InputEntry? {
        try read { db in
            try InputEntry.fetchOne(db, sql: "SELECT * FROM input WHERE route = ? AND name = ? ORDER BY id DESC LIMIT 1", arguments: [route, name])
        }
    }

    /// The last input whose original went to `destination` (relative to the workspace).
    public func lastInput(destination: String) throws -> InputEntry? {
        try read { db in
            try InputEntry.fetchOne(db, sql: "SELECT * FROM input WHERE destination = ? ORDER BY id DESC LIMIT 1", arguments: [destination])
        }
    }

    public func inputs(route: String? = nil, limit: Int = 1000) throws -> [InputEntry] {
        try read { db in
            if let route {
                return try InputEntry.fetchAll(db, sql: "SELECT * FROM input WHERE route = ? ORDER BY id DESC LIMIT ?", arguments: [route, limit])
            }
            return try InputEntry.fetchAll(db, sql: "SELECT * FROM input ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    public func orderCount(route: String? = nil) throws -> Int {
        try read { db in
            if let route { return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"order\" WHERE route = ?", arguments: [route]) ?? 0 }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"order\"") ?? 0
        }
    }

    /// Imported orders, newest first, optionally of one route and/or status.
    public func orders(route: String? = nil, status: String? = nil, limit: Int = 10_000) throws -> [OrderEntry] {
        try read { db in
            var sql = "SELECT * FROM \"order\" WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let route { sql += " AND route = ?"; arguments += [route] }
            if let status { sql += " AND status = ?"; arguments += [status] }
            sql += " ORDER BY importedAt DESC, id LIMIT ?"
            arguments += [limit]
            return try OrderEntry.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func knownOrder(id: String) throws -> OrderEntry? {
        try read { db in try OrderEntry.fetchOne(db, key: id) }
    }

    /// Forgets imported orders so they are imported afresh the next time they arrive — also from
    /// the very file they came in, which stops counting as already processed. Returns the ids forgotten.
    public func forgetOrders(ids: [String]) throws -> [String] {
        try write { tx in
            var forgotten: [String] = []
            for id in ids {
                guard let order = try OrderEntry.fetchOne(tx.db, key: id) else { continue }
                try tx.db.execute(sql: "UPDATE input SET released = 1 WHERE id IN (?, ?)", arguments: [order.firstInput, order.lastInput])
                try OrderEntry.deleteOne(tx.db, key: id)
                forgotten.append(id)
            }
            return forgotten
        }
    }

    /// Runs `body` in one write transaction: everything it records commits together, or not at all.
    @discardableResult
    public func write<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        do {
            return try writer.write { db in try body(LedgerTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw MuelleError(.io, "the ledger refused a write: \(error.message ?? "\(error)")")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as DatabaseError {
            throw MuelleError(.io, "the ledger could not be read: \(error.message ?? "\(error)")")
        }
    }
}

/// The ledger inside one write transaction.
public struct LedgerTransaction {
    let db: Database

    /// Records an input and returns its ledger id.
    @discardableResult
    public func insert(_ entry: InputEntry) throws -> Int64 {
        var entry = entry
        try entry.insert(db)
        // An outcome recorded: the attempt at reading it ended without a crash.
        try db.execute(sql: "DELETE FROM attempt WHERE route = ? AND sha256 = ?", arguments: [entry.route, entry.sha256])
        return entry.id ?? db.lastInsertedRowID
    }

    /// The imported order with this id, if any. Called once per mapped order: the statement is cached.
    public func order(id: String) throws -> OrderEntry? {
        try OrderEntry.fetchOne(db.cachedStatement(sql: "SELECT * FROM \"order\" WHERE id = ?"), arguments: [id])
    }

    /// The imported orders among `ids`, by id: one query for a batch instead of one per order. Full
    /// batches of `orderBatch` ids reuse one cached statement; a shorter last batch prepares its own.
    public func orders(ids: [String]) throws -> [String: OrderEntry] {
        guard !ids.isEmpty else { return [:] }
        let sql = "SELECT * FROM \"order\" WHERE id IN (" + repeatElement("?", count: ids.count).joined(separator: ",") + ")"
        let statement = ids.count == Self.orderBatch ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        var found: [String: OrderEntry] = [:]
        found.reserveCapacity(ids.count)
        let cursor = try OrderEntry.fetchCursor(statement, arguments: StatementArguments(ids))
        while let order = try cursor.next() { found[order.id] = order }
        return found
    }

    /// Ids per `orders(ids:)` query: well under SQLite's limit of bound parameters (32,766).
    public static let orderBatch = 256

    /// Inserts or replaces an order's row (one cached statement, whichever it is).
    public func save(_ order: OrderEntry) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO "order" (id, route, status, fingerprint, fields, firstInput, lastInput, importedAt, updatedAt, statusAt, snapshotAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET route = excluded.route, status = excluded.status, fingerprint = excluded.fingerprint,
                fields = excluded.fields, lastInput = excluded.lastInput, updatedAt = excluded.updatedAt,
                statusAt = excluded.statusAt, snapshotAt = excluded.snapshotAt
            """)
        try statement.execute(arguments: [order.id, order.route, order.status, order.fingerprint, order.fields,
                                          order.firstInput, order.lastInput, order.importedAt, order.updatedAt, order.statusAt, order.snapshotAt])
    }

    public func deleteOrders(ids: [String]) throws -> Int {
        try OrderEntry.deleteAll(db, keys: ids)
    }

    /// How many times this content was processed on the route before (more than zero only after
    /// `orders forget` released it): outputs of a later import get their own names.
    public func processedCount(route: String, sha256: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM input WHERE route = ? AND sha256 = ? AND state = 'processed'", arguments: [route, sha256]) ?? 0
    }

    /// The id the next inserted input will get (for names decided before the insert).
    public func nextInputID() throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM input")) ?? 1
    }
}

/// Totals of one route over every input it took, for status cards.
public struct RouteTotals: Sendable, Equatable, FetchableRecord, Decodable {
    public var inputs = 0
    public var imported = 0
    public var updated = 0
    public var skipped = 0
    public var filtered = 0
    public var rejected = 0
    public var rejectedFiles = 0
    public var duplicates = 0
    /// Orders and events not applied because the ledger knew newer facts.
    public var stale = 0
    /// Orders cancelled or refunded after their parcels were handed over to the carrier.
    public var cancelledAfterHandover = 0

    public init() {}
}

extension Ledger {
    public func totals(route: String) throws -> RouteTotals {
        try read { db in
            try RouteTotals.fetchOne(db, sql: """
                SELECT COUNT(*) AS inputs, COALESCE(SUM(kept), 0) AS imported, COALESCE(SUM(updated), 0) AS updated,
                       COALESCE(SUM(skipped), 0) AS skipped, COALESCE(SUM(filtered), 0) AS filtered,
                       COALESCE(SUM(rejected), 0) AS rejected,
                       COALESCE(SUM(state = 'rejected'), 0) AS rejectedFiles, COALESCE(SUM(state = 'duplicate'), 0) AS duplicates,
                       COALESCE(SUM(stale), 0) AS stale, COALESCE(SUM(cancelledAfterHandover), 0) AS cancelledAfterHandover
                FROM input WHERE route = ?
                """, arguments: [route]) ?? RouteTotals()
        }
    }
}
