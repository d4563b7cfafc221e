import Foundation
import MuelleCore
import Yams

extension ExpressionCompiler {
    /// Compiles one function call; every function checks its options here, at load.
    func function(_ call: FunctionCall) -> CompiledExpression {
        if Self.conditionNames.contains(call.name) {
            let test = conditionFunction(call)
            return CompiledExpression { scope in .bool(try test(&scope)) }
        }
        switch call.name {
        case "const":
            return options(call, []) { .constant(constant(call.argument)) }
        case "string":
            return options(call, []) { unary(call) { value, _ in value.text.map(Value.string) ?? .null } }
        case "trim":
            return options(call, []) { stringFunction(call) { Value.trimmed($0) } }
        case "upper":
            return options(call, []) { stringFunction(call) { $0.uppercased() } }
        case "lower":
            return options(call, []) { stringFunction(call) { $0.lowercased() } }
        case "html_text":
            return options(call, []) { stringFunction(call, HTMLText.plain) }
        case "decode_entities":
            return options(call, []) { stringFunction(call, HTMLEntities.decode) }
        case "concat", "join":
            return options(call, ["separator"]) { join(call) }
        case "split":
            return options(call, ["separator", "index"]) { split(call) }
        case "replace":
            return options(call, ["pattern", "with"]) { replace(call) }
        case "regex":
            return options(call, ["pattern", "group"]) { regexCapture(call) }
        case "coalesce":
            return options(call, []) { coalesce(call) }
        case "optional":
            // Only a mark for the header check: an absent column or path already reads as null.
            return options(call, []) { with { $0.optional = true }.expression(call.argument) }
        case "meta":
            return options(call, []) { metadata(call) }
        case "map":
            return options(call, ["table", "default"]) { tableLookup(call) }
        case "if":
            return options(call, ["then", "else"]) { conditional(call) }
        case "integer":
            return options(call, []) { integer(call) }
        case "decimal":
            return options(call, ["decimal_separator", "thousands_separator", "round"]) { decimal(call) }
        case "datetime":
            return options(call, ["format", "timezone"]) { datetime(call) }
        case "multiply", "add", "subtract":
            return options(call, ["scale"]) { arithmetic(call) }
        case "divide":
            return options(call, ["scale", "exact"]) { arithmetic(call) }
        case "sum":
            return options(call, ["of", "filter"]) { sum(call) }
        case "lookup":
            return options(call, ["in", "field"]) { lookup(call) }
        case "each":
            return options(call, ["fields", "value", "filter"]) { each(call) }
        case "count":
            return options(call, []) { unary(call, scalar: false) { value, _ in
                if case .array(let a) = value { return .number(String(a.count)) }
                return .number(value == .null ? "0" : "1")
            } }
        case "first":
            return options(call, []) { unary(call, scalar: false) { value, _ in
                if case .array(let a) = value { return a.first ?? .null }
                return value
            } }
        default:
            source.error("unknown function '\(call.name)'", at: call.nameNode)
            return .constant(.null)
        }
    }

    /// Rejects options a function does not take, then compiles it.
    private func options(_ call: FunctionCall, _ allowed: Set<String>, _ build: () -> CompiledExpression) -> CompiledExpression {
        for extra in call.unknownOptions(allowed: allowed) {
            let known = allowed.isEmpty ? "it takes no options" : "it takes \(allowed.sorted().map { "'\($0)'" }.joined(separator: ", "))"
            source.error("'\(call.name)' has no option '\(extra.key)'; \(known)", at: extra.keyNode)
        }
        return build()
    }

    func unary(_ call: FunctionCall, scalar expectsScalar: Bool = true, _ body: @escaping @Sendable (Value, inout EvalScope) throws -> Value) -> CompiledExpression {
        let argument = expectsScalar ? scalar(expression(call.argument), path: call.argument.string) : expression(call.argument)
        return CompiledExpression(sourceField: argument.sourceField) { scope in
            try body(try argument(&scope), &scope)
        }
    }

    private func stringFunction(_ call: FunctionCall, _ transform: @escaping @Sendable (String) -> String) -> CompiledExpression {
        unary(call) { value, _ in value.text.map { .string(transform($0)) } ?? .null }
    }

    /// Arguments given as a list: `[a, b, c]`.
    func arguments(_ call: FunctionCall, scalar expectsScalar: Bool = true) -> [CompiledExpression] {
        let items: [Node]
        if case .sequence(let list) = call.argument { items = Array(list) } else { items = [call.argument] }
        return items.map { expectsScalar ? scalar(expression($0), path: $0.string) : expression($0) }
    }

    func literalString(_ call: FunctionCall, _ key: String, default fallback: String? = nil) -> String? {
        guard let node = call.option(key) else { return fallback }
        guard case .scalar(let scalar) = node else {
            source.error("'\(key)' of '\(call.name)' must be a single value", at: node)
            return fallback
        }
        return scalar.string
    }

    func literalInt(_ call: FunctionCall, _ key: String) -> Int? {
        guard let node = call.option(key) else { return nil }
        guard let n = node.int else {
            source.error("'\(key)' of '\(call.name)' must be a whole number", at: node)
            return nil
        }
        return n
    }

    /// The call's `pattern`, compiled once; a pattern PCRE2 refuses, or one shaped to backtrack
    /// exponentially (`RegexRisk`), is a mapping error.
    func compiledRegex(_ call: FunctionCall) -> BoundedRegex? {
        guard let pattern = literalString(call, "pattern") else {
            source.error("'\(call.name)' needs a 'pattern'", at: call.nameNode)
            return nil
        }
        do throws(BoundedRegex.InvalidPattern) {
            let regex = try BoundedRegex(pattern)
            if let risk = RegexRisk.problem(in: pattern) {
                source.error("the pattern '\(pattern)' could take too long: \(risk). Require something between the repeats, or make the inner repeat possessive (a++) or atomic ((?>a+))", at: call.option("pattern"))
                return nil
            }
            return regex
        } catch {
            source.error("'\(pattern)' is not a valid regular expression: \(error.message) at character \(error.character)", at: call.option("pattern"))
            return nil
        }
    }

    /// A value on which `regex` needed more than its limits: the record is rejected, naming the field.
    static func regexLimit(_ limit: BoundedRegex.LimitExceeded, _ regex: BoundedRegex, text: String, scope: EvalScope, field: String?) -> MuelleError {
        MuelleError(.regexLimit, "the pattern '\(regex.pattern)' needed \(limit.description) on this value of \(text.count) characters and was stopped; simplify the pattern (anchor it, make repeats possessive: a++)",
                    at: scope.position.with(field: field))
    }

    private func join(_ call: FunctionCall) -> CompiledExpression {
        let parts = arguments(call)
        let separator = literalString(call, "separator", default: call.name == "join" ? " " : "") ?? ""
        let skipsBlanks = call.name == "join"
        return CompiledExpression { scope in
            var texts: [String] = []
            for part in parts {
                let value = try part(&scope)
                guard let text = value.text else { continue }
                if skipsBlanks, Value.isBlank(text) { continue }
                texts.append(skipsBlanks ? Value.trimmed(text) : text)
            }
            return texts.isEmpty && skipsBlanks ? .null : .string(texts.joined(separator: separator))
        }
    }

    private func split(_ call: FunctionCall) -> CompiledExpression {
        let separator = literalString(call, "separator", default: ",") ?? ","
        let index = literalInt(call, "index")
        return unary(call) { value, _ in
            guard let text = value.text else { return .null }
            let parts = text.components(separatedBy: separator).map { Value.string($0) }
            guard let index else { return .array(parts) }
            let i = index >= 0 ? index : parts.count + index
            return i >= 0 && i < parts.count ? parts[i] : .null
        }
    }

    private func replace(_ call: FunctionCall) -> CompiledExpression {
        let regex = compiledRegex(call)
        let template = BoundedRegex.Template(literalString(call, "with", default: "") ?? "")
        if let regex, template.highestGroup > regex.captureCount {
            source.error("'with' uses group \(template.highestGroup) but the pattern has \(regex.captureCount) capture group(s); write \\$ for a literal $", at: call.option("with"))
        }
        return unary(call) { [label = call.argument.string] value, scope in
            guard let text = value.text, let regex else { return value }
            do throws(BoundedRegex.LimitExceeded) {
                return .string(try regex.replacingMatches(in: text, with: template))
            } catch {
                throw Self.regexLimit(error, regex, text: text, scope: scope, field: label)
            }
        }
    }

    private func regexCapture(_ call: FunctionCall) -> CompiledExpression {
        let regex = compiledRegex(call)
        let group = literalInt(call, "group") ?? 1
        if let regex, group > regex.captureCount {
            source.error("the pattern has \(regex.captureCount) capture group(s); there is no group \(group)", at: call.option("group") ?? call.option("pattern"))
        }
        return unary(call) { [label = call.argument.string] value, scope in
            guard let text = value.text, let regex, group >= 0 else { return .null }
            do throws(BoundedRegex.LimitExceeded) {
                guard let groups = try regex.firstMatch(in: text), group < groups.count, let captured = groups[group] else { return .null }
                return .string(String(captured))
            } catch {
                throw Self.regexLimit(error, regex, text: text, scope: scope, field: label)
            }
        }
    }

    /// The input needs only one of the arguments: the others may be absent (a constant argument
    /// is always there, so then all of them may).
    private func coalesce(_ call: FunctionCall) -> CompiledExpression {
        guard let log = references, case .sequence(let items) = call.argument, items.count > 1 else {
            return firstNotBlank(arguments(call, scalar: false))
        }
        var alternatives: [[SourceRequirement]] = []
        let candidates = items.map { item in
            let (candidate, requirements) = log.capture { expression(item) }
            alternatives.append(requirements)
            return candidate
        }
        if !alternatives.contains(where: \.isEmpty) { log.add(.anyOf(alternatives)) }
        return firstNotBlank(candidates)
    }

    private func firstNotBlank(_ candidates: [CompiledExpression]) -> CompiledExpression {
        CompiledExpression(sourceField: candidates.first?.sourceField) { scope in
            for candidate in candidates {
                let value = try candidate(&scope)
                if !value.isBlank { return value }
            }
            return .null
        }
    }

    private func conditional(_ call: FunctionCall) -> CompiledExpression {
        let test = condition(call.argument)
        let then = call.option("then").map(expression) ?? .constant(.null)
        let otherwise = call.option("else").map(expression) ?? .constant(.null)
        if call.option("then") == nil { source.error("'if' needs a 'then'", at: call.nameNode) }
        return CompiledExpression { scope in
            try test(&scope) ? try then(&scope) : try otherwise(&scope)
        }
    }
}
