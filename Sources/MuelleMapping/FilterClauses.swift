import MuelleCore
import Yams

/// One clause of the route's `filter:` — each item of a top-level `all:`, else the whole filter — so
/// that records the filter turns away can be explained clause by clause.
struct FilterClause: Sendable {
    let test: CompiledCondition
    /// What the clause looks at (`Financial Status` of `{ equals: Financial Status, value: paid }`),
    /// shown as an example of what it turned away.
    let subject: CompiledExpression?
    /// The clause as written, and where (`mappings/shopify-orders.yaml:31:7`).
    let text: String
    let location: String
}

/// Why the records of one file that were read were not imported the first time, rule by rule:
/// how many each filter clause or import rule turned away, with one example value.
public struct FilterTally: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The clause or rule as written in the mapping.
        public var rule: String
        /// `mappings/<route>.yaml:line:column`.
        public var location: String
        public var count: Int
        /// The value the first record turned away had there, when the rule looks at one.
        public var example: String?

        /// `5 by mappings/shopify-orders.yaml:31:7 { equals: Financial Status, value: paid } (e.g. "pending")`
        public var description: String {
            "\(count) by \(location) \(rule)" + (example.map { " (e.g. \"\($0)\")" } ?? "")
        }
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// Counts one record turned away by `rule`; `example` is asked for only the first time.
    mutating func count(rule: String, location: String, example: () -> String?) {
        if let i = entries.firstIndex(where: { $0.location == location && $0.rule == rule }) {
            entries[i].count += 1
        } else {
            entries.append(Entry(rule: rule, location: location, count: 1, example: example()))
        }
    }

    /// Adds what another part of the same file turned away (the contract stage's import rules): a rule
    /// already counted keeps its place and first example.
    public mutating func add(_ other: FilterTally) {
        add(other.entries)
    }

    /// Adds entries in this order (see `add(_:)`).
    public mutating func add(_ others: [Entry]) {
        for entry in others {
            if let i = entries.firstIndex(where: { $0.location == entry.location && $0.rule == entry.rule }) {
                entries[i].count += entry.count
            } else {
                entries.append(entry)
            }
        }
    }

    /// One line: `filter turned away 5 by …; 2 by …`.
    public var description: String { entries.map(\.description).joined(separator: "; ") }
}

extension RouteCompiler {
    /// The route's filter, clause by clause.
    func filterClauses(_ node: Node, compiler: ExpressionCompiler) -> [FilterClause] {
        let items: [Node]
        if let pairs = node.stringKeyedPairs, pairs.count == 1, pairs[0].key == "all", case .sequence(let list) = pairs[0].value {
            items = Array(list)
        } else {
            items = [node]
        }
        // The example's subject is compiled a second time, apart: its problems are reported once,
        // and it is not a second reference.
        var quiet = ExpressionCompiler(source: YAMLSource(file: source.file, text: source.text),
                                       splitsPaths: compiler.splitsPaths, defaultTimeZone: compiler.defaultTimeZone)
        quiet.context = compiler.context
        quiet.metadataKeys = compiler.metadataKeys
        return items.map { item in
            FilterClause(test: compiler.condition(item), subject: subject(of: item, compiler: quiet),
                         text: item.flowText, location: "\(source.file):\(item.mark?.line ?? 1):\(item.mark?.column ?? 1)")
        }
    }

    /// The value a condition looks at: `X` of `{ equals: X, … }`, through any `not:`.
    private func subject(of node: Node, compiler: ExpressionCompiler) -> CompiledExpression? {
        guard let pairs = node.stringKeyedPairs, let call = ExpressionCompiler.functionCalls(in: pairs).first(where: { ExpressionCompiler.conditionNames.contains($0.key) }) else { return nil }
        switch call.key {
        case "equals", "in", "present", "blank", "matches": return compiler.expression(call.value)
        case "not": return subject(of: call.value, compiler: compiler)
        default: return nil
        }
    }
}
