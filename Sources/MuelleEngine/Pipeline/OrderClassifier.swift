import MuelleCore
import MuelleLedger
import MuelleReaders

/// Decides, inside the commit transaction, what each mapped order is: new (emitted as an order),
/// unchanged (skipped), changed (emitted as an order update, never a second order), stale (the
/// ledger knows newer facts: nothing applied, see `OrderEvidence`), or not selected by the filter
/// and unknown (filtered).
///
/// The first pass reads only the index, asks the ledger for 256 orders at a time (one `WHERE id IN`
/// query, not one per order), and records one decision byte per order in the staging folder; when
/// every order is new — a first import — the staged NDJSON is published as it is, otherwise a second
/// pass copies each order to where its decision sends it. Outputs go to the
/// `Publication`: into view only once the transaction has committed.
struct OrderClassifier {
    let tx: any LedgerWriting
    let route: String
    let inputID: Int64
    let at: String

    struct Result {
        var imported = 0
        var unchanged = 0
        var updated = 0
        /// Known orders whose copy brought nothing the ledger did not know newer.
        var stale = 0
        /// Not selected by the filter and not imported before.
        var filtered = 0
        var outputs: [String] = []
        /// Orders this file cancelled or refunded, with the status they had: their shipments are settled next.
        var ended: [EndedOrder] = []
    }

    private enum Decision: UInt8 {
        case new = 0x4E, unchanged = 0x55, update = 0x43, filtered = 0x46, stale = 0x53
    }

    func classify(_ staged: StagedOrders, newOrdersTo ordersPath: String, updatesTo updatesPath: String, staging: String, publication: Publication) throws -> Result {
        var result = Result()
        guard staged.count > 0 else { return result }
        // Working files of this classification only: in the file's own staging folder, which goes with
        // the file (in the shared one, two per input were left behind for ever). Each is created at the first
        // order that needs it: a first import (every order new, as in most small drops) creates neither, and
        // a file created and removed per drop costs ext4 more than its writing does.
        let decisionsPath = staged.directory + "/orders.decisions"
        var decisions: FileWriter?
        // Orders decided new before the decisions file was needed: written into it when it is created.
        var newBefore = 0
        func openDecisions() throws -> FileWriter {
            if let decisions { return decisions }
            let writer = try FileWriter(path: decisionsPath)
            while newBefore > 0 {
                let run = min(newBefore, 1 << 16)
                try writer.write(bytes: [UInt8](repeating: Decision.new.rawValue, count: run))
                newBefore -= run
            }
            decisions = writer
            return writer
        }
        let updatesMeta = WorkingFile(path: decisionsPath + ".updates")
        let index = try LineReader(path: staged.indexPath)
        // The ledger is asked for a batch of orders at once (one query, not one per order); what this
        // file saves goes into the same table, so an order twice in one batch sees its first copy.
        var batch: [StagedOrders.IndexEntry] = []
        batch.reserveCapacity(LedgerTransaction.orderBatch)
        func decideBatch() throws {
            var known = try tx.orders(ids: batch.map(\.id))
            for entry in batch {
                let decision = try decide(entry, known: &known, updatesMeta: updatesMeta, ended: &result.ended)
                switch decision {
                case .new: result.imported += 1
                case .unchanged: result.unchanged += 1
                case .update: result.updated += 1
                case .filtered: result.filtered += 1
                case .stale: result.stale += 1
                }
                if decision == .new, decisions == nil {
                    newBefore += 1
                } else {
                    try openDecisions().write(bytes: [decision.rawValue])
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        while let line = try index.nextBytes() {
            guard let entry = line.withUnsafeBufferPointer({ StagedOrders.IndexEntry(bytes: $0) }) else { continue }
            batch.append(entry)
            if batch.count == LedgerTransaction.orderBatch { try decideBatch() }
        }
        try decideBatch()
        try updatesMeta.flush()

        if result.imported == staged.count {
            // Fsynced when the file was mapped (`StagedOrders.sync`).
            try publication.add(synced: staged.ordersPath, as: ordersPath)
            result.outputs.append(ordersPath)
            return result
        }
        var newOrders: FileWriter?
        var updates: FileWriter?
        let orders = try LineReader(path: staged.ordersPath)
        try openDecisions().flush()
        let decided = try ByteSource(path: decisionsPath, fileName: decisionsPath)
        let meta = try updatesMeta.reader()
        // New orders are copied on byte for byte; only an update is read as text, to wrap it.
        while let json = try orders.nextBytes(), let byte = try decided.next() {
            switch Decision(rawValue: byte) {
            case .new?:
                if newOrders == nil { newOrders = try FileWriter(path: staging + "/" + UniqueName.next() + ".orders") }
                try newOrders?.writeLine(bytes: json)
            case .update?:
                if updates == nil { updates = try FileWriter(path: staging + "/" + UniqueName.next() + ".updates") }
                try updates?.writeLine(OrderUpdate.line(decided: try meta?.next() ?? "", orderJSON: String(decoding: json, as: UTF8.self)))
            default:
                continue
            }
        }
        for (writer, final) in [(newOrders, ordersPath), (updates, updatesPath)] {
            guard let writer else { continue }
            try writer.sync()
            try publication.add(synced: writer.path, as: final)
            result.outputs.append(final)
        }
        return result
    }

    /// `saved`: the batch's orders as the ledger holds them, kept in step with every save made here.
    private func decide(_ entry: StagedOrders.IndexEntry, known saved: inout [String: OrderEntry], updatesMeta: WorkingFile,
                        ended: inout [EndedOrder]) throws -> Decision {
        func save(_ order: OrderEntry) throws {
            try tx.save(order)
            saved[order.id] = order
        }
        guard let known = saved[entry.id] else {
            guard entry.selected else { return .filtered }
            try save(OrderEntry(id: entry.id, route: route, status: entry.status, fingerprint: entry.fingerprint, fields: entry.fields,
                                firstInput: inputID, lastInput: inputID, importedAt: at, updatedAt: at,
                                statusAt: entry.evidenceAt, snapshotAt: entry.evidenceAt))
            return .new
        }
        var evidence = OrderEvidence(status: known.status, statusAt: known.statusAt, snapshotAt: known.snapshotAt)
        guard let status = evidence.takeSnapshot(status: entry.status, updatedAt: entry.evidenceAt) else { return .stale }
        var changed = known.fingerprint == entry.fingerprint ? [] : FieldDigests.changed(known.fields, entry.fields)
        if status != known.status { changed.insert("status", at: 0) }
        var order = known
        (order.statusAt, order.snapshotAt) = (evidence.statusAt, evidence.snapshotAt)
        guard !changed.isEmpty else {
            // Nothing to tell downstream; a newer clock is still worth keeping as evidence.
            if order != known { try save(order) }
            return entry.status == known.status ? .unchanged : .stale
        }
        // The update carries the order as the ledger now holds it: the snapshot's fields, and the
        // status it kept when the snapshot could not move it back.
        try updatesMeta.writeLine((status == entry.status ? "" : status) + "\t"
                                  + OrderUpdate.meta(orderID: entry.id, from: known.status, to: status, changed: changed))
        order.status = status
        order.fingerprint = entry.fingerprint
        order.fields = entry.fields
        order.lastInput = inputID
        order.updatedAt = at
        try save(order)
        if let end = EndedOrder(entry, from: known.status, to: status) { ended.append(end) }
        return .update
    }
}

/// An order update: an already imported order came again, changed.
enum OrderUpdate {
    /// The line of an update, from its first-pass meta (`kept status \t meta`, the kept status empty
    /// when the snapshot's own status stands) and the order's JSON.
    static func line(decided: String, orderJSON: String) -> String {
        guard let tab = decided.firstIndex(of: "\t") else { return line(meta: decided, orderJSON: orderJSON) }
        let kept = decided[..<tab]
        let meta = String(decided[decided.index(after: tab)...])
        return line(meta: meta, orderJSON: kept.isEmpty ? orderJSON : replacingStatus(in: orderJSON, with: String(kept)))
    }

    /// The order's JSON with its top-level status replaced. The contract writes only plain strings
    /// (kind, ids, created_at) before `status`, and a quote inside them is escaped, so the first
    /// `,"status":"` is the order's own; statuses are plain words.
    static func replacingStatus(in json: String, with status: String) -> String {
        let marker = ",\"status\":\""
        guard let start = json.range(of: marker), let end = json[start.upperBound...].firstIndex(of: "\"") else { return json }
        return json.replacingCharacters(in: start.upperBound..<end, with: status)
    }

    /// Everything but the order itself, decided in the first pass.
    static func meta(orderID: String, from: String, to: String, changed: [String]) -> String {
        var out: [UInt8] = Array("{\"kind\":\"order_update\",\"order_id\":".utf8)
        JSONText.writeString(orderID, into: &out)
        out += Array(",\"status\":{\"from\":".utf8)
        JSONText.writeString(from, into: &out)
        out += Array(",\"to\":".utf8)
        JSONText.writeString(to, into: &out)
        out += Array("},\"changed\":".utf8)
        JSONText.write(.array(changed.map(Value.string)), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func line(meta: String, orderJSON: String) -> String {
        meta + ",\"order\":" + orderJSON + "}"
    }
}

/// Per-field digests of a normalised order (`name=hex;…`), kept in the ledger so an update can
/// say which fields changed without keeping whole orders.
enum FieldDigests {
    /// Fields whose content changed, except `status`: the ledger's status, which events also move,
    /// is compared by the caller, not the digest of the last copy.
    static func changed(_ old: String, _ new: String) -> [String] {
        func parse(_ text: String) -> [(String, Substring)] {
            text.split(separator: ";").compactMap { pair in
                guard let eq = pair.firstIndex(of: "=") else { return nil }
                return (String(pair[..<eq]), pair[pair.index(after: eq)...])
            }
        }
        let before = Dictionary(parse(old), uniquingKeysWith: { a, _ in a })
        return parse(new).filter { $0.0 != "status" && before[$0.0] != $0.1 }.map(\.0)
    }
}

/// An order that a file cancelled or refunded, and the status it had before.
struct EndedOrder {
    var id: String
    var from: String
    var to: String
    /// When, by the source's clock, and where in the file it said so.
    var at: String?
    var record: Int?
    var line: Int?

    /// Nil unless the move ends the order: a refund after delivery settles money, not a parcel.
    init?(_ entry: StagedOrders.IndexEntry, from: String, to: String) {
        guard StatusProgression.final.contains(to), !StatusProgression.final.contains(from), from != "delivered" else { return nil }
        (id, self.from, self.to, at, record, line) = (entry.id, from, to, entry.evidenceAt, entry.record, entry.line)
    }
}

/// A working file of one classification, created at its first line (most inputs never write one).
private final class WorkingFile {
    let path: String
    private var writer: FileWriter?

    init(path: String) {
        self.path = path
    }

    func writeLine(_ text: String) throws {
        if writer == nil { writer = try FileWriter(path: path) }
        try writer?.writeLine(text)
    }

    func flush() throws {
        try writer?.flush()
    }

    /// Its lines from the start, or nil when none was written.
    func reader() throws -> LineReader? {
        try writer.map { try LineReader(path: $0.path) }
    }
}
