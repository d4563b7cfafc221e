import GRDB

/// Shipments of one carrier waiting for a pickup manifest (what `muelle manifest close` would close).
public struct OpenShipments: Sendable, Equatable, FetchableRecord, Decodable {
    public var carrier: String
    public var parcels: Int
    /// The day of the oldest (yyyy-MM-dd).
    public var since: String

    public init(carrier: String, parcels: Int, since: String) {
        self.carrier = carrier
        self.parcels = parcels
        self.since = since
    }
}

extension Ledger {
    /// Per carrier, the shipments not yet on a manifest and not voided.
    public func openShipmentsByCarrier() throws -> [OpenShipments] {
        try read { db in
            try OpenShipments.fetchAll(db, sql: """
                SELECT carrier, COUNT(*) AS parcels, MIN(createdOn) AS since FROM shipment
                WHERE state = 'created' AND manifest IS NULL GROUP BY carrier ORDER BY carrier
                """)
        }
    }
}
