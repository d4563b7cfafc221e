import MuelleCore
import MuelleLedger

/// Applies status events (routes of kind `order-events`) to the orders they name.
///
/// An event about an order muelle never imported cannot be applied: the whole file is quarantined
/// with a report naming the event, so nothing is lost and `muelle replay` applies it once the
/// order has been imported. Events that do not change an order's status are skipped; events the
/// ledger knows newer facts against (a "shipped" after "delivered") are stale: see `OrderEvidence`.
struct EventApplier {
    let ledger: any LedgerStore

    /// Events whose order is unknown, as errors positioned on the event.
    func unknownOrders(in staged: StagedOrders, file: String) throws -> [MuelleError] {
        var errors: [MuelleError] = []
        let index = try LineReader(path: staged.indexPath)
        while let line = try index.next() {
            guard let entry = StagedOrders.IndexEntry(line), try ledger.knownOrder(id: entry.id) == nil else { continue }
            errors.append(MuelleError(.unknownOrder,
                "no imported order \(QuotedInput.quote(entry.id)): an event can only update an order muelle has imported; the file waits in quarantine for `muelle replay` once the order is in",
                at: InputPosition(file: file, record: entry.record, line: entry.line, field: "order_id")))
        }
        return errors
    }

    struct Result {
        var updated = 0
        var unchanged = 0
        var stale = 0
        var output: String?
        /// Orders these events cancelled or refunded: their shipments are settled next.
        var ended: [EndedOrder] = []
    }

    /// Inside the commit transaction: one order update per event that changes a status.
    func apply(_ staged: StagedOrders, tx: any LedgerWriting, inputID: Int64, at: String, updatesTo final: String, staging: String, publication: Publication) throws -> Result {
        var result = Result()
        var updates: FileWriter?
        let events = try LineReader(path: staged.ordersPath)
        let index = try LineReader(path: staged.indexPath)
        while let json = try events.next(), let line = try index.next() {
            guard let entry = StagedOrders.IndexEntry(line), entry.selected, var order = try tx.order(id: entry.id) else { continue }
            var evidence = OrderEvidence(status: order.status, statusAt: order.statusAt, snapshotAt: order.snapshotAt)
            let applied = evidence.takeEvent(status: entry.status, at: entry.evidenceAt)
            guard applied, order.status != entry.status else {
                if applied { result.unchanged += 1 } else { result.stale += 1 }
                if evidence.statusAt != order.statusAt {
                    order.statusAt = evidence.statusAt
                    try tx.save(order)
                }
                continue
            }
            if let end = EndedOrder(entry, from: order.status, to: entry.status) { result.ended.append(end) }
            if updates == nil { updates = try FileWriter(path: staging + "/" + UniqueName.next() + ".updates") }
            var text: [UInt8] = Array(OrderUpdate.meta(orderID: entry.id, from: order.status, to: entry.status, changed: ["status"]).utf8)
            text += Array(",\"event\":".utf8) + Array(json.utf8) + [UInt8(ascii: "}"), 0x0A]
            try updates?.write(bytes: text)
            order.status = entry.status
            order.statusAt = evidence.statusAt
            order.lastInput = inputID
            order.updatedAt = at
            try tx.save(order)
            result.updated += 1
        }
        if let updates {
            try updates.sync()
            try publication.add(synced: updates.path, as: final)
            result.output = final
        }
        return result
    }
}
