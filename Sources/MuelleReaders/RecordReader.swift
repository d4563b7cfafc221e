import MuelleCore

/// One record from an input, with where it started.
public struct SourceRecord: Sendable {
    public var value: Value
    /// `record` (1-based) and `line` (and `column` where the format has one) of the record's start.
    public var position: InputPosition

    public init(value: Value, position: InputPosition) {
        self.value = value
        self.position = position
    }
}

/// A pull-based, streaming record source: memory stays flat whatever the input size.
///
/// Readers are used by one task at a time and are not `Sendable`; they throw `MuelleError`
/// with the file, record, line/column and (where known) field of the problem.
public protocol RecordReader: AnyObject {
    /// The next record, or `nil` at the end of the input.
    func next() throws -> SourceRecord?
    /// Bytes consumed so far, for progress reporting.
    var bytesRead: Int { get }
    /// The column names of a format with a header row (CSV), known once the reader is open; nil for
    /// formats whose records carry their own field names (JSON, XML).
    var columnNames: [String]? { get }
}

extension RecordReader {
    public var columnNames: [String]? { nil }
}

/// Text encodings an export may use; the mapping states which.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8, with or without a byte-order mark.
    case utf8 = "utf-8"
    case latin1 = "latin-1"
    case windows1252 = "windows-1252"

    /// Accepts the spellings people write in mapping files ("UTF8", "iso-8859-1", "cp1252").
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "latin-1", "latin1", "iso-8859-1", "iso8859-1": self = .latin1
        case "windows-1252", "cp1252", "win1252": self = .windows1252
        default: return nil
        }
    }
}

/// How to read one route's files; compiled from the mapping's `reader:` section.
public enum ReaderOptions: Sendable, Equatable {
    case csv(CSVOptions)
    /// `recordsPath` names the array of records inside the document ("results");
    /// `nil` reads a top-level array element by element, or a single top-level object as one record.
    case json(recordsPath: [String]?)
    /// One JSON value per line.
    case ndjson(finalLineBreak: FinalLineBreak = .required)
    /// `recordPath` is the element path of a record, matched on local names against the end
    /// of the open-element path (["OrderList", "Order"]).
    case xml(recordPath: [String])
}

/// Whether a line-based file (CSV, NDJSON) must end its last line with a line break.
public enum FinalLineBreak: String, Sendable, Equatable, CaseIterable {
    /// A last line without its line end makes the file incomplete (`MuelleError.Code.incomplete`): it is
    /// what an upload still arriving, or cut off, looks like.
    case required
    /// For exports that never end their last line: taken as it is. A file ending inside a quoted field or
    /// a JSON value is still incomplete.
    case optional
}

public struct CSVOptions: Sendable, Equatable {
    public var delimiter: UInt8
    /// The quote character; nil for flat files that have no quoting at all (a `"` anywhere is literal).
    public var quote: UInt8?
    /// Inside a quoted field, this character makes the next one literal (`\"`), besides doubled quotes.
    public var escape: UInt8?
    /// A line starting with this character is skipped (outside quoted fields).
    public var comment: UInt8?
    /// The header is on this line (1-based); the lines before it (a title, notes) are skipped unread.
    public var headerLine: Int
    public var encoding: TextEncoding
    /// Trims spaces and tabs around unquoted fields.
    public var trimFields: Bool
    public var finalLineBreak: FinalLineBreak

    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8? = UInt8(ascii: "\""), escape: UInt8? = nil, comment: UInt8? = nil,
                headerLine: Int = 1, encoding: TextEncoding = .utf8, trimFields: Bool = false, finalLineBreak: FinalLineBreak = .required) {
        self.delimiter = delimiter
        self.quote = quote
        self.escape = escape
        self.comment = comment
        self.headerLine = headerLine
        self.encoding = encoding
        self.trimFields = trimFields
        self.finalLineBreak = finalLineBreak
    }
}

public enum RecordReaders {
    /// Opens a streaming reader for the file at `path`; `fileName` is how errors name it.
    /// `limits` bound one field and one record (the route's `max_field_bytes`, `max_record_bytes`); CSV and
    /// JSON readers build only the parts of each record in `shape` (XML records are built whole).
    public static func open(path: String, fileName: String, options: ReaderOptions, limits: ReaderLimits = .standard,
                            reading shape: RecordShape = .everything) throws -> any RecordReader {
        switch options {
        case .csv(let csv):
            return try CSVRecordReader(source: ByteSource(path: path, fileName: fileName), options: csv, limits: limits, reading: shape)
        case .json(let recordsPath):
            return try JSONRecordReader(source: ByteSource(path: path, fileName: fileName), mode: .document(recordsPath: recordsPath), limits: limits,
                                        reading: shape)
        case .ndjson(let finalLineBreak):
            return try JSONRecordReader(source: ByteSource(path: path, fileName: fileName), mode: .lines, finalLineBreak: finalLineBreak, limits: limits,
                                        reading: shape)
        case .xml(let recordPath):
            return try XMLRecordReader(path: path, fileName: fileName, recordPath: recordPath, limits: limits)
        }
    }
}
