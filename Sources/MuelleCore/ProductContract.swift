/// The normalised product of a catalogue feed: the key the route identifies products by, what the
/// shop shows and sells, and free attributes.
public enum ProductContract {
    public static let mappableFields: [String: [String]] = [
        "": ["key", "title", "price", "currency", "stock", "barcode", "sku", "active", "attributes"],
    ]

    /// Fields `normalise` refuses a product without; `muelle check` requires a mapping to produce them.
    public static let requiredFields: [String: [String]] = ["": ["key", "price", "currency"]]

    static let keys = KeyTable(["kind", "key", "title", "sku", "barcode", "price", "currency", "stock", "active", "attributes", "source"])

    /// Money fields: a mapping may let muelle round these (`MoneyRounding`).
    public static let moneyFields: Set<String> = ["price"]

    public static func normalise(_ mapped: Value, source: OrderContract.Source, at position: InputPosition) throws -> Value {
        var rounded = RoundedAmounts()
        return try normalise(mapped, source: source, at: position, rounding: MoneyRounding(), rounded: &rounded)
    }

    /// Normalises one product; a price rounded under `rounding` is counted in `rounded` when the product is good.
    public static func normalise(_ mapped: Value, source: OrderContract.Source, at position: InputPosition,
                                 rounding: MoneyRounding, rounded: inout RoundedAmounts) throws -> Value {
        let log = RoundingLog()
        let product = try normalise(FieldChecker(object: mapped, path: "", position: position, rounding: rounding, log: log), source: source)
        rounded.add(log.rounded)
        return product
    }

    private static func normalise(_ check: FieldChecker, source: OrderContract.Source) throws -> Value {
        let position = check.position
        let key = try check.requiredText("key")
        let currency = try check.currency("currency")
        guard let price = try check.money("price", required: true, currency: currency) else {
            throw MuelleError(.missingField, "is required", at: position.with(field: "price"))
        }
        let stock = check.value("stock").isBlank ? Value.null : .number(String(try check.wholeNumber("stock")))
        let active: Value
        switch check.value("active") {
        case .null: active = .bool(true)
        case .bool(let b): active = .bool(b)
        case let other:
            switch other.text?.lowercased() {
            case "true", "1", "yes", "y", "active": active = .bool(true)
            case "false", "0", "no", "n", "inactive": active = .bool(false)
            default: throw MuelleError(.badValue, "\(QuotedInput.quote(other.text ?? "")) is not true or false", at: position.with(field: "active"))
            }
        }
        let attributes: Value
        switch check.value("attributes") {
        case .object(let object): attributes = .object(object)
        case .null: attributes = .object([])
        default: throw MuelleError(.invalidRecord, "must be an object of named values", at: position.with(field: "attributes"))
        }
        return .object(ValueObject(keys: keys, values: [
            .string("product"), .string(key), try check.text("title"), try check.text("sku"), try check.text("barcode"),
            .string(price.formatted(scale: ExactDecimal.minorUnits(of: currency))), .string(currency), stock, active, attributes,
            source.value,
        ]))
    }
}
