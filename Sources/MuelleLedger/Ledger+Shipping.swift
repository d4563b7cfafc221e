import GRDB

/// A shipment created for an imported order: once per order, whatever happens.
public struct ShipmentEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "shipment"

    public var orderID: String
    public var carrier: String
    public var agreement: String
    public var service: String
    /// One per parcel, comma-separated; never handed out again, even after a void.
    public var trackingNumbers: String
    /// The label PDF, relative to the workspace.
    public var label: String
    /// created or voided.
    public var state: String
    /// The pickup manifest it was handed over on, once closed.
    public var manifest: String?
    public var createdAt: String
    /// The local day it was created (manifests group by day).
    public var createdOn: String
    /// The shipment request as written to the outbox (compact JSON).
    public var document: String
    /// What its pickup-manifest rows need: "recipient \t city \t kg per parcel \t cash on delivery".
    public var manifestRow: String

    public init(orderID: String, carrier: String, agreement: String, service: String, trackingNumbers: [String], label: String,
                createdAt: String, createdOn: String, document: String, manifestRow: String) {
        self.orderID = orderID
        self.carrier = carrier
        self.agreement = agreement
        self.service = service
        self.trackingNumbers = trackingNumbers.joined(separator: ",")
        self.label = label
        self.state = "created"
        self.createdAt = createdAt
        self.createdOn = createdOn
        self.document = document
        self.manifestRow = manifestRow
    }

    public var trackingNumberList: [String] { trackingNumbers.split(separator: ",").map(String.init) }
}

/// A closed pickup manifest.
public struct ManifestEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "manifest"
    public var id: String
    public var carrier: String
    public var agreement: String
    public var date: String
    public var closedAt: String
    public var files: String

    public init(id: String, carrier: String, agreement: String, date: String, closedAt: String, files: [String]) {
        self.id = id
        self.carrier = carrier
        self.agreement = agreement
        self.date = date
        self.closedAt = closedAt
        self.files = files.joined(separator: "\n")
    }
}

extension LedgerTransaction {
    public func shipment(orderID: String) throws -> ShipmentEntry? {
        try ShipmentEntry.fetchOne(db, key: orderID)
    }

    public func save(_ shipment: ShipmentEntry) throws {
        try shipment.save(db)
    }

    /// The last tracking serial handed out under an agreement.
    public func lastTrackingSerial(carrier: String, agreement: String) throws -> UInt64? {
        try Int64.fetchOne(db, sql: "SELECT lastSerial FROM trackingSerial WHERE carrier = ? AND agreement = ?", arguments: [carrier, agreement])
            .map { UInt64(bitPattern: $0) }
    }

    public func setLastTrackingSerial(_ serial: UInt64, carrier: String, agreement: String) throws {
        try db.execute(sql: """
            INSERT INTO trackingSerial (carrier, agreement, lastSerial) VALUES (?, ?, ?)
            ON CONFLICT(carrier, agreement) DO UPDATE SET lastSerial = excluded.lastSerial
            """, arguments: [carrier, agreement, Int64(bitPattern: serial)])
    }

    /// Shipments still waiting for a manifest, of one carrier, up to a day (inclusive).
    public func openShipments(carrier: String, upTo day: String) throws -> [ShipmentEntry] {
        try ShipmentEntry.fetchAll(db, sql: """
            SELECT * FROM shipment WHERE carrier = ? AND state = 'created' AND manifest IS NULL AND createdOn <= ?
            ORDER BY agreement, createdAt, orderID
            """, arguments: [carrier, day])
    }

    public func save(_ manifest: ManifestEntry) throws {
        try manifest.insert(db)
    }

    public func manifest(id: String) throws -> ManifestEntry? {
        try ManifestEntry.fetchOne(db, key: id)
    }

    public func manifestCount(carrier: String, agreement: String, date: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM manifest WHERE carrier = ? AND agreement = ? AND date = ?", arguments: [carrier, agreement, date]) ?? 0
    }
}

extension Ledger {
    /// Whether a manifest of this carrier was closed for `date`.
    public func hasManifest(carrier: String, date: String) throws -> Bool {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM manifest WHERE carrier = ? AND date = ?", arguments: [carrier, date]) ?? 0 > 0
        }
    }

    /// The shipment of an order id, or of a tracking number.
    public func shipment(key: String) throws -> ShipmentEntry? {
        try read { db in
            if let byOrder = try ShipmentEntry.fetchOne(db, key: key) { return byOrder }
            return try ShipmentEntry.fetchOne(db, sql: """
                SELECT * FROM shipment WHERE ',' || trackingNumbers || ',' LIKE '%,' || ? || ',%' LIMIT 1
                """, arguments: [key])
        }
    }
}

extension Ledger {
    /// Whether a remote file (same name, size and modification time) was already taken from `source`.
    public func hasTakenRemote(source: String, name: String, size: Int64, mtime: Int64) throws -> Bool {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sftpTaken WHERE source = ? AND name = ? AND size = ? AND mtime = ?",
                             arguments: [source, name, size, mtime]) ?? 0 > 0
        }
    }

    public func recordTakenRemote(source: String, name: String, size: Int64, mtime: Int64, localName: String, at: String) throws {
        try write { tx in
            try tx.db.execute(sql: "INSERT OR REPLACE INTO sftpTaken (source, name, size, mtime, localName, takenAt) VALUES (?, ?, ?, ?, ?, ?)",
                              arguments: [source, name, size, mtime, localName, at])
        }
    }
}

extension LedgerTransaction {
    /// The fingerprint of a product as the route's last feed had it.
    public func productFingerprint(route: String, key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM product WHERE route = ? AND key = ?"), arguments: [route, key])
    }

    /// Records a product as present in feed `inputID` with this content.
    public func saveProduct(route: String, key: String, fingerprint: String, inputID: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO product (route, key, fingerprint, lastInput) VALUES (?, ?, ?, ?)
            ON CONFLICT(route, key) DO UPDATE SET fingerprint = excluded.fingerprint, lastInput = excluded.lastInput
            """).execute(arguments: [route, key, fingerprint, inputID])
    }

    public func productCount(route: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM product WHERE route = ?", arguments: [route]) ?? 0
    }

    /// Products of the route that feed `inputID` did not contain: gone from the catalogue.
    public func productsMissing(route: String, from inputID: Int64) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT key FROM product WHERE route = ? AND lastInput != ? ORDER BY key", arguments: [route, inputID])
    }

    public func deleteProducts(route: String, keys: [String]) throws {
        for key in keys { try db.execute(sql: "DELETE FROM product WHERE route = ? AND key = ?", arguments: [route, key]) }
    }
}

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
