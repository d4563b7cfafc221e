import GRDB

/// A partner file waiting for (or done with) its delivery to the partner's server.
public struct DeliveryEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "delivery"
    /// The file in the outbox, relative to the workspace.
    public var file: String
    public var route: String
    /// `sftp://user@host:port/folder`.
    public var destination: String
    /// pending or delivered.
    public var state: String
    public var attempts: Int
    public var lastError: String?
    public var updatedAt: String

    public init(file: String, route: String, destination: String, state: String, attempts: Int, lastError: String?, updatedAt: String) {
        self.file = file
        self.route = route
        self.destination = destination
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

extension LedgerTransaction {
    /// A new version of a partner file: it must be delivered (again).
    public func markDeliveryPending(file: String, route: String, destination: String, at: String) throws {
        try db.execute(sql: """
            INSERT INTO delivery (file, route, destination, state, attempts, lastError, updatedAt) VALUES (?, ?, ?, 'pending', 0, NULL, ?)
            ON CONFLICT(file) DO UPDATE SET route = excluded.route, destination = excluded.destination, state = 'pending',
                attempts = 0, lastError = NULL, updatedAt = excluded.updatedAt
            """, arguments: [file, route, destination, at])
    }
}

extension Ledger {
    public func pendingDeliveries(route: String? = nil) throws -> [DeliveryEntry] {
        try read { db in
            if let route {
                return try DeliveryEntry.fetchAll(db, sql: "SELECT * FROM delivery WHERE state = 'pending' AND route = ? ORDER BY updatedAt", arguments: [route])
            }
            return try DeliveryEntry.fetchAll(db, sql: "SELECT * FROM delivery WHERE state = 'pending' ORDER BY updatedAt")
        }
    }

    /// Records an attempt: delivered, or still pending with the reason.
    public func recordDeliveryAttempt(file: String, delivered: Bool, error: String?, at: String) throws {
        try write { tx in
            try tx.db.execute(sql: "UPDATE delivery SET state = ?, attempts = attempts + 1, lastError = ?, updatedAt = ? WHERE file = ?",
                              arguments: [delivered ? "delivered" : "pending", error, at, file])
        }
    }
}
