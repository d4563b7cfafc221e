import MuelleCore
import Testing

/// Each contract's `requiredFields` (what `muelle check` demands of a mapping) is exactly what its
/// `normalise` refuses a record without: every listed field missing is a `missing_field` error
/// naming it, and every other mappable field may be left out.
@Suite struct ContractRequirementsTests {
    static let source = OrderContract.Source(route: "r", file: "f", sha256: "", record: 1, line: 2)
    static let identity = OrderContract.Identity(platform: "shop", account: "main")

    struct Kind: CustomTestStringConvertible, Sendable {
        let name: String
        let required: [String: [String]]
        let mappable: [String: [String]]
        /// A record with every mappable field set to a valid value.
        let complete: [(String, Value)]
        let line: [(String, Value)]
        let normalise: @Sendable (Value) throws -> Value
        var testDescription: String { name }
    }

    static let kinds: [Kind] = [
        Kind(name: "order", required: OrderContract.requiredFields, mappable: OrderContract.mappableFields,
             complete: [("external_id", .string("1")), ("created_at", .string("2026-11-02T09:15:22+01:00")), ("status", .string("ready_to_ship")),
                        ("payment_status", .string("paid")), ("currency", .string("EUR")), ("customer", .object([("name", .string("Ana"))])),
                        ("shipping_address", .object([("country", .string("ES"))])), ("totals", .object([("shipping", .string("1"))]))],
             line: [("product_key", .string("SKU")), ("sku", .string("SKU")), ("barcode", .null), ("platform_item_id", .null), ("title", .string("T")),
                    ("quantity", .string("1")), ("unit_price", .string("2.50")), ("total", .string("2.50"))],
             normalise: { try OrderContract.normalise($0, identity: identity, source: source, at: InputPosition(record: 1)) }),
        Kind(name: "order event", required: EventContract.requiredFields, mappable: EventContract.mappableFields,
             complete: [("order_id", .string("shop:main:1")), ("status", .string("shipped")), ("occurred_at", .string("2026-11-02T09:15:22Z")),
                        ("tracking_number", .string("T1")), ("carrier", .string("C")), ("tracking_url", .string("https://t")), ("note", .string("n"))],
             line: [], normalise: { try EventContract.normalise($0, source: source, at: InputPosition(record: 1)) }),
        Kind(name: "product", required: ProductContract.requiredFields, mappable: ProductContract.mappableFields,
             complete: [("key", .string("K")), ("title", .string("T")), ("price", .string("1.00")), ("currency", .string("ARS")), ("stock", .string("2")),
                        ("barcode", .string("B")), ("sku", .string("S")), ("active", .bool(true)), ("attributes", .object([]))],
             line: [], normalise: { try ProductContract.normalise($0, source: source, at: InputPosition(record: 1)) }),
        Kind(name: "promotion", required: PromotionContract.requiredFields, mappable: PromotionContract.mappableFields,
             complete: [("product_key", .string("K")), ("campaign", .string("C")), ("type", .string("percentage")), ("value", .string("10")),
                        ("regular_price", .string("5")), ("currency", .string("ARS")), ("starts_at", .string("2026-11-02T00:00:00Z")),
                        ("ends_at", .string("2026-11-03T00:00:00Z")), ("attributes", .object([]))],
             line: [], normalise: { try PromotionContract.normalise($0, source: source, at: InputPosition(record: 1)) }),
    ]

    static func record(_ kind: Kind, without field: String? = nil, lineWithout lineField: String? = nil) -> Value {
        var pairs = kind.complete.filter { $0.0 != field }
        if !kind.line.isEmpty, field != "lines" {
            pairs.append(("lines", .array([.object(kind.line.filter { $0.0 != lineField })])))
        }
        return .object(pairs)
    }

    @Test(arguments: kinds) func everyRequiredFieldIsRefusedWhenMissingAndNothingElseIs(_ kind: Kind) throws {
        _ = try kind.normalise(Self.record(kind))
        for (object, fields) in kind.mappable {
            for field in fields {
                let required = kind.required[object]?.contains(field) == true
                let value = object.isEmpty ? Self.record(kind, without: field) : Self.record(kind, lineWithout: field)
                let name = object.isEmpty ? field : "\(object)[1].\(field)"
                do {
                    _ = try kind.normalise(value)
                    #expect(!required, "\(name) is listed as required, but a \(kind.name) without it is accepted")
                } catch let error as MuelleError {
                    #expect(required, "a \(kind.name) without \(name) is refused (\(error)), but it is not listed as required")
                    #expect(error.code == .missingField && error.position.field == name, "\(error)")
                }
            }
        }
    }
}
