import Foundation

/// The normalised order, as DESIGN.md fixes it: the contract every downstream system relies on.
///
/// A mapping produces the merchant-facing fields; `normalise` checks them, fills what can be derived
/// (line totals, item totals), formats money in the currency's minor units, and writes the fields in
/// the contract's order. Anything that does not fit is an `invalidRecord` error naming the field.
public enum OrderContract {
    /// muelle's own order statuses; each route's status table maps onto these.
    public static let statuses: [String] = ["pending_payment", "ready_to_ship", "shipped", "delivered", "cancelled", "refunded", "on_hold"]
    public static let paymentStatuses: [String] = ["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided", "failed"]

    /// Fields a mapping may set, by object; `muelle check` rejects others so typos surface at load.
    public static let mappableFields: [String: [String]] = [
        "": ["external_id", "created_at", "status", "payment_status", "currency", "customer", "shipping_address", "lines", "totals", "updated_at"],
        "customer": ["name", "email", "phone", "tax_id"],
        "shipping_address": ["name", "company", "line1", "line2", "city", "city_code", "region", "postal_code", "country", "phone"],
        "lines": ["product_key", "sku", "barcode", "platform_item_id", "title", "quantity", "unit_price", "total"],
        "totals": ["items", "shipping", "discount", "tax", "grand_total"],
    ]

    /// Fields `normalise` refuses a record without, by object (the line's product key is the route's
    /// `product_key` field when it names one). `muelle check` requires a mapping to produce them.
    public static let requiredFields: [String: [String]] = [
        "": ["external_id", "created_at", "status", "currency", "lines"],
        "lines": ["product_key", "quantity", "unit_price"],
    ]

    /// Field names in contract order, shared by every normalised order. `updated_at` stands just before
    /// `source`: both describe this copy of the order rather than the order, and neither counts in
    /// its fingerprint (an export that only bumps the time is not a change).
    public enum Keys {
        static let order = KeyTable(["kind", "id", "platform", "account", "external_id", "created_at", "status", "payment_status",
                                     "currency", "customer", "shipping_address", "lines", "totals", "updated_at", "source"])
        static let customer = KeyTable(["name", "email", "phone", "tax_id"])
        static let address = KeyTable(["name", "company", "line1", "line2", "city", "city_code", "region", "postal_code", "country", "phone"])
        static let line = KeyTable(["product_key", "sku", "barcode", "platform_item_id", "title", "quantity", "unit_price", "total"])
        static let totals = KeyTable(["items", "shipping", "discount", "tax", "grand_total"])
        static let source = KeyTable(["route", "file", "sha256", "record", "line"])
        static let sourceWithoutLine = KeyTable(["route", "file", "sha256", "record"])
    }

    /// Line fields a route may choose as its product key.
    public static let productKeyFields = ["sku", "barcode", "platform_item_id"]

    public struct Identity: Sendable {
        public var platform: String
        public var account: String
        /// The line field that identifies products on this route (`sku`, `barcode`, `platform_item_id`);
        /// nil when the mapping sets `product_key` itself.
        public var productKey: String?
        public init(platform: String, account: String, productKey: String? = nil) {
            self.platform = platform
            self.account = account
            self.productKey = productKey
        }
    }

    public struct Source: Sendable {
        public var route: String
        public var file: String
        public var sha256: String
        public var record: Int
        public var line: Int?
        public init(route: String, file: String, sha256: String, record: Int, line: Int?) {
            self.route = route
            self.file = file
            self.sha256 = sha256
            self.record = record
            self.line = line
        }

        /// The `source` object every normalised record ends with: where it came from.
        public var value: Value {
            var values: [Value] = [.string(route), .string(file), .string(sha256), .number(String(record))]
            if let line { values.append(.number(String(line))) }
            return .object(ValueObject(keys: line == nil ? Keys.sourceWithoutLine : Keys.source, values: values))
        }
    }

    /// `platform:account:external_id`.
    public static func id(_ identity: Identity, externalID: String) -> String {
        "\(identity.platform):\(identity.account):\(externalID)"
    }

    /// Money fields, by path without indexes: a mapping may let muelle round these (`MoneyRounding`).
    public static let moneyFields: Set<String> = ["lines.unit_price", "lines.total", "totals.items", "totals.shipping", "totals.discount", "totals.tax", "totals.grand_total"]

    public static func normalise(_ mapped: Value, identity: Identity, source: Source, at position: InputPosition) throws -> Value {
        var rounded = RoundedAmounts()
        return try normalise(mapped, identity: identity, source: source, at: position, rounding: MoneyRounding(), rounded: &rounded)
    }

    /// Normalises one order; amounts rounded under `rounding` are counted in `rounded` when the order is good.
    public static func normalise(_ mapped: Value, identity: Identity, source: Source, at position: InputPosition,
                                 rounding: MoneyRounding, rounded: inout RoundedAmounts) throws -> Value {
        try check(mapped, identity: identity, source: source, at: position, rounding: rounding, rounded: &rounded).value
    }

    /// Checks one order and returns it typed, ready to be written as JSON bytes (`NormalisedOrder.write`)
    /// or as a `Value` (`normalise`, which is this and `.value`): one check, two renderings.
    public static func check(_ mapped: Value, identity: Identity, source: Source, at position: InputPosition,
                             rounding: MoneyRounding, rounded: inout RoundedAmounts) throws -> NormalisedOrder {
        let log = RoundingLog()
        let order = try check(FieldChecker(object: mapped, path: "", position: position, rounding: rounding, log: log), identity: identity, source: source)
        rounded.add(log.rounded)
        return order
    }

    private static func check(_ check: FieldChecker, identity: Identity, source: Source) throws -> NormalisedOrder {
        let externalID = try check.requiredText("external_id")
        let currency = try check.currency("currency")
        let scale = ExactDecimal.minorUnits(of: currency)
        let createdAt = try check.timestamp("created_at")
        let status = try check.oneOf("status", statuses, required: true)
        let paymentStatus = try check.oneOf("payment_status", paymentStatuses, required: false)
        // The source's own modification time: the evidence that decides between two copies of the order.
        let updatedAt = try check.optionalTimestamp("updated_at")

        let customer = try check.nestedFields("customer") { c in
            [try c.text("name"), try c.text("email"), try c.text("phone"), try c.text("tax_id")]
        }
        let address = try check.nestedFields("shipping_address") { a in
            [try a.text("name"), try a.text("company"), try a.text("line1"), try a.text("line2"), try a.text("city"), try a.text("city_code"),
             try a.text("region"), try a.text("postal_code"), try a.country("country"), try a.text("phone")]
        }
        var itemsTotal = Amount.zero
        let lines = try check.list("lines", minimum: 1) { l -> NormalisedOrder.Line in
            let quantity = try l.quantity("quantity")
            let unitPrice = try l.money("unit_price", required: true, currency: currency) ?? .zero
            let total = try l.money("total", required: false, currency: currency) ?? unitPrice.times(quantity)
            itemsTotal = itemsTotal + total
            let productKey: String
            if let chosen = identity.productKey {
                guard case .string(let key) = try l.text(chosen) else {
                    throw l.failure(chosen, "has no value, but \(chosen) is this route's product key (route: product_key), so every line needs one", code: .missingField)
                }
                productKey = key
            } else {
                productKey = try l.requiredText("product_key")
            }
            return NormalisedOrder.Line(productKey: productKey, texts: [try l.text("sku"), try l.text("barcode"), try l.text("platform_item_id"), try l.text("title")],
                                        quantity: quantity, unitPrice: unitPrice.formatted(scale: scale), total: total.formatted(scale: scale))
        }
        // Totals are always written: what the mapping leaves out is derived from the lines.
        let totals = try check.nestedFields("totals") { t in
            let items = try t.money("items", required: false, currency: currency) ?? itemsTotal
            let shipping = try t.money("shipping", required: false, currency: currency) ?? .zero
            let discount = try t.money("discount", required: false, currency: currency) ?? .zero
            let tax = try t.money("tax", required: false, currency: currency) ?? .zero
            let grand = try t.money("grand_total", required: false, currency: currency) ?? items + shipping - discount
            return [items, shipping, discount, tax, grand].map { $0.formatted(scale: scale) }
        }
        return NormalisedOrder(id: id(identity, externalID: externalID), platform: identity.platform, account: identity.account, externalID: externalID,
                               createdAt: createdAt, status: status ?? "", paymentStatus: paymentStatus, currency: currency, customer: customer,
                               address: address, lines: lines, totals: totals ?? [], updatedAt: updatedAt, source: source)
    }
}
