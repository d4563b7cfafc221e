import Foundation

/// The normalised promotion of a promotion feed: which product, what kind of discount, and when.
public enum PromotionContract {
    public static let types = ["percentage", "fixed_amount", "promotional_price"]

    public static let mappableFields: [String: [String]] = [
        "": ["product_key", "campaign", "type", "value", "regular_price", "currency", "starts_at", "ends_at", "attributes"],
    ]

    /// Fields `normalise` refuses a promotion without; `muelle check` requires a mapping to produce them.
    public static let requiredFields: [String: [String]] = ["": ["product_key", "type", "value", "currency", "starts_at", "ends_at"]]

    static let keys = KeyTable(["kind", "product_key", "campaign", "type", "value", "regular_price", "currency", "starts_at", "ends_at",
                                "attributes", "source"])

    /// Checks one promotion: the end after the start, a percentage up to 100, a discount or promotional
    /// price not above the product's regular price (when the feed gives it).
    public static func normalise(_ mapped: Value, source: OrderContract.Source, at position: InputPosition) throws -> Value {
        let check = FieldChecker(object: mapped, path: "", position: position)
        let productKey = try check.requiredText("product_key")
        let type = try check.oneOf("type", types, required: true) ?? ""
        let currency = try check.currency("currency")
        let scale = ExactDecimal.minorUnits(of: currency)
        guard let value = try check.money("value", required: true) else { throw MuelleError(.missingField, "is required", at: position.with(field: "value")) }
        let regular = try check.money("regular_price", required: false)
        let starts = try check.timestamp("starts_at")
        let ends = try check.timestamp("ends_at")
        guard let start = instant(starts), let end = instant(ends), end > start else {
            throw MuelleError(.badValue, "ends at \(ends), not after it starts (\(starts))", at: position.with(field: "ends_at"))
        }
        let valueText = type == "percentage" ? value.formatted(scale: 2) : value.formatted(scale: scale)
        if type == "percentage", let percent = Decimal(string: valueText), percent <= 0 || percent > 100 {
            throw MuelleError(.badValue, "a percentage discount is more than 0 and at most 100, not \(valueText)", at: position.with(field: "value"))
        }
        if let regular, type != "percentage" {
            let regularText = regular.formatted(scale: scale)
            if let r = Decimal(string: regularText), let v = Decimal(string: valueText), v > r || v <= 0 {
                let what = type == "fixed_amount" ? "the discount" : "the promotional price"
                throw MuelleError(.badValue, "\(what) \(valueText) is not above 0 and at most the regular price \(regularText)", at: position.with(field: "value"))
            }
        }
        let attributes: Value
        if case .object(let object) = check.value("attributes") { attributes = .object(object) } else { attributes = .object([]) }
        return .object(ValueObject(keys: keys, values: [
            .string("promotion"), .string(productKey), try check.text("campaign"), .string(type), .string(valueText),
            regular.map { .string($0.formatted(scale: scale)) } ?? .null, .string(currency), .string(starts), .string(ends), attributes,
            source.value,
        ]))
    }

    /// The instant of an ISO 8601 time with offset (`2026-11-02T09:15:22+01:00`).
    public static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
