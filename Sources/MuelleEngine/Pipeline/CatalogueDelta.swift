import MuelleCore
import MuelleLedger

/// A full catalogue feed against the last one in the ledger: only new and changed products are
/// emitted (upserts), and products the feed no longer has are emitted as deletions.
///
/// A feed that would remove more than the route's `max_removed_share` of the known catalogue is held
/// back — the classic truncated export — and nothing of it is applied.
struct CatalogueDelta {
    let tx: any LedgerWriting
    let route: String
    let inputID: Int64
    let maxRemovedShare: Double
    /// What the feed lists: `product` (catalogue) or `customer`; it names the change lines and messages.
    var noun = "product"

    struct Result {
        var upserted = 0
        var unchanged = 0
        var deleted = 0
        var output: String?
    }

    func apply(_ staged: StagedOrders, to final: String, staging: String, file: String, publication: Publication) throws -> Result {
        var result = Result()
        let known = try tx.productCount(route: route)
        let changes = try FileWriter(path: staging + "/" + UniqueName.next() + ".catalogue")
        // A held-back feed, or one that changes nothing, leaves nothing behind in the staging folder.
        var published = false
        defer { if !published { FileSystem.removeTree(changes.path) } }
        let products = try LineReader(path: staged.ordersPath)
        let index = try LineReader(path: staged.indexPath)
        // The ledger is asked for a batch of products at once (one query, not one per product); a key
        // twice in one batch sees its first copy, as it would in the table.
        var batch: [(json: String, entry: StagedOrders.IndexEntry)] = []
        batch.reserveCapacity(LedgerTransaction.orderBatch)
        func applyBatch() throws {
            var known = try tx.productFingerprints(route: route, keys: batch.map(\.entry.id))
            for (json, entry) in batch {
                if known[entry.id] == entry.fingerprint {
                    result.unchanged += 1
                } else {
                    try changes.writeLine("{\"kind\":\"\(noun)_upsert\",\"\(noun)\":" + json + "}")
                    result.upserted += 1
                }
                known[entry.id] = entry.fingerprint
            }
            try tx.saveProducts(route: route, batch.map { ($0.entry.id, $0.entry.fingerprint) }, inputID: inputID)
            batch.removeAll(keepingCapacity: true)
        }
        while let json = try products.next(), let line = try index.next() {
            guard let entry = StagedOrders.IndexEntry(line), entry.selected else { continue }
            batch.append((json, entry))
            if batch.count == LedgerTransaction.orderBatch { try applyBatch() }
        }
        try applyBatch()
        let missing = try tx.productsMissing(route: route, from: inputID)
        if known > 0, Double(missing.count) > maxRemovedShare * Double(known) {
            let share = Int((Double(missing.count) * 100 / Double(known)).rounded())
            throw MuelleError(.heldBack,
                "this feed would remove \(missing.count) of the \(known) \(noun)s known (\(share)%), more than the \(Int(maxRemovedShare * 100))% the route allows (route: max_removed_share): it looks truncated and was held back; if the removals are real, raise max_removed_share and replay it",
                at: InputPosition(file: file))
        }
        for key in missing {
            var line: [UInt8] = Array("{\"kind\":\"\(noun)_delete\",\"key\":".utf8)
            JSONText.writeString(key, into: &line)
            line += Array("}".utf8)
            try changes.writeLine(String(decoding: line, as: UTF8.self))
        }
        try tx.deleteProducts(route: route, keys: missing)
        result.deleted = missing.count
        if result.upserted + result.deleted > 0 {
            try changes.sync()
            try publication.add(synced: changes.path, as: final)
            published = true
            result.output = final
        }
        return result
    }
}
