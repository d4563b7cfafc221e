import Foundation
import MuelleCore
import MuelleReaders
import Yams

/// The `shipping:` section of an order route: which imported orders become shipments, with which
/// carrier profile (`mappings/carriers/<carrier>.yaml`), agreement and service, and how parcels are made.
///
/// Rules are conditions on the normalised order (`shipping_address.country`, `totals.grand_total`);
/// the first that matches decides; `ship: false` keeps matching orders out.
public struct ShippingSettings: Sendable {
    public struct Rule: Sendable {
        let condition: CompiledCondition
        public var service: String?
        public var agreement: String?
        public var ship: Bool
    }

    /// What to ship for one order.
    public struct Plan: Sendable, Equatable {
        public var service: String
        public var agreement: String?
        public var cashOnDelivery: Decimal?
    }

    public var carrier = ""
    public var service = ""
    public var agreement: String?
    public var sender: String?
    public var weightPerItemKg: Decimal = 1
    public var boxCm: (length: Decimal, width: Decimal, height: Decimal) = (30, 20, 10)
    public var rules: [Rule] = []
    /// Shipments per print job: an input's labels go to the printer in PDFs of at most this many.
    public var labelsPerPrintJob = 250
    var cashOnDelivery: CompiledExpression?

    static let keys: Set<String> = ["carrier", "service", "agreement", "sender", "weight_per_item_kg", "box_cm", "rules", "cash_on_delivery", "labels_per_print_job"]

    /// The plan for a normalised order, or nil when it is not to be shipped.
    public func plan(for order: Value) throws -> Plan? {
        var scope = EvalScope(group: [SourceRecord(value: order, position: InputPosition())])
        var plan = Plan(service: service, agreement: agreement, cashOnDelivery: nil)
        for rule in rules where try rule.condition(&scope) {
            guard rule.ship else { return nil }
            plan.service = rule.service ?? plan.service
            plan.agreement = rule.agreement ?? plan.agreement
            break
        }
        if let cashOnDelivery, let text = try cashOnDelivery(&scope).text, let amount = ExactDecimal.parse(text), amount > 0 {
            plan.cashOnDelivery = amount
        }
        return plan
    }

    init?(source: YAMLSource, node: Node?) {
        guard let node else { return nil }
        guard let pairs = node.stringKeyedPairs else {
            source.error("'shipping' is a mapping: carrier, service, agreement, sender, rules, …", at: node)
            return nil
        }
        for pair in pairs where !Self.keys.contains(pair.key) {
            source.error("unknown shipping setting '\(pair.key)'; settings are \(Self.keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        carrier = node.member("carrier")?.string ?? ""
        service = node.member("service")?.string ?? ""
        if carrier.isEmpty { source.error("'shipping' needs a 'carrier' (a profile in mappings/carriers/)", at: node) }
        if service.isEmpty { source.error("'shipping' needs a default 'service'", at: node) }
        agreement = node.member("agreement")?.string
        sender = node.member("sender")?.string
        if let weight = node.member("weight_per_item_kg") {
            if let value = weight.string.flatMap({ ExactDecimal.parse($0) }), value > 0 { weightPerItemKg = value } else {
                source.error("weight_per_item_kg is a positive number of kilograms", at: weight)
            }
        }
        if let box = node.member("box_cm") {
            let sides = (box.string ?? "").lowercased().split(separator: "x").compactMap { ExactDecimal.parse(String($0)) }
            if sides.count == 3, sides.allSatisfy({ $0 > 0 }) { boxCm = (sides[0], sides[1], sides[2]) } else {
                source.error("box_cm reads like 30x20x10 (length x width x height in cm)", at: box)
            }
        }
        if let perJob = node.member("labels_per_print_job") {
            if let value = perJob.string.flatMap({ Int($0) }), value > 0 { labelsPerPrintJob = value } else {
                source.error("labels_per_print_job is a whole number of shipments (250 by default)", at: perJob)
            }
        }
        let compiler = ExpressionCompiler(source: source, splitsPaths: true, defaultTimeZone: nil)
        cashOnDelivery = node.member("cash_on_delivery").map(compiler.expression)
        if let rulesNode = node.member("rules") {
            guard case .sequence(let items) = rulesNode else {
                source.error("'rules' is a list of { when: condition, service: …, agreement: …, ship: true/false }", at: rulesNode)
                return
            }
            for item in items {
                guard let when = item.member("when") else {
                    source.error("a shipping rule needs 'when', a condition on the order", at: item)
                    continue
                }
                for pair in item.stringKeyedPairs ?? [] where !["when", "service", "agreement", "ship"].contains(pair.key) {
                    source.error("unknown rule setting '\(pair.key)'; rules take when, service, agreement, ship", at: pair.keyNode)
                }
                rules.append(Rule(condition: compiler.condition(when), service: item.member("service")?.string,
                                  agreement: item.member("agreement")?.string, ship: item.member("ship")?.bool ?? true))
            }
        }
    }
}
