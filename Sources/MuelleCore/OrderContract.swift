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
        "": ["external_id", "created_at", "status", "payment_status", "currency", "customer", "shipping_address", "lines", "totals"],
        "customer": ["name", "email", "phone", "tax_id"],
        "shipping_address": ["name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone"],
        "lines": ["product_key", "sku", "title", "quantity", "unit_price", "total"],
        "totals": ["items", "shipping", "discount", "tax", "grand_total"],
    ]

    public struct Identity: Sendable {
        public var platform: String
        public var account: String
        public init(platform: String, account: String) {
            self.platform = platform
            self.account = account
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
    }

    /// `platform:account:external_id`.
    public static func id(_ identity: Identity, externalID: String) -> String {
        "\(identity.platform):\(identity.account):\(externalID)"
    }

    public static func normalise(_ mapped: Value, identity: Identity, source: Source, at position: InputPosition) throws -> Value {
        var check = FieldChecker(object: mapped, path: "", position: position)
        let externalID = try check.requiredText("external_id")
        let currency = try check.currency("currency")
        let scale = ExactDecimal.minorUnits(of: currency)
        let createdAt = try check.timestamp("created_at")
        let status = try check.oneOf("status", statuses, required: true)
        let paymentStatus = try check.oneOf("payment_status", paymentStatuses, required: false)

        let customer = try check.nested("customer", required: false) { c in
            .object([("name", try c.text("name")), ("email", try c.text("email")), ("phone", try c.text("phone")), ("tax_id", try c.text("tax_id"))])
        }
        let address = try check.nested("shipping_address", required: false) { a in
            .object([
                ("name", try a.text("name")), ("company", try a.text("company")), ("line1", try a.text("line1")),
                ("line2", try a.text("line2")), ("city", try a.text("city")), ("region", try a.text("region")),
                ("postal_code", try a.text("postal_code")), ("country", try a.country("country")), ("phone", try a.text("phone")),
            ])
        }
        var itemsTotal = Amount.zero
        let lines = try check.list("lines", minimum: 1) { l in
            let quantity = try l.quantity("quantity")
            let unitPrice = try l.money("unit_price", required: true) ?? .zero
            let total = try l.money("total", required: false) ?? unitPrice.times(quantity)
            itemsTotal = itemsTotal + total
            return .object([
                ("product_key", .string(try l.requiredText("product_key"))), ("sku", try l.text("sku")), ("title", try l.text("title")),
                ("quantity", .number(String(quantity))),
                ("unit_price", .string(unitPrice.formatted(scale: scale))),
                ("total", .string(total.formatted(scale: scale))),
            ])
        }
        let totals = try check.nested("totals", required: false) { t in
            let items = try t.money("items", required: false) ?? itemsTotal
            let shipping = try t.money("shipping", required: false) ?? .zero
            let discount = try t.money("discount", required: false) ?? .zero
            let tax = try t.money("tax", required: false) ?? .zero
            let grand = try t.money("grand_total", required: false) ?? items + shipping - discount
            return .object([
                ("items", .string(items.formatted(scale: scale))), ("shipping", .string(shipping.formatted(scale: scale))),
                ("discount", .string(discount.formatted(scale: scale))), ("tax", .string(tax.formatted(scale: scale))),
                ("grand_total", .string(grand.formatted(scale: scale))),
            ])
        }
        var sourcePairs: [(String, Value)] = [
            ("route", .string(source.route)), ("file", .string(source.file)), ("sha256", .string(source.sha256)),
            ("record", .number(String(source.record))),
        ]
        if let line = source.line { sourcePairs.append(("line", .number(String(line)))) }
        return .object([
            ("kind", .string("order")), ("id", .string(id(identity, externalID: externalID))),
            ("platform", .string(identity.platform)), ("account", .string(identity.account)),
            ("external_id", .string(externalID)), ("created_at", .string(createdAt)),
            ("status", .string(status ?? "")), ("payment_status", paymentStatus.map(Value.string) ?? .null),
            ("currency", .string(currency)),
            ("customer", customer), ("shipping_address", address), ("lines", .array(lines)), ("totals", totals),
            ("source", .object(sourcePairs)),
        ])
    }
}
