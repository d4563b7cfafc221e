/// A record of reference data (a platform's addresses, customers or currencies exported apart from its
/// orders), as a route of kind `reference` keeps it: its `key`, and whatever the mapping chose to keep,
/// for other routes' `lookup:` to read.
public enum ReferenceContract {
    /// Fields `normalise` refuses a record without; every other field of the mapping is kept as written.
    public static let requiredFields: [String: [String]] = ["": ["key"]]

    static let keys = KeyTable(["kind", "key", "record", "source"])

    public static func normalise(_ mapped: Value, source: OrderContract.Source, at position: InputPosition) throws -> Value {
        let check = FieldChecker(object: mapped, path: "", position: position)
        let key = try check.requiredText("key")
        guard case .object(let object) = mapped else {
            throw MuelleError(.invalidRecord, "a reference record must be an object of fields", at: position)
        }
        let kept = ValueObject(object.pairs.filter { $0.0 != "key" })
        return .object(ValueObject(keys: keys, values: [.string("reference"), .string(key), .object(kept), source.value]))
    }

    /// The records other routes look up: reference records, and customers (whose fields are the record's own).
    public static let kindsKept: Set<String> = ["reference", "customer"]

    /// The record's values by field path (`city`, `address.city`), as text: what a lookup reads. Lists and
    /// nulls are left out (a lookup of them finds no value).
    public static func lookupValues(of record: Value) -> [String: String] {
        var values: [String: String] = [:]
        func walk(_ value: Value, _ path: String) {
            switch value {
            case .object(let object):
                for (key, child) in object.pairs { walk(child, path.isEmpty ? key : path + "." + key) }
            case .null, .array:
                break
            default:
                if let text = value.text, !path.isEmpty { values[path] = text }
            }
        }
        if case .string("reference")? = record["kind"] {
            walk(record["record"] ?? .null, "")
        } else if case .object(let object) = record {
            // A customer: its own fields, less what every record carries.
            walk(.object(ValueObject(object.pairs.filter { !["kind", "key", "source"].contains($0.0) })), "")
        }
        return values
    }
}
