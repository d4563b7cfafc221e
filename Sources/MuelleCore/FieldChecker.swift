import Foundation

/// Reads and checks one object of a mapped record, naming the full field path in every error
/// (`lines[2].unit_price`), so a merchant knows which part of the mapping or input to fix.
struct FieldChecker {
    let object: Value
    let path: String
    let position: InputPosition

    private func name(_ field: String) -> String { path.isEmpty ? field : "\(path).\(field)" }

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
        return .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
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
            throw fail(field, "\"\(code)\" is not an ISO 4217 currency code (three letters, such as EUR)")
        }
        return code
    }

    func country(_ field: String) throws -> Value {
        guard case .string(let text) = try text(field) else { return .null }
        let code = text.uppercased()
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw fail(field, "\"\(text)\" is not an ISO 3166-1 alpha-2 country code (two letters, such as ES)")
        }
        return .string(code)
    }

    func timestamp(_ field: String) throws -> String {
        let text = try requiredText(field)
        guard text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$"#, options: .regularExpression) != nil else {
            throw fail(field, "\"\(text)\" is not an ISO 8601 time with offset; convert it with `datetime:`", code: .badDate)
        }
        return text
    }

    func oneOf(_ field: String, _ allowed: [String], required: Bool) throws -> String? {
        guard case .string(let text) = try text(field) else {
            if required { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            return nil
        }
        guard allowed.contains(text) else {
            throw fail(field, "\"\(text)\" is not one of muelle's values: \(allowed.joined(separator: ", "))", code: .unknownStatus)
        }
        return text
    }

    func quantity(_ field: String) throws -> Int {
        let v = value(field)
        guard let text = v.text, let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
            if v.isBlank { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            throw fail(field, "\"\(v.text ?? "")\" is not a whole number", code: .badNumber)
        }
        guard n > 0 else { throw fail(field, "must be at least 1, found \(n)", code: .badNumber) }
        return n
    }

    func money(_ field: String, required: Bool) throws -> Decimal? {
        let v = value(field)
        if v.isBlank {
            if required { throw fail(field, "is required but the mapping produced no value", code: .missingField) }
            return nil
        }
        guard let text = v.text, let amount = ExactDecimal.parse(text) else {
            throw fail(field, "\"\(v.text ?? "")\" is not an amount; convert it with `decimal:`", code: .badNumber)
        }
        return amount
    }

    func nested(_ field: String, required: Bool, _ build: (FieldChecker) throws -> Value) throws -> Value {
        let v = value(field)
        if v.isBlank {
            if required { throw fail(field, "is required", code: .missingField) }
            if field == "totals" { return try build(FieldChecker(object: .object([]), path: name(field), position: position)) }
            return .null
        }
        guard case .object = v else { throw fail(field, "must be an object of fields") }
        return try build(FieldChecker(object: v, path: name(field), position: position))
    }

    func list(_ field: String, minimum: Int, _ build: (FieldChecker) throws -> Value) throws -> [Value] {
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
            try build(FieldChecker(object: item, path: "\(name(field))[\(i + 1)]", position: position))
        }
    }
}
