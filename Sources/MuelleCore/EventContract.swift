/// A status event about an already imported order (a carrier's tracking webhook, a marketplace's
/// order-status notification), as a route of kind `order-events` maps it. Its time as evidence is
/// `updated_at` when the source gives one (the order's modification time in a marketplace's webhook),
/// else `occurred_at`.
public enum EventContract {
    public static let mappableFields: [String: [String]] = [
        "": ["order_id", "status", "occurred_at", "tracking_number", "carrier", "tracking_url", "note", "updated_at"],
    ]

    /// Fields `normalise` refuses an event without; `muelle check` requires a mapping to produce them.
    public static let requiredFields: [String: [String]] = ["": ["order_id", "status", "occurred_at"]]

    static let keys = KeyTable(["kind", "order_id", "status", "occurred_at", "tracking_number", "carrier", "tracking_url", "note", "updated_at", "source"])

    public static func normalise(_ mapped: Value, source: OrderContract.Source, at position: InputPosition) throws -> Value {
        let check = FieldChecker(object: mapped, path: "", position: position)
        let orderID = try check.requiredText("order_id")
        let status = try check.oneOf("status", OrderContract.statuses, required: true) ?? ""
        let occurredAt = try check.timestamp("occurred_at")
        return .object(ValueObject(keys: keys, values: [
            .string("order_event"), .string(orderID), .string(status), .string(occurredAt),
            try check.text("tracking_number"), try check.text("carrier"), try check.text("tracking_url"), try check.text("note"),
            try check.optionalTimestamp("updated_at").map(Value.string) ?? .null,
            source.value,
        ]))
    }
}
