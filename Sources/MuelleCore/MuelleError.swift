/// Every failure muelle reports: a code scripts can match, a message a merchant can act on,
/// and where in the input it happened.
public struct MuelleError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let malformedCSV = Code(rawValue: "malformed_csv")
        public static let malformedJSON = Code(rawValue: "malformed_json")
        public static let malformedXML = Code(rawValue: "malformed_xml")
        /// The input ends early (a last line without its line end, inside a quoted field, a JSON or XML
        /// document never closed, nothing at all): most likely still arriving, so it is held, not rejected.
        public static let incomplete = Code(rawValue: "incomplete")
        /// An input still incomplete after the route's `incomplete_after`: quarantined as cut off.
        public static let truncated = Code(rawValue: "truncated")
        /// Some process still has the input open for writing: it is held until the writer closes it.
        public static let inUse = Code(rawValue: "in_use")
        public static let forbiddenXML = Code(rawValue: "forbidden_xml")
        public static let encoding = Code(rawValue: "encoding")
        public static let badNumber = Code(rawValue: "bad_number")
        public static let badDate = Code(rawValue: "bad_date")
        public static let badValue = Code(rawValue: "bad_value")
        public static let missingField = Code(rawValue: "missing_field")
        /// A column (CSV) or path (JSON/XML) the mapping reads that the file does not have.
        public static let missingColumn = Code(rawValue: "missing_column")
        /// A column the mapping reads that the CSV header names more than once.
        public static let ambiguousColumn = Code(rawValue: "ambiguous_column")
        public static let unknownStatus = Code(rawValue: "unknown_status")
        public static let unmappedValue = Code(rawValue: "unmapped_value")
        public static let unknownOrder = Code(rawValue: "unknown_order")
        /// A `lookup:` found no record under its key in a reference route (yet): the file waits for it.
        public static let lookupMissing = Code(rawValue: "lookup_missing")
        /// A feed held back by a safety limit (a catalogue that would lose too many products).
        public static let heldBack = Code(rawValue: "held_back")
        public static let invalidRecord = Code(rawValue: "invalid_record")
        /// Rows of one group (`group_by`) that are not consecutive: grouping them would make partial records.
        public static let splitGroup = Code(rawValue: "split_group")
        /// A regular expression needed more than its match limits on a value: the record is rejected.
        public static let regexLimit = Code(rawValue: "regex_limit")
        /// A field or record larger than the route's reader limits (`max_field_bytes`, `max_record_bytes`).
        public static let tooLarge = Code(rawValue: "too_large")
        /// A file that stopped the process twice while it was being read: quarantined, not read a third time.
        public static let poisonFile = Code(rawValue: "poison_file")
        /// An input whose name the route's `file_pattern` does not match: not the route's input.
        public static let fileName = Code(rawValue: "file_name")
        public static let mapping = Code(rawValue: "mapping")
        public static let io = Code(rawValue: "io")
        /// The ledger is missing, damaged, or behind the workspace's history: nothing is taken until it is restored.
        public static let ledger = Code(rawValue: "ledger")
        public static let configuration = Code(rawValue: "configuration")
    }

    public var code: Code
    public var message: String
    public var position: InputPosition

    public init(_ code: Code, _ message: String, at position: InputPosition = InputPosition()) {
        self.code = code
        self.message = message
        self.position = position
    }

    public var description: String {
        let location = position.description
        return location.isEmpty ? message : "\(location): \(message)"
    }

    /// The same error, located more precisely by a caller that knows the file or field.
    public func located(file: String? = nil, record: Int? = nil, line: Int? = nil, field: String? = nil) -> MuelleError {
        var copy = self
        if copy.position.file == nil, let file { copy.position.file = file }
        if copy.position.record == nil, let record { copy.position.record = record }
        if copy.position.line == nil, let line { copy.position.line = line }
        if copy.position.field == nil, let field { copy.position.field = field }
        return copy
    }
}
