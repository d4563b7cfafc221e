import MuelleCore

/// How an XML element reads in expressions. The reader keeps an element with attributes as an object
/// (`{"@href": "…", "#text": "5"}`) so `id/@href` can be read; where the element itself is read, it is
/// its text, as a merchant reading `<id xlink:href="…">5</id>` expects.
enum XMLElementValue {
    /// The element's text when `value` is an element with attributes and no child elements; else `value`.
    static func text(of value: Value) -> Value {
        switch value {
        case .object(let object) where isAttributedText(object):
            return object["#text"] ?? .null
        case .array(let items) where items.contains(where: { if case .object(let o) = $0 { return isAttributedText(o) } else { return false } }):
            return .array(items.map(text(of:)))
        default:
            return value
        }
    }

    private static func isAttributedText(_ object: ValueObject) -> Bool {
        object.count > 0 && object.keys.names.allSatisfy { $0.hasPrefix("@") || $0 == "#text" }
    }

    /// The child element names of an element read where a single value is expected, for the error.
    static func children(of object: ValueObject) -> [String] {
        object.keys.names.filter { !$0.hasPrefix("@") && $0 != "#text" }
    }
}

extension ExpressionCompiler {
    /// `expression` where one value is expected: an XML element with child elements there is an error
    /// naming its path, not a value that silently matches nothing.
    func scalar(_ expression: CompiledExpression, path: String?) -> CompiledExpression {
        guard readsXML else { return expression }
        return CompiledExpression(sourceField: expression.sourceField) { scope in
            let value = try expression(&scope)
            guard case .object(let object) = value else { return value }
            let name = path ?? expression.sourceField ?? "the value"
            let children = XMLElementValue.children(of: object)
            let example = children.first.map { "; read one of them, such as \(name)/\($0)" } ?? ""
            throw MuelleError(.badValue, "\(name) is an element with child elements (\(children.prefix(5).joined(separator: ", "))\(children.count > 5 ? ", …" : "")), not a single value\(example)",
                              at: scope.position.with(field: name))
        }
    }
}
