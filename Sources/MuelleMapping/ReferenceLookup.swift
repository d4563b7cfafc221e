import MuelleCore
import Yams

/// Where a mapping's `lookup:` finds reference records while it maps: the ledger when muelle runs, the
/// reference routes' own mapping-test samples under `muelle try` and `muelle test`.
public protocol ReferenceSource: Sendable {
    /// The latest record of `route` under `key`, as field path → text; nil when there is none (yet).
    func values(route: String, key: String) throws -> [String: String]?
}

/// One `{ lookup: …, in: route, field: … }` of a mapping, where it is written: checked against the
/// other routes once every mapping of the workspace is compiled.
public struct LookupUse: Sendable, Equatable {
    public var route: String
    public var field: String
    public var file: String
    public var line: Int
    public var column: Int
    /// Where `field` is written, for its own diagnostic.
    public var fieldLine: Int
    public var fieldColumn: Int
    /// The lines and carets `muelle check` shows under each diagnostic.
    var snippet: String?
    var fieldSnippet: String?
}

extension ExpressionCompiler {
    /// `{ lookup: id_address_delivery, in: prestashop-addresses, field: city }`: the `field` of the record
    /// the reference route keeps under the key. A key that finds nothing throws `lookup_missing`, which
    /// holds the file until the reference data arrives; it is never guessed.
    func lookup(_ call: FunctionCall) -> CompiledExpression {
        guard let route = literalString(call, "in"), !route.isEmpty else {
            source.error("'lookup' needs 'in', the reference route to look in (e.g. in: prestashop-addresses)", at: call.nameNode)
            return .constant(.null)
        }
        guard let field = literalString(call, "field"), !field.isEmpty else {
            source.error("'lookup' needs 'field', the field of the reference record to read", at: call.nameNode)
            return .constant(.null)
        }
        let inNode = call.option("in") ?? call.nameNode
        let fieldNode = call.option("field") ?? call.nameNode
        references?.lookup(LookupUse(route: route, field: field, file: source.file, line: inNode.mark?.line ?? 1, column: inNode.mark?.column ?? 1,
                                     fieldLine: fieldNode.mark?.line ?? 1, fieldColumn: fieldNode.mark?.column ?? 1,
                                     snippet: source.snippet(line: inNode.mark?.line ?? 1, column: inNode.mark?.column ?? 1),
                                     fieldSnippet: source.snippet(line: fieldNode.mark?.line ?? 1, column: fieldNode.mark?.column ?? 1)))
        let key = scalar(expression(call.argument), path: call.argument.string)
        let label = key.sourceField
        let written = "\(source.file):\(call.nameNode.mark?.line ?? 1)"
        return CompiledExpression(sourceField: label) { scope in
            guard let text = try key(&scope).text.map(Value.trimmed), !text.isEmpty else { return .null }
            guard let values = try scope.references?.values(route: route, key: text) else {
                throw MuelleError(.lookupMissing, "no record with key \(QuotedInput.quote(text)) in the reference route '\(route)' (yet): the lookup at \(written) finds nothing to read '\(field)' from",
                                  at: scope.position.with(field: label))
            }
            return values[field].map(Value.string) ?? .null
        }
    }
}

/// The cross-route half of `muelle check` for lookups: each names a route of the workspace that is of
/// kind `reference` and keeps the field it reads.
public enum LookupCheck {
    /// Problems by route name (the mapping that does the lookup).
    public static func problems(in mappings: [RouteMapping], unloadable: Set<String> = []) -> [String: [MappingDiagnostic]] {
        let byName = Dictionary(mappings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [String: [MappingDiagnostic]] = [:]
        for mapping in mappings {
            for use in mapping.lookups {
                let message: String
                var line = use.line, column = use.column, snippet = use.snippet
                if let target = byName[use.route] {
                    guard target.kind.keepsReferenceData else {
                        message = "'\(use.route)' is a route of kind \(target.kind.rawValue): a lookup reads a route of kind reference or customers"
                        problems[mapping.name, default: []].append(MappingDiagnostic(file: use.file, line: line, column: column, message: message, snippet: snippet))
                        continue
                    }
                    guard !target.referenceFields.contains(use.field) else { continue }
                    (line, column, snippet) = (use.fieldLine, use.fieldColumn, use.fieldSnippet)
                    message = "the reference route '\(use.route)' keeps no field '\(use.field)'; it keeps \(target.referenceFields.joined(separator: ", "))"
                } else if unloadable.contains(use.route) {
                    continue // its own errors are reported; this lookup waits for them to be fixed
                } else {
                    let known = mappings.filter { $0.kind.keepsReferenceData }.map(\.name).sorted()
                    message = "there is no route '\(use.route)' (mappings/\(use.route).yaml) to look up in" + (known.isEmpty ? "" : "; reference routes are \(known.joined(separator: ", "))")
                }
                problems[mapping.name, default: []].append(MappingDiagnostic(file: use.file, line: line, column: column, message: message, snippet: snippet))
            }
        }
        return problems
    }
}
