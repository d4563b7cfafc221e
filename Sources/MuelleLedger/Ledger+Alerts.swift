import GRDB

/// One alert cause as the ledger keeps it: seen since when, fired and resolved when, and whether each of
/// the two POSTs reached the receiver. Rows are kept after they resolve (the ledger is an audit record).
public struct AlertEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "alert"
    public var id: Int64?
    /// What the alert is about, unique among open alerts: `route_late:shopify-orders:2026-11-24T07:00:00Z`.
    public var cause: String
    /// file_quarantined, route_late, deliveries_failing, cancelled_after_handover.
    public var kind: String
    public var route: String
    /// The file, order or delivery the alert names.
    public var subject: String
    public var message: String
    /// When the cause began (a feed's missed deadline), or was first seen.
    public var since: String
    public var firedAt: String?
    public var resolvedAt: String?
    public var firingSent = false
    public var resolvedSent = false

    public init(cause: String, kind: String, route: String, subject: String, message: String, since: String) {
        self.cause = cause
        self.kind = kind
        self.route = route
        self.subject = subject
        self.message = message
        self.since = since
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Ledger {
    /// Registered by `Ledger.migrator`: alerts, once per cause, and their resolution.
    static func registerAlertMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v13: alerts") { db in
            try db.create(table: "alert") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("cause", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("route", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("message", .text).notNull()
                t.column("since", .text).notNull()
                t.column("firedAt", .text)
                t.column("resolvedAt", .text)
                t.column("firingSent", .boolean).notNull().defaults(to: false)
                t.column("resolvedSent", .boolean).notNull().defaults(to: false)
            }
            // One open alert per cause: a cause that clears and comes back is a new alert.
            try db.execute(sql: "CREATE UNIQUE INDEX alertOpenCause ON alert(cause) WHERE resolvedAt IS NULL")
        }
    }

    /// Alerts not yet resolved, or whose last POST has not reached the receiver, oldest first.
    public func unsettledAlerts() throws -> [AlertEntry] {
        try read { db in
            try AlertEntry.fetchAll(db, sql: """
                SELECT * FROM alert WHERE resolvedAt IS NULL OR (firedAt IS NOT NULL AND (firingSent = 0 OR resolvedSent = 0)) ORDER BY id
                """)
        }
    }

    /// Every alert, newest first (for the console and tests).
    public func alerts(limit: Int = 100) throws -> [AlertEntry] {
        try read { db in try AlertEntry.fetchAll(db, sql: "SELECT * FROM alert ORDER BY id DESC LIMIT ?", arguments: [limit]) }
    }

    /// Starts watching a cause (it fires once it has lasted long enough).
    public func openAlert(_ entry: AlertEntry) throws {
        var entry = entry
        try write { tx in try entry.insert(tx.db, onConflict: .ignore) }
    }

    public func fireAlert(id: Int64, at: String) throws {
        try write { tx in try tx.db.execute(sql: "UPDATE alert SET firedAt = ? WHERE id = ? AND firedAt IS NULL", arguments: [at, id]) }
    }

    public func resolveAlert(id: Int64, at: String) throws {
        try write { tx in try tx.db.execute(sql: "UPDATE alert SET resolvedAt = ? WHERE id = ? AND resolvedAt IS NULL", arguments: [at, id]) }
    }

    /// A cause that cleared before it lasted long enough to fire: nobody was told, so nothing is kept.
    public func dropUnfiredAlert(id: Int64) throws {
        try write { tx in try tx.db.execute(sql: "DELETE FROM alert WHERE id = ? AND firedAt IS NULL", arguments: [id]) }
    }

    /// Records that the receiver took the alert's firing (or resolved) POST.
    public func markAlertSent(id: Int64, resolved: Bool) throws {
        try write { tx in
            try tx.db.execute(sql: resolved ? "UPDATE alert SET resolvedSent = 1 WHERE id = ?" : "UPDATE alert SET firingSent = 1 WHERE id = ?",
                              arguments: [id])
        }
    }

    /// Shipments whose order ended after handover and that no manifest has yet listed for the carrier,
    /// with their order's route.
    public func handoverExceptions() throws -> [(shipment: ShipmentEntry, route: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT shipment.*, "order".route AS orderRoute FROM shipment LEFT JOIN "order" ON "order".id = shipment.orderID
                WHERE shipment.handoverException IS NOT NULL AND shipment.exceptionManifest IS NULL ORDER BY shipment.createdAt
                """).map { row in (try ShipmentEntry(row: row), row["orderRoute"] ?? "") }
        }
    }
}
