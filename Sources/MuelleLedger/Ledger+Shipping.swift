import GRDB
import MuelleCore

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
    public var voidedAt: String?
    /// Why it was voided: by hand, or its order's cancellation.
    public var voidReason: String?
    /// Set when its order ended after the parcels were handed over: what happened, for staff to intercept.
    public var handoverException: String?
    /// The manifest whose exception list carried `handoverException` to the carrier.
    public var exceptionManifest: String?

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

    /// One upsert inside the write transaction, which no other writer shares: the serials are this transaction's
    /// until it commits, and a rollback hands them out again.
    public func reserveTrackingSerials(_ count: Int, carrier: String, agreement: String, first: UInt64) throws -> ClosedRange<UInt64> {
        let (start, count) = try TrackingSerialReservation.checked(count: count, first: first)
        try db.execute(sql: """
            INSERT INTO trackingSerial (carrier, agreement, lastSerial) VALUES (?, ?, ?)
            ON CONFLICT(carrier, agreement) DO UPDATE SET lastSerial = CASE WHEN lastSerial < ? THEN ? ELSE lastSerial + ? END
            """, arguments: [carrier, agreement, start + count - 1, start, start + count - 1, count])
        guard let last = try Int64.fetchOne(db, sql: "SELECT lastSerial FROM trackingSerial WHERE carrier = ? AND agreement = ?",
                                            arguments: [carrier, agreement]) else {
            throw MuelleError(.ledger, "the ledger did not keep the tracking serials of \(carrier) agreement \(agreement)")
        }
        return try TrackingSerialReservation.range(last: last, count: count)
    }

    /// Shipments still waiting for a manifest, of one carrier, up to a day (inclusive).
    public func openShipments(carrier: String, upTo day: String) throws -> [ShipmentEntry] {
        try ShipmentEntry.fetchAll(db, sql: """
            SELECT * FROM shipment WHERE carrier = ? AND state = 'created' AND manifest IS NULL AND createdOn <= ?
            ORDER BY agreement, createdAt, orderID
            """, arguments: [carrier, day])
    }

    /// Shipments of a carrier whose order ended after handover, not yet on a manifest's exception list.
    public func pendingHandoverExceptions(carrier: String) throws -> [ShipmentEntry] {
        try ShipmentEntry.fetchAll(db, sql: """
            SELECT * FROM shipment WHERE carrier = ? AND handoverException IS NOT NULL AND exceptionManifest IS NULL
            ORDER BY agreement, createdAt, orderID
            """, arguments: [carrier])
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
