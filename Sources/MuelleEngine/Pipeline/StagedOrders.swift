import MuelleCore
import MuelleLedger
import MuelleReaders

/// Mapped orders of one file, written to the staging folder while the file is read, so memory
/// stays flat and nothing reaches the outbox before the whole file is known to be good.
///
/// Two aligned files: the orders as NDJSON, and an index line per order
/// (`id \t fingerprint \t status \t selected \t field digests`), so the commit can classify
/// orders against the ledger without parsing JSON again.
final class StagedOrders {
    let ordersPath: String
    let indexPath: String
    private let orders: FileWriter
    private let index: FileWriter
    private(set) var count = 0
    /// Mapped records the route's filter did not select (imported only if already known).
    private(set) var unselected = 0
    private var line: [UInt8] = []

    init(directory: String) throws {
        ordersPath = directory + "/orders.ndjson"
        indexPath = directory + "/orders.index"
        orders = try FileWriter(path: ordersPath)
        index = try FileWriter(path: indexPath)
    }

    func append(_ record: Value, selected: Bool) throws {
        // Orders carry their own id; events name the order they are about.
        let id = (record["id"] ?? record["order_id"] ?? record["key"] ?? record["product_key"])?.text ?? ""
        let source = record["source"]
        let position = "\(source?["record"]?.text ?? ""):\(source?["line"]?.text ?? "")"
        let status = record["status"]?.text ?? ""
        line.removeAll(keepingCapacity: true)
        let digests = ContentHash.serialise(record, into: &line)
        line.append(0x0A)
        try orders.write(bytes: line)
        try index.writeLine("\(id)\t\(digests.fingerprint)\t\(status)\t\(selected ? 1 : 0)\t\(digests.fields)\t\(position)")
        count += 1
        if !selected { unselected += 1 }
    }

    func sync() throws {
        try orders.sync()
        try index.flush()
    }

    struct IndexEntry {
        var id: String
        var fingerprint: String
        var status: String
        var selected: Bool
        var fields: String
        var record: Int?
        var line: Int?

        init?(_ text: String) {
            // Split on the UTF-8 bytes: tabs and colons never occur inside a multi-byte character.
            let parts = text.utf8.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(Substring($0)) }
            guard parts.count == 6 else { return nil }
            (id, fingerprint, status) = (parts[0], parts[1], parts[2])
            selected = parts[3] == "1"
            fields = parts[4]
            let position = parts[5].utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { Int(String(Substring($0))) }
            record = position.first ?? nil
            line = position.count > 1 ? position[1] : nil
        }
    }
}

/// Decides, inside the commit transaction, what each mapped order is: new (emitted as an order),
/// unchanged (skipped), changed (emitted as an order update, never a second order), or not
/// selected by the filter and unknown (filtered).
///
/// The first pass reads only the index and records one decision byte per order in the staging
/// folder; when every order is new — a first import — the staged NDJSON is published as it is,
/// otherwise a second pass copies each order to where its decision sends it.
struct OrderClassifier {
    let tx: LedgerTransaction
    let route: String
    let inputID: Int64
    let at: String

    struct Result {
        var imported = 0
        var unchanged = 0
        var updated = 0
        /// Not selected by the filter and not imported before.
        var filtered = 0
        var outputs: [String] = []
    }

    private enum Decision: UInt8 {
        case new = 0x4E, unchanged = 0x55, update = 0x43, filtered = 0x46
    }

    func classify(_ staged: StagedOrders, newOrdersTo ordersPath: String, updatesTo updatesPath: String, staging: String) throws -> Result {
        var result = Result()
        guard staged.count > 0 else { return result }
        let decisionsPath = staging + "/" + UniqueName.next() + ".decisions"
        let decisions = try FileWriter(path: decisionsPath)
        let updatesMeta = try FileWriter(path: decisionsPath + ".updates")
        let index = try LineReader(path: staged.indexPath)
        while let line = try index.next() {
            guard let entry = StagedOrders.IndexEntry(line) else { continue }
            let decision = try decide(entry, updatesMeta: updatesMeta)
            switch decision {
            case .new: result.imported += 1
            case .unchanged: result.unchanged += 1
            case .update: result.updated += 1
            case .filtered: result.filtered += 1
            }
            try decisions.write(bytes: [decision.rawValue])
        }
        try decisions.flush()
        try updatesMeta.flush()

        if result.imported == staged.count {
            try FileSystem.publish(staged.ordersPath, as: ordersPath)
            result.outputs.append(ordersPath)
            return result
        }
        var newOrders: FileWriter?
        var updates: FileWriter?
        let orders = try LineReader(path: staged.ordersPath)
        let decided = try ByteSource(path: decisionsPath, fileName: decisionsPath)
        let meta = try LineReader(path: decisionsPath + ".updates")
        while let json = try orders.next(), let byte = try decided.next() {
            switch Decision(rawValue: byte) {
            case .new?:
                if newOrders == nil { newOrders = try FileWriter(path: staging + "/" + UniqueName.next() + ".orders") }
                try newOrders?.writeLine(json)
            case .update?:
                if updates == nil { updates = try FileWriter(path: staging + "/" + UniqueName.next() + ".updates") }
                try updates?.writeLine(OrderUpdate.line(meta: try meta.next() ?? "", orderJSON: json))
            default:
                continue
            }
        }
        for (writer, final) in [(newOrders, ordersPath), (updates, updatesPath)] {
            guard let writer else { continue }
            try writer.sync()
            try FileSystem.publish(writer.path, as: final)
            result.outputs.append(final)
        }
        return result
    }

    private func decide(_ entry: StagedOrders.IndexEntry, updatesMeta: FileWriter) throws -> Decision {
        guard let known = try tx.order(id: entry.id) else {
            guard entry.selected else { return .filtered }
            try tx.save(OrderEntry(id: entry.id, route: route, status: entry.status, fingerprint: entry.fingerprint, fields: entry.fields,
                                   firstInput: inputID, lastInput: inputID, importedAt: at, updatedAt: at))
            return .new
        }
        guard known.fingerprint != entry.fingerprint else { return .unchanged }
        try updatesMeta.writeLine(OrderUpdate.meta(orderID: entry.id, from: known.status, to: entry.status,
                                                   changed: FieldDigests.changed(known.fields, entry.fields)))
        var changed = known
        changed.status = entry.status
        changed.fingerprint = entry.fingerprint
        changed.fields = entry.fields
        changed.lastInput = inputID
        changed.updatedAt = at
        try tx.save(changed)
        return .update
    }
}

/// An order update: an already imported order came again, changed.
enum OrderUpdate {
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
    static func changed(_ old: String, _ new: String) -> [String] {
        func parse(_ text: String) -> [(String, Substring)] {
            text.split(separator: ";").compactMap { pair in
                guard let eq = pair.firstIndex(of: "=") else { return nil }
                return (String(pair[..<eq]), pair[pair.index(after: eq)...])
            }
        }
        let before = Dictionary(parse(old), uniquingKeysWith: { a, _ in a })
        return parse(new).filter { before[$0.0] != $0.1 }.map(\.0)
    }
}
