/// Where in an input something was found, for messages a merchant can act on.
public struct InputPosition: Sendable, Equatable, Codable {
    /// File name as dropped (not the full path: reports travel).
    public var file: String?
    /// 1-based record number (a CSV data row, a JSON array element, an XML record element).
    public var record: Int?
    public var line: Int?
    public var column: Int?
    /// The field (CSV column, JSON/XML path, or normalised field) concerned.
    public var field: String?

    public init(file: String? = nil, record: Int? = nil, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.file = file
        self.record = record
        self.line = line
        self.column = column
        self.field = field
    }

    /// `orders.csv: record 3, line 4, column 17, field "Lineitem price"`
    public var description: String {
        var parts: [String] = []
        if let record { parts.append("record \(record)") }
        if let line { parts.append("line \(line)") }
        if let column { parts.append("column \(column)") }
        if let field { parts.append("field \(QuotedInput.quote(field))") }
        let location = parts.joined(separator: ", ")
        switch (file, location.isEmpty) {
        case (let file?, false): return "\(file): \(location)"
        case (let file?, true): return file
        case (nil, _): return location
        }
    }

    public func with(file: String? = nil, field: String? = nil) -> InputPosition {
        var copy = self
        if let file { copy.file = file }
        if let field { copy.field = field }
        return copy
    }
}
