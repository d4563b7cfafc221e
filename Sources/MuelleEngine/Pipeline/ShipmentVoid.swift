import MuelleCore
import MuelleLedger

/// Voiding a shipment that was not handed over: its parcels leave the next manifest (manifests take
/// only `created` shipments), the marketplace gets a `voided` tracking update, and its tracking
/// numbers stay used. Shared by `muelle shipments void` and by orders that end after their
/// shipment was made (`ShipmentCancellation`).
enum ShipmentVoid {
    /// Voids `shipment` inside `tx` and stages its tracking update for `publication` (one name per order,
    /// so a redo after a crash rewrites the same file); returns the update's path.
    @discardableResult
    static func void(_ shipment: inout ShipmentEntry, reason: String, at: String, tx: any LedgerWriting, workspace: Workspace, publication: Publication) throws -> String {
        shipment.state = "voided"
        shipment.voidedAt = at
        shipment.voidReason = reason
        try tx.save(shipment)
        // platform:account:external_id; an external id may itself hold colons.
        let identity = shipment.orderID.split(separator: ":", maxSplits: 2).map(String.init)
        var pairs: [(String, Value)] = [("kind", .string("tracking_update")), ("order_id", .string(shipment.orderID))]
        if identity.count == 3 {
            pairs += [("platform", .string(identity[0])), ("account", .string(identity[1])), ("external_id", .string(identity[2]))]
        }
        pairs += [
            ("carrier", .string(shipment.carrier)), ("tracking_number", .string(shipment.trackingNumberList.first ?? "")),
            ("parcels", .array(shipment.trackingNumberList.map(Value.string))), ("status", .string("voided")),
        ]
        let path = workspace.outbox("tracking") + "/void-\(ShipmentMaker.fileName(shipment.orderID)).ndjson"
        try publication.write(JSONText.compact(.object(pairs)) + "\n", to: path)
        return path
    }
}
