import Foundation
import MuelleCore
import Yams

extension ExpressionCompiler {
    func integer(_ call: FunctionCall) -> CompiledExpression {
        unary(call) { [label = call.argument.string] value, scope in
            guard let text = value.text, !Value.isBlank(text) else { return .null }
            if let whole = ExactNumber(text)?.wholeValue { return .number(String(whole)) }
            // "2.0" is a whole number in many JSON exports; "2.5" is not.
            guard let number = ExactDecimal.parse(text), number == number.rounded(scale: 0) else {
                let problem = ExactDecimal.sizeProblem(of: text) ?? "is not a whole number"
                throw MuelleError(.badNumber, "\(QuotedInput.quote(text)) \(problem)", at: scope.position.with(field: label))
            }
            return .number(ExactDecimal.plain(number))
        }
    }

    func decimal(_ call: FunctionCall) -> CompiledExpression {
        let decimalSeparator = singleCharacter(call, "decimal_separator") ?? "."
        let thousandsSeparator = singleCharacter(call, "thousands_separator")
        let decimalByte = decimalSeparator.asciiValue ?? UInt8(ascii: ".")
        let thousandsByte = thousandsSeparator?.asciiValue ?? 0
        if decimalSeparator == thousandsSeparator {
            source.error("the decimal and thousands separators must differ", at: call.option("thousands_separator"))
        }
        // The rounding itself happens where the field's currency is known (`MoneyRounding`); here only its name.
        if let round = call.option("round"), MoneyRounding.Mode(rawValue: round.string ?? "") == nil {
            let modes = MoneyRounding.Mode.allCases.map(\.rawValue).joined(separator: " or ")
            source.error("'round' of 'decimal' is \(modes), not '\(round.string ?? "")'", at: round)
        }
        return unary(call) { [label = call.argument.string] value, scope in
            if case .number = value, decimalSeparator == "." { return value }
            guard let text = value.text, !Value.isBlank(text) else { return .null }
            if let exact = ExactNumber(text, decimal: decimalByte, thousands: thousandsByte) { return .number(exact.text()) }
            guard let number = ExactDecimal.parse(text, decimalSeparator: decimalSeparator, thousandsSeparator: thousandsSeparator) else {
                let expected = thousandsSeparator.map { "with '\(decimalSeparator)' for decimals and '\($0)' for thousands" } ?? "with '\(decimalSeparator)' for decimals"
                let problem = ExactDecimal.sizeProblem(of: text, decimalSeparator: decimalSeparator, thousandsSeparator: thousandsSeparator)
                    ?? "is not a decimal number \(expected)"
                throw MuelleError(.badNumber, "\(QuotedInput.quote(text)) \(problem)", at: scope.position.with(field: label))
            }
            return .number(ExactDecimal.plain(number))
        }
    }

    private func singleCharacter(_ call: FunctionCall, _ key: String) -> Character? {
        guard let text = literalString(call, key) else { return nil }
        guard text.count == 1, let c = text.first else {
            source.error("'\(key)' must be one character, such as \",\" or \".\"", at: call.option(key))
            return nil
        }
        return c
    }

    func datetime(_ call: FunctionCall) -> CompiledExpression {
        let formatText = literalString(call, "format", default: "iso8601") ?? "iso8601"
        guard let pattern = DateTimePattern(formatText) else {
            source.error("'\(formatText)' is not a date format muelle understands (use yyyy MM dd HH mm ss SSS Z, or iso8601)", at: call.option("format"))
            return .constant(.null)
        }
        let zoneName = literalString(call, "timezone") ?? defaultTimeZone
        var zone: TimeZone?
        if let zoneName {
            zone = TimeZone(identifier: zoneName)
            if zone == nil { source.error("unknown time zone '\(zoneName)' (use an IANA name such as Europe/Madrid)", at: call.option("timezone") ?? call.nameNode) }
        }
        let fixedZone = zone
        return unary(call) { [label = call.argument.string] value, scope in
            guard let text = value.text, !Value.isBlank(text) else { return .null }
            guard let parsed = pattern.parse(text)?.normalisingLeapSecond(), parsed.year <= 9999 else {
                throw MuelleError(.badDate, "\(QuotedInput.quote(text)) is not a date/time in the format \(formatText) (years 0001 to 9999)",
                                  at: scope.position.with(field: label))
            }
            if let offset = parsed.offsetSeconds { return .string(parsed.iso8601(offsetSeconds: offset)) }
            guard let fixedZone else {
                throw MuelleError(.badDate, "\(QuotedInput.quote(text)) has no UTC offset and the mapping names no time zone; add `timezone:` to the route", at: scope.position.with(field: label))
            }
            let (placed, offset) = parsed.placed(in: fixedZone)
            return .string(placed.iso8601(offsetSeconds: offset))
        }
    }

    func arithmetic(_ call: FunctionCall) -> CompiledExpression {
        let operands = arguments(call)
        let scale = literalInt(call, "scale")
        let exact = exactQuotient(call, scale: scale)
        if operands.count < 2 { source.error("'\(call.name)' needs a list of at least two values", at: call.argument) }
        if call.name == "subtract" || call.name == "divide", operands.count != 2 {
            source.error("'\(call.name)' takes exactly two values", at: call.argument)
        }
        let name = call.name
        return CompiledExpression { scope in
            if let fast = try Self.fixedPointArithmetic(name, operands, scale: scale, scope: &scope) { return fast }
            var result: Decimal?
            for operand in operands {
                let value = try operand(&scope)
                if value.isBlank { return .null }
                let number = try Self.number(value, field: operand.sourceField, scope: scope)
                guard var acc = result else { result = number; continue }
                var operand_ = number, out = Decimal()
                let status: NSDecimalNumber.CalculationError
                switch name {
                case "multiply":
                    status = ExactDecimal.significantDigits(ofProduct: acc, number) > ExactDecimal.maximumDigits
                        ? .lossOfPrecision : NSDecimalMultiply(&out, &acc, &operand_, .plain)
                case "add": status = NSDecimalAdd(&out, &acc, &operand_, .plain)
                case "subtract": status = NSDecimalSubtract(&out, &acc, &operand_, .plain)
                default:
                    guard number != 0 else {
                        throw MuelleError(.badNumber, "division by zero", at: scope.position.with(field: operand.sourceField))
                    }
                    status = NSDecimalDivide(&out, &acc, &operand_, .plain)
                }
                // A quotient is rounded to 38 digits like any division; a sum or product that needs more, or
                // any result out of range, is refused rather than rounded.
                if status == .overflow || status == .underflow || (status == .lossOfPrecision && name != "divide") {
                    throw MuelleError(.badNumber, "the result of '\(name)' needs more than the \(ExactDecimal.maximumDigits) significant digits muelle holds exactly",
                                      at: scope.position.with(field: operand.sourceField))
                }
                result = out
            }
            guard let result else { return .null }
            if exact, let scale, !Self.isExact(result, scale: scale) {
                let dividend = try operands[0](&scope).text ?? "", divisor = try operands[1](&scope).text ?? ""
                throw MuelleError(.badNumber, "\(dividend) divided by \(divisor) does not come out exact at \(scale) decimal places "
                                  + "(\(ExactDecimal.format(result, scale: scale + 4))…), and the mapping asks for an exact quotient (exact: true) rather than a rounded one",
                                  at: scope.position.with(field: operands[0].sourceField))
            }
            if let scale { return .number(ExactDecimal.format(result, scale: scale)) }
            return .number(ExactDecimal.plain(result))
        }
    }

    static func isExact(_ value: Decimal, scale: Int) -> Bool {
        var input = value, rounded = Decimal()
        NSDecimalRound(&rounded, &input, scale, .plain)
        return rounded == value
    }

    /// `divide`'s `exact: true`: a quotient with more places than `scale` is an error, not rounded.
    private func exactQuotient(_ call: FunctionCall, scale: Int?) -> Bool {
        guard let node = call.option("exact") else { return false }
        guard let exact = node.bool else {
            source.error("'exact' of 'divide' is true or false", at: node)
            return false
        }
        if exact, scale == nil {
            source.error("'exact: true' needs a 'scale': the number of decimal places the quotient must come out exact at", at: node)
        }
        return exact
    }

    /// Integer fixed-point arithmetic for the usual small amounts; nil hands over to `Decimal`
    /// (division, overflow, long numbers, or anything that is not a plain number).
    static func fixedPointArithmetic(_ name: String, _ operands: [CompiledExpression], scale: Int?, scope: inout EvalScope) throws -> Value? {
        guard name != "divide" else { return nil }
        var result: ExactNumber?
        for operand in operands {
            let value = try operand(&scope)
            guard let text = value.text, let number = ExactNumber(text) else { return nil }
            guard let acc = result else { result = number; continue }
            switch name {
            case "multiply": result = acc.multiplying(number)
            case "add": result = acc.adding(number)
            default: result = acc.subtracting(number)
            }
            if result == nil { return nil }
        }
        guard let result else { return nil }
        if let scale { return result.formatted(scale: scale).map(Value.number) }
        return .number(result.text())
    }

    /// A value as a `Decimal`, read exactly ("." decimals; convert other notations with `decimal:` first).
    static func number(_ value: Value, field: String?, scope: EvalScope) throws -> Decimal {
        if let text = value.text, let number = ExactDecimal.parse(text) { return number }
        let shown = value.text.map { QuotedInput.quote($0) } ?? "this value"
        let problem = value.text.flatMap { ExactDecimal.sizeProblem(of: $0) } ?? "is not a number"
        throw MuelleError(.badNumber, "\(shown) \(problem)", at: scope.position.with(field: field))
    }
}

extension Decimal {
    func rounded(scale: Int) -> Decimal {
        var input = self
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, .plain)
        return result
    }
}
