import MuelleCore
import MuelleReaders
import MuelleLedger

/// Mapped orders of one file, written to the staging folder while the file is read, so memory
/// stays flat and nothing reaches the outbox before the whole file is known to be good.
///
/// Two aligned files: the orders as NDJSON, and an index line per order
/// (`id \t fingerprint \t status \t selected`)
/// so the commit can classify orders against the ledger without parsing JSON again.
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
        let id = record["id"]?.text ?? ""
        let status = record["status"]?.text ?? ""
        line.removeAll(keepingCapacity: true)
        let fingerprint = ContentHash.serialise(record, into: &line)
        line.append(0x0A)
        try orders.write(bytes: line)
        try index.writeLine("\(id)\t\(fingerprint)\t\(status)\t\(selected ? 1 : 0)")
        count += 1
        if !selected { unselected += 1 }
    }

    func sync() throws {
        try orders.flush()
        try index.flush()
    }

    /// Reads the staged orders back in order, with their index lines.
    func forEach(_ body: (_ json: String, _ id: String, _ fingerprint: String, _ status: String, _ selected: Bool) throws -> Void) throws {
        guard count > 0 else { return }
        let jsonLines = try LineReader(path: ordersPath)
        let indexLines = try LineReader(path: indexPath)
        while let json = try jsonLines.next(), let line = try indexLines.next() {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 4 else { continue }
            try body(json, String(parts[0]), String(parts[1]), String(parts[2]), parts[3] == "1")
        }
    }
}

/// Lines of a UTF-8 file, streamed a buffer at a time.
final class LineReader {
    private let source: ByteSource
    private var bytes: [UInt8] = []

    init(path: String) throws {
        source = try ByteSource(path: path, fileName: path)
    }

    func next() throws -> String? {
        bytes.removeAll(keepingCapacity: true)
        while true {
            let (taken, complete) = try source.withBufferedBytes { buffer -> (Int, Bool) in
                if let newline = buffer.firstIndex(of: 0x0A) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<newline]))
                    return (newline + 1, true)
                }
                bytes.append(contentsOf: buffer)
                return (buffer.count, false)
            }
            if taken == 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            source.consume(taken)
            if complete { return String(decoding: bytes, as: UTF8.self) }
        }
    }
}

/// Decides, inside the commit transaction, what each mapped order is: new (emitted as an order),
/// unchanged (skipped), or changed (emitted as an order update) — never a second order.
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

    func classify(_ staged: StagedOrders, newOrdersTo ordersPath: String, updatesTo updatesPath: String, staging: String) throws -> Result {
        var result = Result()
        var newOrders: FileWriter?
        var updates: FileWriter?
        try staged.forEach { json, id, fingerprint, status, selected in
            if let known = try tx.order(id: id) {
                guard known.fingerprint != fingerprint else {
                    result.unchanged += 1
                    return
                }
                if updates == nil { updates = try FileWriter(path: staging + "/" + UniqueName.next() + ".updates") }
                try updates?.writeLine(OrderUpdate.line(orderID: id, from: known.status, to: status, orderJSON: json))
                var changed = known
                changed.status = status
                changed.fingerprint = fingerprint
                changed.document = json
                changed.lastInput = inputID
                changed.updatedAt = at
                try tx.save(changed)
                result.updated += 1
            } else if !selected {
                result.filtered += 1
            } else {
                if newOrders == nil { newOrders = try FileWriter(path: staging + "/" + UniqueName.next() + ".orders") }
                try newOrders?.writeLine(json)
                try tx.save(OrderEntry(id: id, route: route, status: status, fingerprint: fingerprint, document: json,
                                          firstInput: inputID, lastInput: inputID, importedAt: at, updatedAt: at))
                result.imported += 1
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
}

/// An order update: an already imported order came again, changed.
enum OrderUpdate {
    static func line(orderID: String, from: String, to: String, orderJSON: String) -> String {
        var out = "{\"kind\":\"order_update\",\"order_id\":"
        JSONText.writeString(orderID, into: &out)
        out += ",\"status\":{\"from\":"
        JSONText.writeString(from, into: &out)
        out += ",\"to\":"
        JSONText.writeString(to, into: &out)
        out += "},\"order\":" + orderJSON + "}"
        return out
    }
}
