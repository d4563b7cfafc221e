import MuelleCore
import Yams

extension RouteCompiler {
    /// The fields the record kind's contract requires must be produced by the mapping: one it lacks
    /// would reject every record at run time, one field per run. All of an object's missing fields are
    /// named at once, at the object (`fields:`, or the `fields:` of `lines: { each: … }`).
    func checkRequiredFields(_ fields: Node, kind: RecordKind, productKey: String?) {
        let required = kind.requiredFields
        reportMissing(required[""] ?? [], in: fields, what: kind.recordName)
        for (object, names) in required.sorted(by: { $0.key < $1.key }) where !object.isEmpty {
            // A nested object the mapping leaves out is named above; one it builds with a function
            // other than `each … fields` cannot be looked into before run time.
            guard let node = fields.member(object), Self.produces(node) else { continue }
            let inner: Node
            if let each = node.member("fields"), node.member("each") != nil {
                inner = each
            } else if let pairs = node.stringKeyedPairs, !pairs.contains(where: { ExpressionCompiler.functionNames.contains($0.key) }) {
                inner = node
            } else {
                continue
            }
            // The route's product key names the line field that is the product key (checked apart).
            let names = object == "lines" && productKey != nil ? names.filter { $0 != "product_key" } : names
            reportMissing(names, in: inner, what: object == "lines" ? "each of \(kind.recordName)'s lines" : "'\(object)' of \(kind.recordName)")
        }
    }

    /// A customer route says which field keys its customers, and its mapping must produce that field.
    func checkCustomerKey(_ settings: RouteSettings, fields: Node, route: Node) {
        guard settings.kind == .customers else { return }
        guard let key = settings.customerKey else {
            source.error("a customer route needs customer_key, the field that tells customers apart: \(CustomerContract.keyFields.joined(separator: ", "))", at: route)
            return
        }
        if !(fields.member(key).map(Self.produces) ?? false) {
            source.error("a customer needs '\(key)', the route's customer_key, but the mapping produces no value for it", at: fields)
        }
    }

    private func reportMissing(_ names: [String], in object: Node, what: String) {
        guard object.stringKeyedPairs != nil else { return }
        let missing = names.filter { name in object.member(name).map { !Self.produces($0) } ?? true }
        guard !missing.isEmpty else { return }
        let list = missing.map { "'\($0)'" }.joined(separator: ", ")
        let constant = missing.contains { object.member($0) != nil } ? " (a field mapped to null or `{ const: null }` counts as missing)" : ""
        source.error("\(what) needs \(list), but the mapping produces no value for \(missing.count == 1 ? "it" : "them")\(constant)", at: object)
    }

    /// False for an expression that can only yield nothing: `null`, `{ const: null }`, `{ const: "" }`.
    static func produces(_ node: Node) -> Bool {
        if case .scalar = node, !node.isStringScalar, node.null != nil { return false }
        if let pairs = node.stringKeyedPairs, pairs.count == 1, pairs[0].key == "const" {
            let value = pairs[0].value
            if value.null != nil && !value.isStringScalar { return false }
            if value.isStringScalar, (value.string ?? "").allSatisfy(\.isWhitespace) { return false }
        }
        return true
    }
}
