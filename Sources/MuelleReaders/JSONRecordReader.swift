import MuelleCore

/// Streams records out of JSON with its own byte-level parser: numbers keep their exact text
/// (no `Double` anywhere), objects keep their key order, and only one record is in memory at a time.
///
/// In `.document` mode the records are the elements of the array at `recordsPath` (members around it
/// are validated and skipped without being built), or of a top-level array, or a top-level object is
/// the single record. In `.lines` mode (NDJSON) each non-blank line holds one value.
public final class JSONRecordReader: RecordReader {
    public enum Mode: Sendable, Equatable {
        /// `recordsPath` names the array of records through nested objects (`["data", "orders"]`).
        case document(recordsPath: [String]?)
        /// One value per line; blank lines are skipped.
        case lines
    }

    /// Deeper nesting is refused: it only comes from hostile input, which could otherwise exhaust the stack.
    public static let maxDepth = 512

    private let source: ByteSource
    private var parser: JSONParser

    public var bytesRead: Int { source.bytesRead }

    /// Reads up to the first record: in `.document` mode with a path, this finds the array of records
    /// (and throws if the path is missing or does not lead to an array). `finalLineBreak` applies to
    /// `.lines` mode: whether the last line must end with a line break.
    /// Members outside `shape` are parsed and checked but not built: they read as null.
    public init(source: ByteSource, mode: Mode, finalLineBreak: FinalLineBreak = .required, limits: ReaderLimits = .standard,
                reading shape: RecordShape = .everything) throws {
        self.source = source
        var parser = JSONParser(source: source, newlinesAreWhitespace: mode != .lines)
        parser.finalLineBreak = finalLineBreak
        parser.limits = limits
        parser.shape = shape
        do { try parser.start(mode) } catch { throw Self.incompleteIfAtEnd(error, source: source) }
        self.parser = parser
    }

    /// After an error the reader's place in the file means nothing: later calls repeat the error.
    private var failure: (any Error)?

    public func next() throws -> SourceRecord? {
        if let failure { throw failure }
        do {
            // One access to `parser` per record: inside, the parser's state is a plain struct, so the
            // per-byte work pays for no run-time exclusivity checks on class properties.
            return try parser.next()
        } catch {
            let error = Self.incompleteIfAtEnd(error, source: source)
            failure = error
            throw error
        }
    }

    /// A syntax error met where the bytes run out is what a document still arriving (or cut off) looks
    /// like: incomplete, not malformed.
    private static func incompleteIfAtEnd(_ error: any Error, source: ByteSource) -> any Error {
        guard var error = error as? MuelleError, error.code == .malformedJSON,
              (try? source.isAtEnd) == true else { return error }
        error.code = .incomplete
        error.message = "the file ends before the JSON is complete (\(error.message)), so the rest of it has not arrived"
        return error
    }
}

/// The state of the pull parser behind `JSONRecordReader`, and where it is in the document.
struct JSONParser {
    let source: ByteSource
    /// In NDJSON a value must not span lines, so LF ends it rather than being whitespace.
    let newlinesAreWhitespace: Bool
    /// NDJSON: whether the last line must end with a line break.
    var finalLineBreak = FinalLineBreak.required
    var depth = 0
    /// The record being parsed, for error positions; `nil` outside records.
    var currentRecord: Int?
    /// Bytes of the string being read, reused across strings.
    var scratch: [UInt8] = []
    var numberScratch: [UInt8] = []
    var keyTables = KeyTableCache()
    var limits = ReaderLimits.standard
    /// What of each record is built (see `RecordShape`).
    var shape = RecordShape.everything
    /// Where the record being parsed starts in the file, against `limits.maxRecordBytes`.
    var recordStart = 0
    /// The last member name read, to name a field that is too large.
    var currentKey: String?

    private var recordNumber = 0
    private enum Phase {
        /// Inside the array of records; after it, `enclosingObjects` objects are still open.
        case array(first: Bool, enclosingObjects: Int)
        case single
        case lines
        case done
    }
    private var phase = Phase.done

    init(source: ByteSource, newlinesAreWhitespace: Bool) {
        self.source = source
        self.newlinesAreWhitespace = newlinesAreWhitespace
        scratch.reserveCapacity(256)
        numberScratch.reserveCapacity(32)
    }

    mutating func start(_ mode: JSONRecordReader.Mode) throws {
        try source.skipUTF8ByteOrderMark()
        switch mode {
        case .lines:
            phase = .lines
        case .document(let recordsPath):
            try skipWhitespace()
            guard let first = try source.peek() else { throw syntaxError("the file is empty: expected a JSON document") }
            if let recordsPath, !recordsPath.isEmpty {
                phase = try findRecords(at: recordsPath)
            } else if first == UInt8(ascii: "[") {
                try open()
                phase = .array(first: true, enclosingObjects: 0)
            } else if first == UInt8(ascii: "{") {
                phase = .single
            } else {
                throw syntaxError("expected an array of records or an object at the top of the document, found \(describe(first))")
            }
        }
    }

    mutating func next() throws -> SourceRecord? {
        switch phase {
        case .done:
            return nil
        case .single:
            phase = .done
            let record = try readRecord()
            try expectEndOfDocument()
            return record
        case .array(let first, let enclosingObjects):
            try skipWhitespace()
            let b = try source.peek()
            if b == UInt8(ascii: "]") {
                try advance()
                depth -= 1
                try closeObjects(enclosingObjects)
                try expectEndOfDocument()
                phase = .done
                return nil
            }
            if !first {
                guard b == UInt8(ascii: ",") else {
                    throw syntaxError("expected ',' or ']' after a record in the array of records, found \(describe(b))")
                }
                try advance()
                try skipWhitespace()
            }
            phase = .array(first: false, enclosingObjects: enclosingObjects)
            return try readRecord()
        case .lines:
            while true {
                try skipWhitespace()
                guard let b = try source.peek() else {
                    phase = .done
                    return nil
                }
                if b == 0x0A {
                    try advance()
                    continue
                }
                let record = try readRecord()
                try skipWhitespace()
                if let b = try source.peek() {
                    guard b == 0x0A else {
                        throw syntaxError("expected the end of the line after a JSON value, found \(describe(b)); "
                            + "NDJSON holds exactly one value per line", record: record.position.record)
                    }
                    try advance()
                } else if finalLineBreak == .required {
                    throw MuelleError(.incomplete, "the last line (line \(source.line)) has no line end: the file stops in the middle of "
                        + "record \(record.position.record ?? 0), so the rest of it has not arrived "
                        + "(an export that never ends its last line needs reader option final_line_break: optional)",
                        at: source.position(record: record.position.record))
                }
                return record
            }
        }
    }

    /// Parses one value as the next record, positioned at its first byte.
    private mutating func readRecord() throws -> SourceRecord {
        recordNumber += 1
        let position = source.position(record: recordNumber)
        currentRecord = recordNumber
        recordStart = source.bytesRead
        let value = try parseValue(build: true, shape: shape)
        currentRecord = nil
        return SourceRecord(value: value, position: position)
    }

    // MARK: - Finding the records

    /// Walks nested objects along `path`, skipping other members, and enters the array at its end.
    private mutating func findRecords(at path: [String]) throws -> Phase {
        let joined = path.joined(separator: ".")
        guard try source.peek() == UInt8(ascii: "{") else {
            throw syntaxError("expected an object at the top of the document holding \"\(joined)\", found \(try describe(source.peek()))",
                              field: joined)
        }
        try open()
        for (level, key) in path.enumerated() {
            var isFirst = true
            while true {
                guard let name = try nextMember(isFirst: isFirst, buildKey: true) else {
                    let holder = level == 0 ? "the top-level object" : "\"\(path[..<level].joined(separator: "."))\""
                    throw syntaxError("the records path \"\(joined)\" is missing: \(holder) has no member \"\(key)\"", field: joined)
                }
                isFirst = false
                guard name == key else {
                    _ = try parseValue(build: false)
                    continue
                }
                let here = path[...level].joined(separator: ".")
                let b = try source.peek()
                if level == path.count - 1 {
                    guard b == UInt8(ascii: "[") else {
                        throw syntaxError("\"\(here)\" is \(kind(of: b)), not an array of records", field: joined)
                    }
                    try open()
                    return .array(first: true, enclosingObjects: path.count)
                }
                guard b == UInt8(ascii: "{") else {
                    throw syntaxError("\"\(here)\" is \(kind(of: b)), not an object holding \"\(path[(level + 1)...].joined(separator: "."))\"",
                                      field: joined)
                }
                try open()
                break
            }
        }
        // The loop returns or throws for the last path component.
        throw syntaxError("the records path is empty", field: joined)
    }

    /// Skips the remaining members of the objects that enclose the array of records.
    private mutating func closeObjects(_ count: Int) throws {
        for _ in 0..<count {
            while try nextMember(isFirst: false, buildKey: false) != nil {
                _ = try parseValue(build: false)
            }
            try advance()
            depth -= 1
        }
    }

    private mutating func expectEndOfDocument() throws {
        try skipWhitespace()
        if let b = try source.peek() {
            throw syntaxError("unexpected \(describe(b)) after the end of the JSON document; a file holds one document")
        }
    }

    private func kind(of byte: UInt8?) -> String {
        guard let byte else { return "missing: the file ends there" }
        switch byte {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        default: return "not a JSON value"
        }
    }
}
