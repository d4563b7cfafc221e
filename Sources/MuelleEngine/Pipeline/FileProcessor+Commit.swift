import Foundation
import MuelleCore
import MuelleLedger
import MuelleMapping

extension FileProcessor {
    /// Inside the outcome's transaction: applies what was staged to the ledger by the route's kind
    /// (orders classified, a catalogue's delta, reference data kept…), stages the outputs that makes for
    /// the outbox, and returns the report. Names are decided by content, so a redo after a crash rewrites
    /// the same files; content imported again on purpose (after `orders forget`) gets a generation of its own.
    func apply(_ staged: StagedOrders, file: SettlingFile, entry: inout InputEntry, reading: Reading,
               tx: any LedgerWriting, publication: Publication) throws -> FileReport {
        let inputID = try tx.nextInputID()
        let generation = try tx.processedCount(route: file.mapping.name, sha256: entry.sha256)
        let stem = "\(file.mapping.name)-\(file.digest)" + (generation == 0 ? "" : "-\(generation + 1)")
        entry.destination = "archive/\(file.mapping.name)/" + StoredName.fitting(
            prefix: "\(file.digest)" + (generation == 0 ? "" : "-\(generation + 1)") + "-", name: entry.name)
        entry.report = "outbox/reports/\(stem).json"
        let ordersPath = workspace.outbox(file.mapping.kind.outboxFolder) + "/\(stem).ndjson"
        let updatesPath = workspace.outbox("order-updates") + "/\(stem).ndjson"
        var outputs: [String]
        let partnerFile = try file.mapping.output.map { try PartnerFile.stage(staged, output: $0, mapping: file.mapping, workspace: workspace) }
        // Bound for the outbox only once the input is applied (below): a held-back feed leaves the partner's file as it was.
        var partnerPublished = false
        defer { if !partnerPublished { partnerFile?.discard() } }
        var shipments = 0
        var productDeletions: Int?
        var notes: [MuelleError] = []
        var ended: [EndedOrder] = []
        switch file.mapping.kind {
        case .orders:
            let result = try OrderClassifier(tx: tx, route: file.mapping.name, inputID: inputID, at: entry.receivedAt)
                .classify(staged, newOrdersTo: ordersPath, updatesTo: updatesPath, staging: workspace.staging, publication: publication)
            entry.kept = result.imported
            entry.filtered = result.filtered + (entry.filtered - staged.unselected)
            entry.skipped = result.unchanged
            entry.updated = result.updated
            entry.stale = result.stale
            outputs = result.outputs
            ended = result.ended
            if let shipping = file.mapping.shipping, result.outputs.contains(ordersPath) {
                let shipped = try ShipmentMaker(workspace: workspace, profiles: profiles, settings: shipping, tx: tx, at: entry.receivedAt)
                    .make(fromOrders: ordersPath, stem: stem, staging: workspace.staging, publication: publication)
                outputs += shipped.outputs
                shipments = shipped.shipments
                notes += shipped.notShippable
            }
        case .products, .customers:
            let result = try CatalogueDelta(tx: tx, route: file.mapping.name, inputID: inputID, maxRemovedShare: file.mapping.maxRemovedShare,
                                            noun: file.mapping.kind == .customers ? "customer" : "product")
                .apply(staged, to: ordersPath, staging: workspace.staging, file: entry.name, publication: publication)
            entry.kept = result.upserted
            entry.skipped = result.unchanged
            outputs = result.output.map { [$0] } ?? []
            productDeletions = result.deleted
            // Customers are also what order mappings look up (by the route's customer key).
            if file.mapping.kind.keepsReferenceData { _ = try ReferenceKeeper(tx: tx, route: file.mapping.name, inputID: inputID).apply(staged) }
        case .reference:
            let result = try ReferenceKeeper(tx: tx, route: file.mapping.name, inputID: inputID).apply(staged)
            entry.kept = result.saved
            entry.skipped = result.unchanged
            outputs = []
        case .promotions:
            // Each promotion file is emitted whole, once (the file's content decides its name).
            outputs = []
            if staged.count > 0 {
                try publication.add(synced: staged.ordersPath, as: ordersPath)
                outputs = [ordersPath]
            }
        case .orderEvents:
            let result = try EventApplier(ledger: ledger)
                .apply(staged, tx: tx, inputID: inputID, at: entry.receivedAt, updatesTo: updatesPath, staging: workspace.staging, publication: publication)
            entry.kept = 0
            entry.skipped = result.unchanged
            entry.updated = result.updated
            entry.stale = result.stale
            outputs = result.output.map { [$0] } ?? []
            ended = result.ended
        }
        var voided: Int?
        if !ended.isEmpty {
            let settled = try ShipmentCancellation(workspace: workspace, tx: tx, at: entry.receivedAt, file: entry.name, publication: publication).settle(ended)
            outputs += settled.outputs
            notes += settled.notes
            entry.cancelledAfterHandover = settled.handedOver
            voided = settled.voided
        }
        if let partnerFile {
            try partnerFile.publish(publication)
            partnerPublished = true
            outputs.append(partnerFile.final)
        }
        if let partnerFile, let deliver = file.mapping.output?.deliver {
            try tx.markDeliveryPending(file: workspace.relative(partnerFile.final), route: file.mapping.name,
                                       destination: Deliveries.destination(deliver), at: entry.receivedAt)
        }
        if let deliver = file.mapping.deliver {
            // The route's own outputs (not the partner file, which has its own destination).
            for output in outputs where output.hasPrefix(workspace.outbox(file.mapping.kind.outboxFolder) + "/") {
                try tx.markDeliveryPending(file: workspace.relative(output), route: file.mapping.name,
                                           destination: Deliveries.destination(deliver), at: entry.receivedAt)
            }
        }
        entry.output = outputs.map(workspace.relative).joined(separator: "\n")
        entry.finishedAt = Timestamp.now()
        var report = FileReport(entry: entry, records: reading.records, outputs: outputs.map(workspace.relative), errors: reading.errors + notes,
                                shipments: file.mapping.shipping == nil ? nil : shipments, deletions: productDeletions, voided: voided, filteredBy: reading.filteredBy)
        report.rounded = reading.rounded
        return report
    }
}
