import MuelleCore
import Yams

/// Compiles mapping expressions from YAML nodes into closures, once, at load.
///
/// The grammar: a string is a reference to a field of the record (a CSV column, or a JSON/XML path);
/// a number, boolean or null is itself; `{ const: X }` is the constant X; a mapping with one function
/// key (`upper`, `decimal`, `map`, …) is a function call whose other keys are its options; any other
/// mapping is a nested object whose keys are output fields.
struct ExpressionCompiler {
    let source: YAMLSource
    /// Split references on `.` and `/` (JSON, XML) or take them whole (CSV columns).
    let splitsPaths: Bool
    /// Time zone for date/times written without an offset (the route's `timezone:`).
    let defaultTimeZone: String?
    /// Records the input fields read by `group_by`, `filter` and `fields` (nil elsewhere).
    var references: ReferenceLog? = nil
    /// The keys `{ meta: … }` may read: the standard ones and the captures of the route's `file_pattern`;
    /// nil where expressions read a normalised record (`output:`, `shipping:`), not an input.
    var metadataKeys: [String]? = nil
    /// XML input: an element with attributes reads as its text (`XMLElementValue`).
    var readsXML = false
    var context = ReferenceContext()

    /// The same compiler, for an expression read in another context.
    func with(_ change: (inout ReferenceContext) -> Void) -> ExpressionCompiler {
        var copy = self
        change(&copy.context)
        return copy
    }

    func expression(_ node: Node) -> CompiledExpression {
        switch node {
        case .scalar(let scalar):
            if node.isStringScalar { return reference(scalar.string, node) }
            return .constant(constant(node))
        case .sequence:
            source.error("a list is not an expression here; use `{ const: [...] }` for a constant list or `concat:` to join values", at: node)
            return .constant(.null)
        case .alias:
            source.error("YAML aliases are not supported in mappings", at: node)
            return .constant(.null)
        case .mapping:
            guard let pairs = node.stringKeyedPairs else {
                source.error("keys of a mapping must be plain names", at: node)
                return .constant(.null)
            }
            let calls = Self.functionCalls(in: pairs)
            if calls.count > 1 {
                source.error("one function per expression: found \(calls.map { "'\($0.key)'" }.joined(separator: " and ")); nest them instead", at: calls[1].keyNode)
                return .constant(.null)
            }
            if let call = calls.first {
                return function(FunctionCall(name: call.key, nameNode: call.keyNode, argument: call.value, node: node, pairs: pairs))
            }
            if pairs.count == 1, let only = pairs.first, Self.looksLikeMisspelledFunction(only.key) {
                let suggestion = Self.closestFunction(to: only.key).map { " (did you mean '\($0)'?)" } ?? ""
                source.error("unknown function '\(only.key)'\(suggestion)", at: only.keyNode)
                return .constant(.null)
            }
            return object(pairs)
        }
    }

    /// A nested object template: every key is an output field, in the order written.
    func object(_ pairs: [(key: String, keyNode: Node, value: Node)]) -> CompiledExpression {
        let keys = KeyTable(pairs.map(\.key))
        let fields = pairs.map { expression($0.value) }
        return CompiledExpression { scope in
            var values: [Value] = []
            values.reserveCapacity(fields.count)
            for field in fields { values.append(try field(&scope)) }
            return .object(ValueObject(keys: keys, values: values))
        }
    }

    func reference(_ text: String, _ node: Node) -> CompiledExpression {
        guard let path = FieldPath.parse(text, splitting: splitsPaths) else {
            source.error("'\(text)' is not a valid field reference", at: node)
            return .constant(.null)
        }
        if let references, let keys = context.recordKeys(path) {
            references.readShape(keys, asList: context.readsList)
        }
        if let references, context.readsRecord(path) {
            var name = Substring(text)
            while name.hasPrefix("../") { name = name.dropFirst(3) }
            let reference = SourceReference(name: String(name), use: context.use, file: source.file,
                                            line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, path: path)
            references.read(reference)
            if !context.optional { references.add(.field(reference)) }
        }
        if readsXML { return CompiledExpression(sourceField: text) { scope in XMLElementValue.text(of: path.resolve(in: scope)) } }
        return CompiledExpression(sourceField: text) { scope in path.resolve(in: scope) }
    }

    func constant(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .bool(node.bool ?? false)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return .number(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let items):
            return .array(items.map(constant))
        case .mapping:
            return .object((node.stringKeyedPairs ?? []).map { ($0.key, constant($0.value)) })
        case .alias:
            return .null
        }
    }

    /// A condition: a condition function (`equals`, `in`, `all`, …), or any expression, true when it
    /// yields a value that is not blank, not `false` and not "false".
    func condition(_ node: Node) -> CompiledCondition {
        if let pairs = node.stringKeyedPairs, let call = Self.functionCalls(in: pairs).first(where: { Self.conditionNames.contains($0.key) }) {
            return conditionFunction(FunctionCall(name: call.key, nameNode: call.keyNode, argument: call.value, node: node, pairs: pairs))
        }
        let value = expression(node)
        return CompiledCondition { scope in Self.isTruthy(try value(&scope)) }
    }

    static func isTruthy(_ value: Value) -> Bool {
        switch value {
        case .bool(let b): return b
        case .null: return false
        case .string(let s): return !(Value.isBlank(s) || s.lowercased() == "false")
        case .number(let n): return ExactDecimal.parse(n).map { $0 != 0 } ?? true
        case .array(let a): return !a.isEmpty
        case .object: return true
        }
    }
}

/// A function call as written: `{ decimal: Total, decimal_separator: "," }`.
struct FunctionCall {
    let name: String
    let nameNode: Node
    let argument: Node
    let node: Node
    let pairs: [(key: String, keyNode: Node, value: Node)]

    func option(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    /// Options the function does not know are errors, so typos never pass silently.
    func unknownOptions(allowed: Set<String>) -> [(key: String, keyNode: Node, value: Node)] {
        pairs.filter { $0.key != name && !allowed.contains($0.key) }
    }
}

extension ExpressionCompiler {
    static let conditionNames: Set<String> = ["equals", "in", "not", "all", "any", "present", "matches", "blank"]

    static let functionNames: Set<String> = conditionNames.union([
        "const", "trim", "upper", "lower", "concat", "join", "split", "replace", "regex",
        "coalesce", "map", "if", "integer", "decimal", "datetime", "multiply", "add", "subtract",
        "divide", "sum", "each", "count", "first", "string", "optional", "meta", "html_text", "decode_entities", "lookup",
    ])

    /// Options named like a function, by the function they belong to: `{ lookup: id, in: addresses }`
    /// is a lookup, not an `in` condition.
    static let optionsNamedLikeFunctions: [String: Set<String>] = ["lookup": ["in"]]

    /// The keys of a mapping that call functions, leaving out options of another function among them.
    static func functionCalls(in pairs: [(key: String, keyNode: Node, value: Node)]) -> [(key: String, keyNode: Node, value: Node)] {
        let calls = pairs.filter { functionNames.contains($0.key) }
        let shadowed = calls.reduce(into: Set<String>()) { $0.formUnion(optionsNamedLikeFunctions[$1.key] ?? []) }
        return calls.filter { !shadowed.contains($0.key) }
    }

    static func looksLikeMisspelledFunction(_ key: String) -> Bool {
        closestFunction(to: key) != nil
    }

    static func closestFunction(to key: String) -> String? {
        functionNames
            .map { ($0, editDistance($0, key)) }
            .filter { $0.1 > 0 && $0.1 <= max(1, $0.0.count / 3) }
            .min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
