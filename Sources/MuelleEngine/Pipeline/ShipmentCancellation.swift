import MuelleCore
import MuelleLedger
import MuelleShipping

/// Settles the shipments of orders a file cancelled or refunded, in the same ledger transaction
/// that records the cancellation. A shipment not handed over yet is voided (`ShipmentVoid`). One
/// already handed over — on a closed manifest, or its order already `shipped` by the carrier's
/// own word — cannot be voided: it is kept and raised as "cancelled after handover" on the file's
/// report, the route's card and the carrier's next manifest, so staff can intercept the parcels.
struct ShipmentCancellation {
    let workspace: Workspace
    let tx: any LedgerWriting
    let at: String
    let file: String
    let publication: Publication

    struct Result {
        var voided = 0
        var handedOver = 0
        var outputs: [String] = []
        /// One per shipment handed over, for the report.
        var notes: [MuelleError] = []
    }

    func settle(_ ended: [EndedOrder]) throws -> Result {
        var result = Result()
        for order in ended {
            guard var shipment = try tx.shipment(orderID: order.id), shipment.state == "created" else { continue }
            let numbers = shipment.trackingNumberList.joined(separator: ", ")
            guard shipment.manifest != nil || order.from == "shipped" else {
                result.outputs.append(try ShipmentVoid.void(&shipment, reason: "order \(order.to)", at: at, tx: tx, workspace: workspace, publication: publication))
                result.voided += 1
                continue
            }
            guard shipment.handoverException == nil else { continue }
            shipment.handoverException = order.at.map { "order \(order.to) at \($0)" } ?? "order \(order.to) (learned at \(at))"
            try tx.save(shipment)
            result.handedOver += 1
            let handover = shipment.manifest.map { "on manifest \($0)" } ?? "(the order was already shipped)"
            result.notes.append(MuelleError(.cancelledAfterHandover,
                "cancelled after handover: order \(order.id) is \(order.to), but its parcels (\(numbers)) were handed over to \(shipment.carrier) \(handover); intercept them with the carrier — they are listed on the next manifest's exceptions",
                at: InputPosition(file: file, record: order.record, line: order.line)))
        }
        return result
    }
}
