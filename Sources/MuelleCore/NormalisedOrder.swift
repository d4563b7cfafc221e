/// One order as the contract checked it, typed: every field already in its normalised text (money in
/// the currency's places, times with their offset), so it can be written straight to its JSON bytes.
///
/// `value` and `write(into:)` are two renderings of the same fields and must give the same JSON:
/// `JSONText.writeObject(order.value)` is byte for byte what `write(into:)` appends (tested over every
/// example mapping). The bytes are what muelle stages, fingerprints and publishes.
public struct NormalisedOrder: Sendable {
    public struct Line: Sendable {
        public var productKey: String
        /// `sku`, `barcode`, `platform_item_id`, `title`: each a string or null.
        public var texts: [Value]
        public var quantity: Int
        public var unitPrice: String
        public var total: String
    }

    public var id: String
    public var platform: String
    public var account: String
    public var externalID: String
    public var createdAt: String
    public var status: String
    public var paymentStatus: String?
    public var currency: String
    /// `name`, `email`, `phone`, `tax_id` (strings or null); nil when the order has no customer.
    public var customer: [Value]?
    /// The shipping address's fields in `OrderContract.Keys.address` order; nil when it has none.
    public var address: [Value]?
    public var lines: [Line]
    /// `items`, `shipping`, `discount`, `tax`, `grand_total`.
    public var totals: [String]
    public var updatedAt: String?
    public var source: OrderContract.Source

    typealias Keys = OrderContract.Keys

    /// The order as a `Value`, for the code that reads normalised records as values (import rules in tests,
    /// `muelle try`, shipping and partner output read the staged JSON).
    public var value: Value {
        func object(_ keys: KeyTable, _ values: [Value]?) -> Value {
            values.map { .object(ValueObject(keys: keys, values: $0)) } ?? .null
        }
        let lines: [Value] = self.lines.map { line in
            .object(ValueObject(keys: Keys.line, values: [.string(line.productKey)] + line.texts
                + [.number(String(line.quantity)), .string(line.unitPrice), .string(line.total)]))
        }
        return .object(ValueObject(keys: Keys.order, values: [
            .string("order"), .string(id), .string(platform), .string(account),
            .string(externalID), .string(createdAt), .string(status), paymentStatus.map(Value.string) ?? .null, .string(currency),
            object(Keys.customer, customer), object(Keys.address, address), .array(lines), object(Keys.totals, totals.map(Value.string)),
            updatedAt.map(Value.string) ?? .null, source.value,
        ]))
    }

    /// The field names in the order `write(into:)` writes them (`OrderContract.Keys.order`).
    public static var fieldNames: [String] { Keys.order.names }

    /// Appends the order's compact JSON to `out`, without building a `Value`; returns where each member
    /// starts (its leading comma), then where the closing brace is, as `JSONText.writeObject` does.
    public func write(into out: inout [UInt8]) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(Self.orderNames.count + 1)
        var member = MemberWriter(names: Self.orderNames)
        out.append(UInt8(ascii: "{"))
        offsets.append(out.count)
        member.next(&out); out.append(contentsOf: Self.orderKind)
        for text in [id, platform, account, externalID, createdAt, status] {
            offsets.append(out.count)
            member.next(&out); JSONText.writeString(text, into: &out)
        }
        offsets.append(out.count)
        member.next(&out); Self.write(paymentStatus, into: &out)
        offsets.append(out.count)
        member.next(&out); JSONText.writeString(currency, into: &out)
        offsets.append(out.count)
        member.next(&out); Self.writeObject(Self.customerNames, customer, into: &out)
        offsets.append(out.count)
        member.next(&out); Self.writeObject(Self.addressNames, address, into: &out)
        offsets.append(out.count)
        member.next(&out)
        if lines.isEmpty {
            out.append(contentsOf: Self.emptyList)
        } else {
            out.append(UInt8(ascii: "["))
            for (i, line) in lines.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var field = MemberWriter(names: Self.lineNames)
                out.append(UInt8(ascii: "{"))
                field.next(&out); JSONText.writeString(line.productKey, into: &out)
                for text in line.texts { field.next(&out); JSONText.write(text, into: &out) }
                field.next(&out); Self.writeDecimal(line.quantity, into: &out)
                field.next(&out); JSONText.writeString(line.unitPrice, into: &out)
                field.next(&out); JSONText.writeString(line.total, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        offsets.append(out.count)
        member.next(&out)
        var field = MemberWriter(names: Self.totalsNames)
        out.append(UInt8(ascii: "{"))
        for amount in totals { field.next(&out); JSONText.writeString(amount, into: &out) }
        out.append(UInt8(ascii: "}"))
        offsets.append(out.count)
        member.next(&out); Self.write(updatedAt, into: &out)
        offsets.append(out.count)
        member.next(&out)
        var place = MemberWriter(names: source.line == nil ? Self.sourceWithoutLineNames : Self.sourceNames)
        out.append(UInt8(ascii: "{"))
        for text in [source.route, source.file, source.sha256] { place.next(&out); JSONText.writeString(text, into: &out) }
        place.next(&out); Self.writeDecimal(source.record, into: &out)
        if let line = source.line { place.next(&out); Self.writeDecimal(line, into: &out) }
        out.append(UInt8(ascii: "}"))
        offsets.append(out.count)
        out.append(UInt8(ascii: "}"))
        return offsets
    }

    /// Writes `,"name":` (no comma before the first): each object's names, escaped once per process.
    private struct MemberWriter {
        let names: [[UInt8]]
        var index = 0

        init(names: [[UInt8]]) { self.names = names }

        mutating func next(_ out: inout [UInt8]) {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: names[index])
            index += 1
        }
    }

    private static func memberNames(_ keys: KeyTable) -> [[UInt8]] {
        keys.names.map { name in
            var bytes: [UInt8] = []
            JSONText.writeString(name, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return bytes
        }
    }

    private static let orderNames = memberNames(Keys.order), customerNames = memberNames(Keys.customer)
    private static let addressNames = memberNames(Keys.address), lineNames = memberNames(Keys.line)
    private static let totalsNames = memberNames(Keys.totals), sourceNames = memberNames(Keys.source)
    private static let sourceWithoutLineNames = memberNames(Keys.sourceWithoutLine)
    private static let orderKind = Array("\"order\"".utf8), emptyList = Array("[]".utf8), null = Array("null".utf8)

    private static func write(_ text: String?, into out: inout [UInt8]) {
        if let text { JSONText.writeString(text, into: &out) } else { out.append(contentsOf: null) }
    }

    private static func writeObject(_ names: [[UInt8]], _ values: [Value]?, into out: inout [UInt8]) {
        guard let values else { out.append(contentsOf: null); return }
        var field = MemberWriter(names: names)
        out.append(UInt8(ascii: "{"))
        for value in values { field.next(&out); JSONText.write(value, into: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// `String(n)`'s digits, without the `String`.
    private static func writeDecimal(_ n: Int, into out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        let first = out.count
        var rest = n.magnitude
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[first...].reverse()
    }
}
