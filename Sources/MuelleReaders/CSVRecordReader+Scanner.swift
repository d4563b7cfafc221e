import MuelleCore

/// The CSV state machine behind `CSVRecordReader`: the state it carries across chunks and rows,
/// and the errors it reports with their positions.
struct CSVScanner {
    private let delimiter: UInt8
    /// Without quoting (`quote: none`) this is the delimiter, so the unquoted scan compares no extra byte.
    private let quote: UInt8
    private let quoting: Bool
    /// Without an escape character this is the quote, so the quoted scan compares no extra byte.
    private let escape: UInt8
    private let escaping: Bool
    private let comment: UInt8
    private let commenting: Bool
    /// Lines before the header (`header_row`) still to skip unread.
    private var linesBeforeHeader: Int
    private let encoding: TextEncoding
    private let trim: Bool
    private let finalLineBreak: FinalLineBreak
    private let fileName: String
    private let limits: ReaderLimits
    /// Bytes of the finished fields of the row being read, against `limits.maxRecordBytes`.
    private var rowBytes = 0
    private var header: [String] = []
    /// Per column: whether its fields become text (the mapping reads it) or are only checked.
    private var decoding: [Bool] = []
    private var readingHeader = true
    private var recordNumber = 0

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, escapeInQuoted, afterQuoted, skippedLine }
    private var state = State.fieldStart
    /// Field bytes seen in earlier chunks (or before a doubled quote); empty on the fast path.
    private var pending: [UInt8] = []
    /// The row being read.
    private(set) var values: [Value] = []
    /// Whether the last finished field was quoted: `""` alone on a line is a row, an empty line is not.
    private var lastFieldQuoted = false
    /// A row ended with CR: an LF right after it belongs to the same line break.
    private var pendingLF = false
    private var line = 1
    /// Offset in the file of the first byte of the current line; columns are computed from it.
    var lineStart = 0
    private var rowLine = 1
    // Start of the current field's content, and of its opening quote, for error positions.
    private var fieldLine = 1
    private var fieldColumn = 1
    private var quoteLine = 1
    private var quoteColumn = 1

    init(options: CSVOptions, fileName: String, limits: ReaderLimits = .standard) {
        self.limits = limits
        delimiter = options.delimiter
        quoting = options.quote != nil
        quote = options.quote ?? options.delimiter
        escaping = options.escape != nil
        escape = options.escape ?? quote
        commenting = options.comment != nil
        comment = options.comment ?? 0
        linesBeforeHeader = max(0, options.headerLine - 1)
        encoding = options.encoding
        trim = options.trimFields
        finalLineBreak = options.finalLineBreak
        self.fileName = fileName
        pending.reserveCapacity(256)
    }

    /// Switches from the header row to data rows, which are numbered and checked against it; a column
    /// whose `decoding` is false is read as null (its bytes still checked against the encoding).
    mutating func startData(header: [String], decoding: [Bool]) {
        self.header = header
        self.decoding = decoding
        readingHeader = false
        values = []
    }

    /// The next data row padded to `width` fields, its record number and its first line; `nil` at end of file.
    mutating func nextRow(from source: ByteSource, width: Int) throws -> (values: [Value], record: Int, line: Int)? {
        values.reserveCapacity(width)
        guard try readRow(from: source, maxFields: width) else { return nil }
        if values.count < width {
            values.append(contentsOf: repeatElement(.string(""), count: width - values.count))
        }
        let row = values
        values = []
        return (row, recordNumber, rowLine)
    }

    // MARK: - Scanning

    /// Reads the next non-blank row into `values`; `false` at end of file.
    mutating func readRow(from source: ByteSource, maxFields: Int) throws -> Bool {
        while true {
            values.removeAll(keepingCapacity: true)
            rowBytes = 0
            rowLine = line
            var rowDone = false
            while !rowDone {
                let base = source.bytesRead
                let (used, done, atEnd) = try source.withBufferedBytes { buffer in
                    if buffer.isEmpty { return (0, true, true) }
                    let (used, done) = try scan(buffer, base: base, maxFields: maxFields)
                    return (used, done, false)
                }
                source.consume(used)
                rowDone = done
                if atEnd {
                    guard try finishAtEndOfFile(at: source.bytesRead, maxFields: maxFields) else { return false }
                }
            }
            // A comment line, or a line before the header row: skipped, but its line is counted.
            if values.isEmpty { continue }
            // An empty line (or, with trimming, one of only spaces) is one empty unquoted field.
            if values.count == 1, !lastFieldQuoted, case .string(let s) = values[0], s.isEmpty { continue }
            if !readingHeader { recordNumber += 1 }
            return true
        }
    }

    /// Scans from the carried-over state; returns the bytes used and whether a row ended.
    @inline(__always)
    private mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>, base: Int, maxFields: Int) throws -> (Int, Bool) {
        let n = buffer.count
        let delimiter = self.delimiter, quote = self.quote
        let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        let escape = self.escape
        let highestSpecial = max(delimiter, quote, cr), highestQuotedSpecial = max(quote, lf, escape)
        var i = 0
        if pendingLF {
            pendingLF = false
            if buffer[0] == lf { i = 1; lineStart = base + 1 }
        }
        var segment = i
        while i < n {
            switch state {
            case .fieldStart:
                // Per row, not per byte: only the first field of a row can start a skipped line.
                if values.isEmpty, linesBeforeHeader > 0 || (commenting && buffer[i] == comment) {
                    if linesBeforeHeader > 0 { linesBeforeHeader -= 1 }
                    state = .skippedLine
                    continue
                }
                if trim {
                    while i < n, buffer[i] == 0x20 || buffer[i] == 0x09 { i += 1 }
                    if i == n { return (n, false) }
                }
                if quoting, buffer[i] == quote {
                    quoteLine = line
                    quoteColumn = base + i - lineStart + 1
                    i += 1
                    state = .quoted
                } else {
                    state = .unquoted
                }
                segment = i
                fieldLine = line
                fieldColumn = base + i - lineStart + 1
            case .unquoted:
                var j = i
                while j < n {
                    let b = buffer[j]
                    // Most bytes are above every special byte: one comparison decides.
                    if b > highestSpecial { j += 1; continue }
                    if b == delimiter || b == quote || b == lf || b == cr { break }
                    j += 1
                }
                if j == n {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[segment..<n]))
                    try checkPending()
                    return (n, false)
                }
                let b = buffer[j]
                if quoting, b == quote {
                    throw error("a quote character appears inside a field that is not enclosed in quotes; "
                        + "a value containing quotes must be enclosed in quotes, with each inner quote doubled (\(doubledQuote)); "
                        + "a flat file that has no quoting at all (Amazon's reports) needs reader option quote: none",
                        line: line, column: base + j - lineStart + 1)
                }
                try finishField(UnsafeBufferPointer(rebasing: buffer[segment..<j]), quoted: false, maxFields: maxFields)
                state = .fieldStart
                i = j + 1
                if b != delimiter { return (endRow(lineBreak: b, at: base + j, base: base), true) }
            case .quoted:
                var j = i
                while j < n {
                    let b = buffer[j]
                    if b > highestQuotedSpecial { j += 1; continue }
                    if b == quote || b == escape { break }
                    if b == lf { line += 1; lineStart = base + j + 1 }
                    j += 1
                }
                if j == n {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[segment..<n]))
                    try checkPending()
                    return (n, false)
                }
                if escaping, buffer[j] == escape {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[segment..<j]))
                    if j + 1 == n {
                        state = .escapeInQuoted
                        return (n, false)
                    }
                    takeEscaped(buffer[j + 1], at: base + j + 1)
                    try checkPending()
                    i = j + 2
                    segment = i
                    continue
                }
                if j + 1 == n {
                    // Closing or doubled: the next chunk tells.
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[segment..<j]))
                    state = .quoteInQuoted
                    return (n, false)
                }
                if buffer[j + 1] == quote {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[segment...j]))
                    try checkPending()
                    i = j + 2
                    segment = i
                } else {
                    try finishField(UnsafeBufferPointer(rebasing: buffer[segment..<j]), quoted: true, maxFields: maxFields)
                    state = .afterQuoted
                    i = j + 1
                }
            case .quoteInQuoted:
                if buffer[i] == quote {
                    pending.append(quote)
                    i += 1
                    segment = i
                    state = .quoted
                } else {
                    try finishField(UnsafeBufferPointer(rebasing: buffer[i..<i]), quoted: true, maxFields: maxFields)
                    state = .afterQuoted
                }
            case .escapeInQuoted:
                takeEscaped(buffer[i], at: base + i)
                try checkPending()
                i += 1
                segment = i
                state = .quoted
            case .skippedLine:
                var j = i
                while j < n, buffer[j] != lf, buffer[j] != cr { j += 1 }
                if j == n { return (n, false) }
                state = .fieldStart
                return (endRow(lineBreak: buffer[j], at: base + j, base: base), true)
            case .afterQuoted:
                let b = buffer[i]
                if b == delimiter {
                    state = .fieldStart
                    i += 1
                } else if b == lf || b == cr {
                    state = .fieldStart
                    return (endRow(lineBreak: b, at: base + i, base: base), true)
                } else if trim, b == 0x20 || b == 0x09 {
                    i += 1
                } else {
                    throw error("unexpected character \(describe(b)) after the closing quote of a quoted field; "
                        + "a quote inside a quoted field must be doubled (\(doubledQuote)); "
                        + "a flat file that has no quoting at all (Amazon's reports) needs reader option quote: none",
                        line: line, column: base + i - lineStart + 1, fieldIndex: values.count - 1)
                }
            }
        }
        return (n, false)
    }

    /// The character after an escape character, taken literally; an escaped line break still starts a line.
    @inline(__always)
    private mutating func takeEscaped(_ byte: UInt8, at offset: Int) {
        pending.append(byte)
        if byte == 0x0A { line += 1; lineStart = offset + 1 }
    }

    /// Counts the line break at file offset `offset`; returns how many bytes of the chunk are used.
    @inline(__always)
    private mutating func endRow(lineBreak: UInt8, at offset: Int, base: Int) -> Int {
        line += 1
        lineStart = offset + 1
        pendingLF = lineBreak == 0x0D
        return offset + 1 - base
    }

    /// Completes the row the file ends in; `false` if there is none. A row without its line end, or a
    /// quoted field still open, means the file is incomplete: an upload still arriving, or one cut off.
    private mutating func finishAtEndOfFile(at offset: Int, maxFields: Int) throws -> Bool {
        defer { state = .fieldStart }
        switch state {
        case .quoted, .escapeInQuoted:
            throw incomplete("the file ends inside a quoted field opened at line \(quoteLine), column \(quoteColumn): "
                + "either the rest of the file has not arrived, or that field's closing quote is missing",
                line: quoteLine, column: quoteColumn, field: fieldName(values.count))
        case .skippedLine where finalLineBreak == .optional:
            return false
        case .fieldStart where values.isEmpty:
            return false
        default:
            break
        }
        if finalLineBreak == .required {
            throw incomplete("the last line (line \(line)) has no line end: the file stops in the middle of "
                + (state == .skippedLine ? "a skipped line" : readingHeader ? "the header row" : "record \(recordNumber + 1)")
                + ", so the rest of it has not arrived (an export that never ends its last line needs reader option final_line_break: optional)",
                line: line, column: offset - lineStart + 1)
        }
        switch state {
        case .fieldStart:
            fieldLine = line
            fieldColumn = offset - lineStart + 1
            try finishField(UnsafeBufferPointer(start: nil, count: 0), quoted: false, maxFields: maxFields)
        case .unquoted:
            try finishField(UnsafeBufferPointer(start: nil, count: 0), quoted: false, maxFields: maxFields)
        case .quoteInQuoted:
            try finishField(UnsafeBufferPointer(start: nil, count: 0), quoted: true, maxFields: maxFields)
        case .afterQuoted, .quoted, .escapeInQuoted, .skippedLine:
            break
        }
        return true
    }

    /// A field growing across chunks stops at the limit: memory holds at most one limit's worth of it.
    private mutating func checkPending() throws {
        if pending.count > limits.maxFieldBytes || rowBytes + pending.count > limits.maxRecordBytes { throw tooLarge(field: pending.count) }
    }

    private mutating func tooLarge(field: Int) -> MuelleError {
        let position = InputPosition(file: fileName, record: readingHeader ? nil : recordNumber + 1, line: fieldLine, column: fieldColumn,
                                     field: fieldName(values.count) ?? "column \(values.count + 1)")
        pending = []
        return field > limits.maxFieldBytes ? limits.fieldTooLarge(at: position) : limits.recordTooLarge(at: position)
    }

    /// Decodes the field (earlier `pending` bytes, then `tail`) and appends it to the row.
    @inline(__always)
    private mutating func finishField(_ tail: UnsafeBufferPointer<UInt8>, quoted: Bool, maxFields: Int) throws {
        lastFieldQuoted = quoted
        let size = pending.count + tail.count
        if size > limits.maxFieldBytes || rowBytes + size > limits.maxRecordBytes { throw tooLarge(field: size) }
        rowBytes += size
        if values.count == maxFields {
            throw MuelleError(.malformedCSV,
                "this row has more fields than the \(maxFields) columns of the header; "
                + "a value containing the delimiter \(describe(delimiter)) must be enclosed in quotes",
                at: InputPosition(file: fileName, record: recordNumber + 1, line: fieldLine, column: fieldColumn))
        }
        let decodes = values.count >= decoding.count || decoding[values.count]
        let text: String
        if pending.isEmpty {
            if !decodes {
                // A column the mapping never reads: its bytes must still be text in the file's encoding. An
                // empty one stays empty text, so an empty line is still told from a row.
                let content = trimmed(tail, quoted: quoted)
                do throws(TextDecodingError) {
                    try TextDecoding.check(content, as: encoding)
                } catch {
                    throw encodingError(error, content: tail, quoted: quoted)
                }
                values.append(content.isEmpty ? .string("") : .null)
                return
            }
            do throws(TextDecodingError) {
                text = try TextDecoding.decode(trimmed(tail, quoted: quoted), as: encoding)
            } catch {
                throw encodingError(error, content: tail, quoted: quoted)
            }
        } else {
            pending.append(contentsOf: tail)
            if trim, !quoted {
                while let last = pending.last, last == 0x20 || last == 0x09 { pending.removeLast() }
            }
            let decoded: Result<String, TextDecodingError> = pending.withUnsafeBufferPointer { bytes in
                do throws(TextDecodingError) { return .success(try TextDecoding.decode(bytes, as: encoding)) } catch { return .failure(error) }
            }
            switch decoded {
            case .success(let decodedText):
                text = decodedText
                pending.removeAll(keepingCapacity: true)
            case .failure(let failure):
                let located = pending.withUnsafeBufferPointer { encodingError(failure, content: $0, quoted: quoted) }
                pending.removeAll(keepingCapacity: true)
                throw located
            }
        }
        values.append(decodes || text.isEmpty ? .string(text) : .null)
    }

    @inline(__always)
    private func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, quoted: Bool) -> UnsafeBufferPointer<UInt8> {
        guard trim, !quoted else { return bytes }
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[0..<end])
    }

    // MARK: - Errors

    private func incomplete(_ message: String, line: Int, column: Int, field: String? = nil) -> MuelleError {
        MuelleError(.incomplete, message, at: InputPosition(
            file: fileName, record: readingHeader ? nil : recordNumber + 1, line: line, column: column, field: field))
    }

    /// `fieldIndex` defaults to the field being read; after a closing quote it is the one just read.
    private func error(_ message: String, line: Int, column: Int, fieldIndex: Int? = nil) -> MuelleError {
        MuelleError(.malformedCSV, message, at: InputPosition(
            file: fileName, record: readingHeader ? nil : recordNumber + 1,
            line: line, column: column, field: fieldName(fieldIndex ?? values.count)))
    }

    private func fieldName(_ index: Int) -> String? {
        readingHeader || index < 0 || index >= header.count ? nil : header[index]
    }

    /// Locates a decoding failure in the file: the field's content starts at `fieldLine`/`fieldColumn`,
    /// and in the file each quote of the content was written twice and each LF began a new line.
    private func encodingError(_ failure: TextDecodingError, content: UnsafeBufferPointer<UInt8>, quoted: Bool) -> MuelleError {
        var line = fieldLine
        var column = fieldColumn
        for byte in content.prefix(failure.offset) {
            if byte == 0x0A { line += 1; column = 1 } else { column += quoted && byte == quote ? 2 : 1 }
        }
        return MuelleError(.encoding, failure.reason, at: InputPosition(
            file: fileName, record: readingHeader ? nil : recordNumber + 1,
            line: line, column: column, field: fieldName(values.count)))
    }

    private var doubledQuote: String {
        let q = String(UnicodeScalar(quote))
        return q + q
    }

    private func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0x09: return "tab"
        case 0x20: return "space"
        case 0x21...0x7E: return "'\(String(UnicodeScalar(byte)))'"
        default: return "byte \(TextDecoding.hex(byte))"
        }
    }
}
