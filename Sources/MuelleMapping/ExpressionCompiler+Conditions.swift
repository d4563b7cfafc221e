import Foundation
import MuelleCore
import Yams

extension ExpressionCompiler {
    /// `equals`, `in`, `not`, `all`, `any`, `present`, `blank`, `matches`.
    func conditionFunction(_ call: FunctionCall) -> CompiledCondition {
        let allowed: Set<String> = switch call.name {
        case "equals": ["value"]
        case "in": ["values"]
        case "matches": ["pattern"]
        default: []
        }
        for extra in call.unknownOptions(allowed: allowed) {
            source.error("'\(call.name)' has no option '\(extra.key)'", at: extra.keyNode)
        }
        switch call.name {
        case "equals":
            let subject = scalar(expression(call.argument), path: call.argument.string)
            guard let expected = call.option("value") else {
                source.error("'equals' needs a 'value' to compare with", at: call.nameNode)
                return CompiledCondition { _ in false }
            }
            let target = constant(expected).text
            return CompiledCondition { scope in try subject(&scope).text == target }
        case "in":
            // A list passes (any element may be in the set); an XML element with children does not.
            let subject = scalar(expression(call.argument), path: call.argument.string)
            guard case .sequence(let items)? = call.option("values") else {
                source.error("'in' needs 'values', a list of accepted values", at: call.option("values") ?? call.nameNode)
                return CompiledCondition { _ in false }
            }
            let accepted = Set(items.compactMap { constant($0).text ?? ($0.null != nil ? "" : nil) })
            return CompiledCondition { scope in
                // A list is in the set when any of its elements is (`tags` of an order).
                if case .array(let elements) = try subject(&scope) {
                    return elements.contains { accepted.contains($0.text ?? "") }
                }
                return accepted.contains(try subject(&scope).text ?? "")
            }
        case "not":
            let inner = condition(call.argument)
            return CompiledCondition { scope in !(try inner(&scope)) }
        case "all", "any":
            guard case .sequence(let items) = call.argument else {
                source.error("'\(call.name)' takes a list of conditions", at: call.argument)
                return CompiledCondition { _ in false }
            }
            let parts = items.map(condition)
            if call.name == "all" {
                return CompiledCondition { scope in try parts.allSatisfy { try $0(&scope) } }
            }
            return CompiledCondition { scope in try parts.contains { try $0(&scope) } }
        case "present", "blank":
            let subject = expression(call.argument)
            let wantsPresent = call.name == "present"
            return CompiledCondition { scope in try subject(&scope).isBlank != wantsPresent }
        default: // matches
            let subject = scalar(expression(call.argument), path: call.argument.string)
            let regex = compiledRegex(call)
            return CompiledCondition { [label = call.argument.string] scope in
                guard let text = try subject(&scope).text, let regex else { return false }
                do throws(BoundedRegex.LimitExceeded) {
                    return try regex.matches(text)
                } catch {
                    throw Self.regexLimit(error, regex, text: text, scope: scope, field: label)
                }
            }
        }
    }
}
