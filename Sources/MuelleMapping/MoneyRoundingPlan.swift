import MuelleCore
import Yams

extension RecordKind {
    /// The money fields of the kind, by path without indexes (`lines.unit_price`).
    var moneyFields: Set<String> {
        switch self {
        case .orders: return OrderContract.moneyFields
        case .products: return ProductContract.moneyFields
        case .orderEvents, .promotions, .customers, .reference: return []
        }
    }
}

extension RouteCompiler {
    /// The roundings the mapping declares: `{ decimal: X, round: half_even }` as the whole value of a
    /// money field (`unit_price` of `lines: { each: …, fields: … }`, `totals.shipping`). A rounding
    /// anywhere else is an error, since only a money field knows its currency's places.
    func moneyRounding(_ fields: Node, kind: RecordKind) -> MoneyRounding {
        var plan = MoneyRounding()
        visit(fields, at: "", kind: kind, plan: &plan)
        return plan
    }

    /// `path` is the output field `node` is the whole value of, or nil inside a function's arguments.
    private func visit(_ node: Node, at path: String?, kind: RecordKind, plan: inout MoneyRounding) {
        switch node {
        case .sequence(let items):
            for item in items { visit(item, at: nil, kind: kind, plan: &plan) }
        case .mapping:
            guard let pairs = node.stringKeyedPairs else { return }
            let keys = Set(pairs.map(\.key))
            if keys.contains("decimal"), let round = node.member("round") {
                let money = kind.moneyFields
                if let path, money.contains(path) {
                    if let mode = MoneyRounding.Mode(rawValue: round.string ?? "") { plan.modes[path] = mode }
                } else {
                    let fields = money.sorted().joined(separator: ", ")
                    let here = path.map { "'\($0)' is not a money field" } ?? "here it is inside another function"
                    source.error("'round' rounds a money field to its currency's places, so it goes on the decimal that is the whole value of one (\(fields.isEmpty ? "this kind of route has none" : fields)); \(here)", at: pairs.first { $0.key == "round" }?.keyNode ?? round)
                }
                for pair in pairs where pair.key != "round" { visit(pair.value, at: nil, kind: kind, plan: &plan) }
            } else if keys.contains("each"), let path, let body = node.member("fields") {
                // Each element's fields are the list's fields: `lines.unit_price`.
                visit(body, at: path, kind: kind, plan: &plan)
                for pair in pairs where pair.key != "fields" { visit(pair.value, at: nil, kind: kind, plan: &plan) }
            } else if !keys.isDisjoint(with: ExpressionCompiler.functionNames) {
                for pair in pairs { visit(pair.value, at: nil, kind: kind, plan: &plan) }
            } else {
                for pair in pairs {
                    visit(pair.value, at: path.map { $0.isEmpty ? pair.key : "\($0).\(pair.key)" }, kind: kind, plan: &plan)
                }
            }
        default:
            return
        }
    }
}
