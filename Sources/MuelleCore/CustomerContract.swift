/// The normalised customer of a full customer feed: who the shop sells to, keyed by the route's
/// customer key (`email`, `tax_id` or `platform_id`), with a default address.
///
/// Customers are also what order mappings may look up as reference data (name, email, address by
/// `key`): the record is flat and keyed so a reference store can keep it as it is.
public enum CustomerContract {
    /// Fields of a customer a route may choose as its key (`route: { customer_key: email }`).
    public static let keyFields = ["email", "tax_id", "platform_id"]

    public static let mappableFields: [String: [String]] = [
        "": ["platform_id", "name", "first_name", "last_name", "email", "phone", "tax_id", "company", "address", "tags",
             "accepts_marketing", "tax_exempt", "attributes"],
        "address": OrderContract.mappableFields["shipping_address"] ?? [],
    ]

    /// Only the route's `customer_key` field is required (checked with the route): an export may list a
    /// customer by email alone, without a name.
    public static let requiredFields: [String: [String]] = ["": []]

    static let keys = KeyTable(["kind", "key", "platform_id", "name", "first_name", "last_name", "email", "phone", "tax_id", "company",
                                "address", "tags", "accepts_marketing", "tax_exempt", "attributes", "source"])

    /// Checks a mapped customer; `keyField` is the route's customer key, whose value becomes `key`.
    public static func normalise(_ mapped: Value, keyField: String, source: OrderContract.Source, at position: InputPosition) throws -> Value {
        let check = FieldChecker(object: mapped, path: "", position: position)
        // Addresses compare case-blind: `Ana@Shop.es` and `ana@shop.es` are one customer.
        let email = try check.text("email").text.map { Value.string($0.lowercased()) } ?? .null
        let values: [String: Value] = ["email": email, "tax_id": try check.text("tax_id"), "platform_id": try check.text("platform_id")]
        guard let key = values[keyField]?.text else {
            throw check.failure(keyField, "has no value, but \(keyField) is this route's customer key (route: customer_key), so every customer needs one", code: .missingField)
        }
        let address = try check.nested("address", required: false) { a in
            .object(ValueObject(keys: OrderContract.Keys.address, values: [
                try a.text("name"), try a.text("company"), try a.text("line1"), try a.text("line2"), try a.text("city"), try a.text("city_code"),
                try a.text("region"), try a.text("postal_code"), try a.country("country"), try a.text("phone"),
            ]))
        }
        let attributes: Value
        switch check.value("attributes") {
        case .object(let object): attributes = .object(object)
        case .null: attributes = .object([])
        default: throw check.failure("attributes", "must be an object of named values", code: .invalidRecord)
        }
        return .object(ValueObject(keys: keys, values: [
            .string("customer"), .string(key), values["platform_id"] ?? .null, try check.text("name"),
            try check.text("first_name"), try check.text("last_name"), email, try check.text("phone"), values["tax_id"] ?? .null,
            try check.text("company"), address, try tags(check), try flag(check, "accepts_marketing"), try flag(check, "tax_exempt"),
            attributes, source.value,
        ]))
    }

    /// A list of tags, or one text of comma-separated tags (Shopify's `"vip, wholesale"`).
    private static func tags(_ check: FieldChecker) throws -> Value {
        let items: [String]
        switch check.value("tags") {
        case .array(let values): items = values.compactMap(\.text)
        case .null: items = []
        case let other:
            guard let text = other.text else { throw check.failure("tags", "must be a list or comma-separated text", code: .invalidRecord) }
            items = text.split(separator: ",").map(String.init)
        }
        return .array(items.map(Value.trimmed).filter { !$0.isEmpty }.map(Value.string))
    }

    /// true/false from the spellings exports use (`yes`, `no`, `TRUE`, `1`); blank is false.
    private static func flag(_ check: FieldChecker, _ field: String) throws -> Value {
        switch check.value(field) {
        case .null: return .bool(false)
        case .bool(let b): return .bool(b)
        case let other:
            switch other.text.map(Value.trimmed)?.lowercased() {
            case "true", "1", "yes", "y": return .bool(true)
            case "false", "0", "no", "n", "": return .bool(false)
            default: throw check.failure(field, "\(QuotedInput.quote(other.text ?? "")) is not true or false (yes, no)", code: .badValue)
            }
        }
    }
}
