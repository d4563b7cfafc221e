import Foundation
import MuelleCore
import MuelleLedger
import MuelleReaders

/// Mapped orders of one file, written to the staging folder while the file is read, so memory
/// stays flat and nothing reaches the outbox before the whole file is known to be good.
///
/// Two aligned files: the orders as NDJSON, and an index line per order
/// (`id \t fingerprint \t status \t selected \t field digests \t record:line \t evidence time`), so
/// the commit can classify orders against the ledger without parsing JSON again.
final class StagedOrders {
    /// The file's own staging folder: removed with everything in it once the file is done.
    let directory: String
    let ordersPath: String
    let indexPath: String
    /// Reference records only: each record's lookup values (field path → text) as a JSON line, aligned too.
    let lookupPath: String
    private var lookups: FileWriter?
    private let orders: FileWriter
    private let index: FileWriter
    private(set) var count = 0
    /// Mapped records the route's filter did not select (imported only if already known).
    private(set) var unselected = 0
    private var line: [UInt8] = []

    init(directory: String) throws {
        self.directory = directory
        ordersPath = directory + "/orders.ndjson"
        indexPath = directory + "/orders.index"
        lookupPath = directory + "/orders.lookup"
        orders = try FileWriter(path: ordersPath)
        index = try FileWriter(path: indexPath)
    }

    /// Whether order routes stage their orders from the typed form, straight to JSON bytes (the default).
    /// `MUELLE_TYPED_RECORDS=0` stages them through `Value`s instead: the same bytes, slower; it is there to
    /// compare the two.
    static let writesTyped = ProcessInfo.processInfo.environment["MUELLE_TYPED_RECORDS"] != "0"

    func append(_ record: MappedRecord, selected: Bool) throws {
        switch record {
        case .value(let value): try append(value, selected: selected)
        case .order(let order): try append(order, selected: selected)
        }
    }

    /// An order written straight from its typed fields: its JSON bytes, then the digests of exactly those bytes.
    private func append(_ order: NormalisedOrder, selected: Bool) throws {
        line.removeAll(keepingCapacity: true)
        let offsets = order.write(into: &line)
        let digests = ContentHash.digests(of: line, from: 0, names: NormalisedOrder.fieldNames, offsets: offsets)
        line.append(0x0A)
        try orders.write(bytes: line)
        let position = "\(order.source.record):\(order.source.line.map(String.init) ?? "")"
        try index.writeLine("\(order.id)\t\(digests.fingerprint)\t\(order.status)\t\(selected ? 1 : 0)\t\(digests.fields)\t\(position)\t\(order.updatedAt ?? "")")
        count += 1
        if !selected { unselected += 1 }
    }

    func append(_ record: Value, selected: Bool) throws {
        // Orders carry their own id; events name the order they are about.
        let id = (record["id"] ?? record["order_id"] ?? record["key"] ?? record["product_key"])?.text ?? ""
        let source = record["source"]
        let position = "\(source?["record"]?.text ?? ""):\(source?["line"]?.text ?? "")"
        let status = record["status"]?.text ?? ""
        // An order's copy is as of its `updated_at`; an event is as of its source's `updated_at`, else when it occurred.
        let evidenceAt = record["updated_at"]?.text ?? record["occurred_at"]?.text ?? ""
        line.removeAll(keepingCapacity: true)
        let digests = ContentHash.serialise(record, into: &line)
        line.append(0x0A)
        try orders.write(bytes: line)
        try index.writeLine("\(id)\t\(digests.fingerprint)\t\(status)\t\(selected ? 1 : 0)\t\(digests.fields)\t\(position)\t\(evidenceAt)")
        if case .string(let kind)? = record["kind"], ReferenceContract.kindsKept.contains(kind) {
            if lookups == nil { lookups = try FileWriter(path: lookupPath) }
            let values = ReferenceContract.lookupValues(of: record).sorted { $0.key < $1.key }
            try lookups?.writeLine(JSONText.compact(.object(ValueObject(values.map { ($0.key, Value.string($0.value)) }))))
        }
        count += 1
        if !selected { unselected += 1 }
    }

    func sync() throws {
        try orders.sync()
        try index.flush()
        try lookups?.flush()
    }

    struct IndexEntry {
        var id: String
        var fingerprint: String
        var status: String
        var selected: Bool
        var fields: String
        var record: Int?
        var line: Int?
        /// The source's own time of this copy (`updated_at`, or an event's `occurred_at`); nil when it has none.
        var evidenceAt: String?

        init?(_ text: String) {
            var text = text
            guard let entry = text.withUTF8({ Self(bytes: $0) }) else { return nil }
            self = entry
        }

        /// Seven tab-separated columns, the sixth `record:line`. Read from the bytes without splitting into an
        /// array first: classification reads one per order, after the file is mapped, with nothing else to do.
        init?(bytes: UnsafeBufferPointer<UInt8>) {
            var columns: [Range<Int>] = []
            columns.reserveCapacity(7)
            var start = 0
            for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\t") {
                columns.append(start ..< i)
                start = i + 1
            }
            columns.append(start ..< bytes.count)
            guard columns.count == 7 else { return nil }
            // Tabs and colons never occur inside a multi-byte character.
            func text(_ column: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[columns[column]]), as: UTF8.self) }
            (id, fingerprint, status) = (text(0), text(1), text(2))
            selected = columns[3].count == 1 && bytes[columns[3].lowerBound] == UInt8(ascii: "1")
            fields = text(4)
            let position = text(5)
            if let colon = position.utf8.firstIndex(of: UInt8(ascii: ":")) {
                record = Int(position[..<colon])
                line = Int(position[position.utf8.index(after: colon)...])
            } else {
                record = Int(position)
                line = nil
            }
            evidenceAt = columns[6].isEmpty ? nil : text(6)
        }
    }
}
