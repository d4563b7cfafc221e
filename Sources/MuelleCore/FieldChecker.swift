import Foundation

/// Reads and checks one object of a mapped record, naming the full field path in every error
/// (`lines[2].unit_price`), so a merchant knows which part of the mapping or input to fix.
struct FieldChecker {
    let object: Value
    let path: String
    let position: InputPosition
    /// `path` without list indexes (`lines`, not `lines[2]`): how the mapping's roundings name fields.
    var shape = ""
    var rounding = MoneyRounding()
    var log: RoundingLog? = nil

    private func name(_ field: String) -> String { path.isEmpty ? field : "\(path).\(field)" }
    private func shapeName(_ field: String) -> String { shape.isEmpty ? field : "\(shape).\(field)" }

    /// A checker for an object inside this one, keeping the roundings and their log.
    private func child(_ object: Value, path: String, field: String) -> FieldChecker {
        FieldChecker(object: object, path: path, position: position, shape: shapeName(field), rounding: rounding, log: log)
    }

    func failure(_ field: String, _ message: String, code: MuelleError.Code) -> MuelleError { fail(field, message, code: code) }

    private func fail(_ field: String, _ message: String, code: MuelleError.Code = .invalidRecord) -> MuelleError {
        var where_ = position
        where_.field = name(field)
        return MuelleError(code, message, at: where_)
    }

    func value(_ field: String) -> Value { object[field] ?? .null }

    func text(_ field: String) throws -> Value {
        let v = value(field)
        if v.isBlank { return .null }
        guard let text = v.text else { throw fail(field, "must be text, not a list or object") }
        // Most values need no trimming; checking both ends first avoids Foundation's slow path.
        if !Value.needsTrimming(text) {
            if case .string = v { return v }
            return .string(text)
        }
        return .string(Value.trimmed(text))
    }

    func requiredText(_ field: String) throws -> String {
        guard case .string(let text) = try text(field) else {
            throw fail(field, "is required but the mapping produced no value", code: .missingField)
        }
        return text
    }

    func currency(_ field: String) throws -> String {
        let code = try requiredText(field).uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw fail(field, "\(QuotedInput.quote(code)) is not an ISO 4217 currency code (three letters, such as EUR)")
        }
        return code
    }

    func country(_ field: String) throws -> Value {
        guard case .string(let text) = try text(field) else { return .null }
        let code = text.uppercased()
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw fail(field, "\(QuotedInput.quote(text)) is not an ISO 3166-1 alpha-2 country code (two letters, such as ES)")
        }
        return .string(code)
    }

    func timestamp(_ field: String) throws -> String {
        let text = try requiredText(field)
        guard Self.isTimestampWithOffset(text) else {
            throw fail(field, "\(QuotedInput.quote(text)) is not an ISO 8601 time with offset; convert it with `datetime:`", code: .badDate)
        }
        return text
    }

    /// A time that may be absent (nil), but when present is ISO 8601 with offset.
    func optionalTimestamp(_ field: String) throws -> String? {
        guard case .string = try text(field) else { return nil }
        return try timestamp(field)
    }

    /// `yyyy-MM-ddTHH:mm:ss[.fraction](±HH:MM|Z)`, checked byte by byte, with every part in range: year
    /// 0001–9999, a real day of the month, no second 60 (`datetime:` rolls a leap second into the next minute).
    static func isTimestampWithOffset(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= b.count && range.allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 } }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(b[$1] - 0x30) } }
        guard b.count >= 20, digits(0..<4), b[4] == 0x2D, digits(5..<7), b[7] == 0x2D, digits(8..<10), b[10] == UInt8(ascii: "T"),
              digits(11..<13), b[13] == 0x3A, digits(14..<16), b[16] == 0x3A, digits(17..<19) else { return false }
        let (year, month) = (number(0..<4), number(5..<7))
        guard year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(number(8..<10)),
              number(11..<13) <= 23, number(14..<16) <= 59, number(17..<19) <= 59 else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > start else { return false }
        }
        if i == b.count - 1 { return b[i] == UInt8(ascii: "Z") }
        return i == b.count - 6 && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) && digits(i + 1..<i + 3) && b[i + 3] == 0x3A && digits(i + 4..<i + 6)
            && number(i + 1..<i + 3) <= 18 && number(i + 4..<i + 6) <= 59
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    func oneOf(_ field: String, _ allowed: [String], required: Bool) throws -> String? {
        guard case .string(let text) = try text(field) else {
            if required { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            return nil
        }
        guard allowed.contains(text) else {
            throw fail(field, "\(QuotedInput.quote(text)) is not one of muelle's values: \(allowed.joined(separator: ", "))", code: .unknownStatus)
        }
        return text
    }

    /// A whole number that may be zero (stock).
    func wholeNumber(_ field: String) throws -> Int {
        let v = value(field)
        guard let text = v.text, let n = ExactNumber(text)?.wholeValue, n >= 0, n <= Int64(Int.max) else {
            throw fail(field, "\(QuotedInput.quote(v.text ?? "")) is not a whole number of 0 or more", code: .badNumber)
        }
        return Int(n)
    }

    func quantity(_ field: String) throws -> Int {
        let v = value(field)
        guard let text = v.text, let n = Int(Value.needsTrimming(text) ? text.trimmingCharacters(in: .whitespaces) : text) else {
            if v.isBlank { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            throw fail(field, "\(QuotedInput.quote(v.text ?? "")) is not a whole number", code: .badNumber)
        }
        guard n > 0 else { throw fail(field, "must be at least 1, found \(n)", code: .badNumber) }
        return n
    }

    /// An amount; with `currency`, one with more decimal places than the currency has is refused unless
    /// the mapping rounds the field (`{ decimal: …, round: half_even }`). Trailing zeros are not places:
    /// "10.0000" is ten.
    func money(_ field: String, required: Bool, currency: String) throws -> Amount? {
        guard let amount = try money(field, required: required) else { return nil }
        let scale = ExactDecimal.minorUnits(of: currency)
        let places = amount.fractionDigits
        guard places > scale else { return amount }
        guard let mode = rounding.mode(for: shapeName(field)) else {
            throw fail(field, "\(QuotedInput.quote(value(field).text ?? "")) has \(places) decimal places, more than the \(scale) of \(currency); it is refused, not rounded. If the platform does export such amounts, let the mapping round them: `\(shapeName(field)): { decimal: …, round: half_even }` (or half_up)", code: .badNumber)
        }
        log?.rounded.count(shapeName(field))
        return amount.rounded(scale: scale, mode: mode)
    }

    func money(_ field: String, required: Bool) throws -> Amount? {
        let v = value(field)
        if v.isBlank {
            if required { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            return nil
        }
        guard let text = v.text, let amount = Amount(text) else {
            let problem = v.text.flatMap { ExactDecimal.sizeProblem(of: $0) } ?? "is not an amount; convert it with `decimal:`"
            throw fail(field, "\(QuotedInput.quote(v.text ?? "")) \(problem)", code: .badNumber)
        }
        return amount
    }

    func nested(_ field: String, required: Bool, _ build: (FieldChecker) throws -> Value) throws -> Value {
        if value(field).isBlank, required { throw fail(field, "is required", code: .missingField) }
        return try nestedFields(field, build) ?? .null
    }

    /// An optional object, built by `build` from its fields; nil when blank (`totals` is built even then:
    /// what the mapping leaves out is derived).
    func nestedFields<Built>(_ field: String, _ build: (FieldChecker) throws -> Built) throws -> Built? {
        let v = value(field)
        if v.isBlank {
            if field == "totals" { return try build(child(.object([]), path: name(field), field: field)) }
            return nil
        }
        guard case .object = v else { throw fail(field, "must be an object of fields") }
        return try build(child(v, path: name(field), field: field))
    }

    func list<Built>(_ field: String, minimum: Int, _ build: (FieldChecker) throws -> Built) throws -> [Built] {
        let v = value(field)
        let items: [Value]
        switch v {
        case .array(let a): items = a
        case .null: items = []
        default: throw fail(field, "must be a list; map it with `each:`")
        }
        guard items.count >= minimum else {
            throw fail(field, "needs at least \(minimum) entr\(minimum == 1 ? "y" : "ies"); the mapping produced none", code: .missingField)
        }
        return try items.enumerated().map { i, item in
            try build(child(item, path: "\(name(field))[\(i + 1)]", field: field))
        }
    }
}

/// An exact amount: integer fixed-point while it fits (fast), `Decimal` beyond.
///
/// The `Decimal` is made only when the fixed-point form overflows: Foundation's decimal arithmetic
/// costs far more than the integer one, and almost every order's amounts fit in 18 digits.
struct Amount {
    private enum Form {
        case exact(ExactNumber)
        case decimal(Decimal)
    }

    private var form: Form

    static let zero = Amount(form: .exact(ExactNumber(mantissa: 0, scale: 0)))

    private init(form: Form) {
        self.form = form
    }

    init?(_ text: String) {
        if let exact = ExactNumber(text) {
            self.init(form: .exact(exact))
        } else if let value = ExactDecimal.parse(text) {
            self.init(form: .decimal(value))
        } else {
            return nil
        }
    }

    private var exact: ExactNumber? {
        if case .exact(let exact) = form { return exact }
        return nil
    }

    private var value: Decimal {
        switch form {
        case .exact(let exact): return exact.decimal
        case .decimal(let value): return value
        }
    }

    /// The exact result when both sides and the result fit, else the `Decimal` one.
    private static func combine(_ a: Amount, _ b: Amount, _ exact: (ExactNumber, ExactNumber) -> ExactNumber?,
                                _ decimal: (Decimal, Decimal) -> Decimal) -> Amount {
        if let x = a.exact, let y = b.exact, let result = exact(x, y) { return Amount(form: .exact(result)) }
        return Amount(form: .decimal(decimal(a.value, b.value)))
    }

    static func + (a: Amount, b: Amount) -> Amount {
        combine(a, b, { $0.adding($1) }, +)
    }

    static func - (a: Amount, b: Amount) -> Amount {
        combine(a, b, { $0.subtracting($1) }, -)
    }

    func times(_ n: Int) -> Amount {
        if let exact, let product = exact.multiplying(ExactNumber(mantissa: Int64(n), scale: 0)) { return Amount(form: .exact(product)) }
        return Amount(form: .decimal(value * Decimal(n)))
    }

    /// Decimal places that carry a digit: 2 for "14.90", 6 for "14.900001", 0 for "10.0000".
    var fractionDigits: Int {
        if let exact { return exact.significantScale }
        let text = ExactDecimal.plain(value)
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: dot)...].reversed().drop { $0 == "0" }.count
    }

    /// This amount rounded to `scale` fraction digits.
    func rounded(scale: Int, mode: MoneyRounding.Mode) -> Amount {
        if let exact, let rounded = exact.rounded(scale: scale, halfEven: mode == .halfEven) {
            return Amount(form: .exact(rounded))
        }
        var input = value, result = Decimal()
        NSDecimalRound(&result, &input, scale, mode == .halfEven ? .bankers : .plain)
        return Amount(form: .decimal(result))
    }

    /// Money text in `scale` fraction digits, rounded half away from zero.
    func formatted(scale: Int) -> String {
        exact?.formatted(scale: scale) ?? ExactDecimal.format(value, scale: scale)
    }
}
