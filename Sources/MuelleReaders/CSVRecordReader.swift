import MuelleCore

/// Streams the rows of a delimited text file (RFC 4180 quoting, another quote or an escape character, or
/// no quoting at all) as objects keyed by the header row.
///
/// The first row (or the row on `headerLine`, the lines before it skipped unread) is the header; comment
/// lines are skipped, their lines still counted, so positions are the file's own. Every data row becomes
/// `.object` over one `KeyTable` shared by the whole file, with `.string` values (short rows are padded
/// with ""); columns outside the `RecordShape` given are checked but not decoded, and read as null (an empty one as ""). A UTF-8 byte-order mark is
/// skipped; rows end at LF, CRLF or a lone CR; blank lines are skipped. The scanner works on whole
/// buffered chunks, so the cost per byte is a comparison, not a function call.
public final class CSVRecordReader: RecordReader {
    /// Column names, in file order.
    public let header: [String]

    private let source: ByteSource
    private let keys: KeyTable
    private var scanner: CSVScanner

    public var bytesRead: Int { source.bytesRead }
    public var columnNames: [String]? { header }

    /// Reads the header row; throws if the file has none or it is malformed. Only the columns `shape` names
    /// are decoded into text.
    public init(source: ByteSource, options: CSVOptions, limits: ReaderLimits = .standard, reading shape: RecordShape = .everything) throws {
        self.source = source
        var scanner = CSVScanner(options: options, fileName: source.fileName, limits: limits)
        if options.encoding == .utf8, try source.skipUTF8ByteOrderMark() { scanner.lineStart = 3 }
        guard try scanner.readRow(from: source, maxFields: Int.max) else {
            // Nothing yet is what an upload that has just begun looks like.
            let message = options.headerLine > 1
                ? "the file ends before its header row, which the mapping puts on line \(options.headerLine) (header_row)"
                : "the file is empty: a CSV file must start with a header row"
            throw MuelleError(.incomplete, message, at: InputPosition(file: source.fileName))
        }
        let names = scanner.values.map { $0.text ?? "" }
        scanner.startData(header: names, decoding: names.map { shape.member($0) != nil })
        self.header = names
        self.keys = KeyTable(names)
        self.scanner = scanner
    }

    /// After an error the reader's place in the file means nothing: later calls repeat the error.
    private var failure: (any Error)?

    public func next() throws -> SourceRecord? {
        if let failure { throw failure }
        let row: (values: [Value], record: Int, line: Int)?
        do {
            // One access to `scanner` per row: inside, the scanner's state is a plain struct, so the
            // per-byte and per-field work pays for no run-time exclusivity checks on class properties.
            row = try scanner.nextRow(from: source, width: header.count)
        } catch {
            failure = error
            throw error
        }
        guard let (values, record, line) = row else { return nil }
        return SourceRecord(
            value: .object(ValueObject(keys: keys, values: values)),
            position: InputPosition(file: source.fileName, record: record, line: line))
    }
}
