import Foundation
import MuelleCore
import MuelleReaders
import Yams

extension ExpressionCompiler {
    /// `{ each: order_items, filter: ..., fields: {...} }` builds a list, one entry per element;
    /// `each: rows` walks the rows of a `group_by` group, each with its own line for errors.
    func each(_ call: FunctionCall) -> CompiledExpression {
        let items = itemSource(call.argument)
        let inner = insideItems(of: call.argument)
        let filter = call.option("filter").map(inner.condition)
        let body: CompiledExpression
        switch (call.option("fields"), call.option("value")) {
        case (let fields?, nil):
            guard let pairs = fields.stringKeyedPairs else {
                source.error("'fields' of 'each' must be a mapping of output fields", at: fields)
                return .constant(.null)
            }
            body = inner.object(pairs)
        case (nil, let value?):
            body = inner.expression(value)
        default:
            source.error("'each' needs either 'fields' (a list of objects) or 'value' (a list of values)", at: call.nameNode)
            return .constant(.null)
        }
        return CompiledExpression { scope in
            var output: [Value] = []
            try items(&scope) { scope in
                if let filter, try !filter(&scope) { return }
                output.append(try body(&scope))
            }
            return .array(output)
        }
    }

    /// `{ sum: order_items, of: { multiply: [quantity, unit_price] } }`, optionally over the elements a
    /// `filter:` selects (`{ sum: fee_lines, filter: { matches: name, pattern: … }, of: total }`).
    func sum(_ call: FunctionCall) -> CompiledExpression {
        let items = itemSource(call.argument)
        guard let ofNode = call.option("of") else {
            source.error("'sum' needs 'of', the value to add up for each element", at: call.nameNode)
            return .constant(.null)
        }
        let inner = insideItems(of: call.argument)
        let term = inner.expression(ofNode)
        // The same `filter:` as `each`'s: only the elements it selects are added up.
        let filter = call.option("filter").map(inner.condition)
        return CompiledExpression { scope in
            // In integer fixed point while every term and the running total fit; `Decimal` from the first that does not.
            var exact: ExactNumber? = ExactNumber(mantissa: 0, scale: 0)
            var total: Decimal = 0
            try items(&scope) { scope in
                if let filter, try !filter(&scope) { return }
                let value = try term(&scope)
                guard !value.isBlank else { return }
                if let sum = exact, let text = value.text, let number = ExactNumber(text), let added = sum.adding(number) {
                    exact = added
                    return
                }
                if let sum = exact {
                    total = sum.decimal
                    exact = nil
                }
                total += try Self.number(value, field: term.sourceField, scope: scope)
            }
            if let exact { return .number(exact.text()) }
            return .number(ExactDecimal.plain(total))
        }
    }

    /// The compiler for what is read from each element: a row of the input (`each: rows`), or an
    /// element of a list inside the record, whose fields are not the input's own columns.
    private func insideItems(of node: Node) -> ExpressionCompiler {
        let prefix: [String]?
        if node.string == "rows" {
            prefix = []
        } else if node.isStringScalar, let text = node.string, let path = FieldPath.parse(text, splitting: splitsPaths) {
            prefix = context.recordKeys(path)
        } else {
            prefix = nil
        }
        return with {
            $0.levels.append(node.string == "rows")
            $0.prefixes.append(prefix)
        }
    }

    typealias ItemVisitor = (inout EvalScope) throws -> Void

    /// Walks a list in the record, pushing each element as the current scope.
    private func itemSource(_ node: Node) -> @Sendable (inout EvalScope, ItemVisitor) throws -> Void {
        if node.string == "rows" {
            return { scope, visit in
                let saved = scope.position
                for row in scope.rows {
                    scope.values.append(row.value)
                    scope.position = row.position
                    defer { scope.values.removeLast(); scope.position = saved }
                    try visit(&scope)
                }
            }
        }
        // A list named in the record is read element by element: only what the body reads of them is needed.
        let list = node.isStringScalar ? with { $0.readsList = true }.expression(node) : expression(node)
        return { scope, visit in
            let value = try list(&scope)
            let elements: [Value]
            switch value {
            case .array(let a): elements = a
            case .null: elements = []
            default: elements = [value] // one XML child is not wrapped in a list
            }
            for element in elements {
                scope.values.append(element)
                defer { scope.values.removeLast() }
                try visit(&scope)
            }
        }
    }

    func tableLookup(_ call: FunctionCall) -> CompiledExpression {
        guard let tableNode = call.option("table"), let pairs = tableNode.stringKeyedPairs else {
            source.error("'map' needs a 'table' of input value: output value", at: call.option("table") ?? call.nameNode)
            return .constant(.null)
        }
        var table: [String: Value] = [:]
        for pair in pairs { table[pair.key] = constant(pair.value) }
        let fallback = call.option("default").map(constant)
        let subject = scalar(expression(call.argument), path: call.argument.string)
        let where_ = "\(source.file):\(tableNode.mark?.line ?? 1)"
        let label = subject.sourceField
        return CompiledExpression(sourceField: label) { [table] scope in
            let value = try subject(&scope)
            let key = value.text ?? ""
            if let mapped = table[key] { return mapped }
            if let fallback { return fallback }
            throw MuelleError(.unmappedValue, "the value \(QuotedInput.quote(key)) is not in the table at \(where_); add a line `\(key.isEmpty ? "\"\"" : QuotedInput.bounded(key)): <value>` there", at: scope.position.with(field: label))
        }
    }
}
