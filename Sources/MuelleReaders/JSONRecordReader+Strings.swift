import MuelleCore

extension JSONParser {
    private enum StringChunk {
        /// The whole string was in the chunk without escapes: `end` bytes, then the closing quote.
        case closed(end: Int, text: String?)
        /// A quote, backslash or control byte at `offset`, after bytes moved to `scratch`.
        case special(offset: Int, byte: UInt8)
        case more(count: Int)
        case invalid(offset: Int, failure: TextDecodingError)
        case endOfFile
    }

    /// Reads a string after its opening quote, through its closing quote; `nil` when not built.
    ///
    /// Plain strings inside one chunk become a `String` straight from the buffer; the rest collect
    /// in `scratch`. JSON strings cannot hold a raw line break, so a string lies on one line and a
    /// byte's column is the string's column plus its offset, once escapes are accounted for.
    mutating func parseStringBody(build: Bool) throws -> String? {
        let line = source.line
        let startColumn = source.column
        scratch.removeAll(keepingCapacity: true)
        // (content offset from which it applies, file bytes minus content bytes of all escapes so far)
        var shifts: [(from: Int, shift: Int)] = []
        while true {
            let chunk = try source.withBufferedBytes { bytes -> StringChunk in
                let n = bytes.count
                if n == 0 { return .endOfFile }
                var i = 0
                while i < n {
                    let b = bytes[i]
                    if b == 0x22 || b == 0x5C || b < 0x20 { break }
                    i += 1
                }
                if i < n, bytes[i] == 0x22, scratch.isEmpty {
                    let content = UnsafeBufferPointer(rebasing: bytes[0..<i])
                    if let bad = TextDecoding.firstInvalidUTF8(in: content) {
                        return .invalid(offset: bad, failure: utf8Failure(content, at: bad))
                    }
                    return .closed(end: i, text: build ? String(decoding: content, as: UTF8.self) : nil)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<i]))
                try checkLimits(size: scratch.count)
                return i < n ? .special(offset: i, byte: bytes[i]) : .more(count: n)
            }
            switch chunk {
            case .closed(let end, let text):
                try checkLimits(size: end)
                source.consume(end + 1)
                return text
            case .more(let count):
                source.consume(count)
            case .invalid(let offset, let failure):
                source.consume(offset)
                throw MuelleError(.encoding, failure.reason, at: source.position(record: currentRecord))
            case .endOfFile:
                throw MuelleError(.malformedJSON,
                    "a string opened at line \(line), column \(startColumn - 1) is never closed: the file ends inside it",
                    at: InputPosition(file: source.fileName, record: currentRecord, line: line, column: startColumn - 1))
            case .special(let offset, let byte):
                source.consume(offset)
                if byte == 0x22 {
                    try advance()
                    return try finishString(build: build, line: line, startColumn: startColumn, shifts: shifts)
                }
                if byte == 0x5C {
                    let escapeColumn = source.column
                    let before = scratch.count
                    try advance()
                    let raw = try parseEscape(column: escapeColumn)
                    shifts.append((scratch.count, (shifts.last?.shift ?? 0) + raw - (scratch.count - before)))
                    continue
                }
                if byte == 0x0A {
                    throw syntaxError("the string opened at line \(line), column \(startColumn - 1) is not closed before the end "
                        + "of the line; a line break inside a string must be written as \\n")
                }
                throw syntaxError("a control character (byte \(TextDecoding.hex(byte))) must be written as an escape "
                    + "sequence such as \\t or \\u0001 inside a string")
            }
        }
    }

    /// A string growing across chunks stops at the limit: memory holds at most one limit's worth of it.
    /// With `size` 0 it checks only the record's bytes so far (each value of a record of many small ones).
    mutating func checkLimits(size: Int) throws {
        let fieldOver = size > limits.maxFieldBytes
        guard fieldOver || (currentRecord != nil && source.bytesRead - recordStart > limits.maxRecordBytes) else { return }
        scratch = []
        let position = InputPosition(file: source.fileName, record: currentRecord, line: source.line, column: source.column, field: currentKey)
        throw fieldOver ? limits.fieldTooLarge(at: position) : limits.recordTooLarge(at: position)
    }

    private mutating func finishString(build: Bool, line: Int, startColumn: Int, shifts: [(from: Int, shift: Int)]) throws -> String? {
        let (text, failure): (String?, (Int, TextDecodingError)?) = scratch.withUnsafeBufferPointer { content in
            if let bad = TextDecoding.firstInvalidUTF8(in: content) { return (nil, (bad, utf8Failure(content, at: bad))) }
            return (build ? String(decoding: content, as: UTF8.self) : nil, nil)
        }
        if let (offset, failure) = failure {
            let shift = shifts.last(where: { $0.from <= offset })?.shift ?? 0
            throw MuelleError(.encoding, failure.reason, at: InputPosition(
                file: source.fileName, record: currentRecord, line: line, column: startColumn + offset + shift))
        }
        return text
    }

    private func utf8Failure(_ content: UnsafeBufferPointer<UInt8>, at offset: Int) -> TextDecodingError {
        TextDecodingError(offset: offset, byte: content[offset], reason: TextDecoding.utf8Reason(content[offset]))
    }

    /// Decodes the escape after a backslash into `scratch`; returns how many file bytes it took.
    private mutating func parseEscape(column: Int) throws -> Int {
        let at = InputPosition(file: source.fileName, record: currentRecord, line: source.line, column: column)
        let escaped: UInt8
        switch try source.next() {
        case UInt8(ascii: "\""): escaped = 0x22
        case UInt8(ascii: "\\"): escaped = 0x5C
        case UInt8(ascii: "/"): escaped = 0x2F
        case UInt8(ascii: "b"): escaped = 0x08
        case UInt8(ascii: "f"): escaped = 0x0C
        case UInt8(ascii: "n"): escaped = 0x0A
        case UInt8(ascii: "r"): escaped = 0x0D
        case UInt8(ascii: "t"): escaped = 0x09
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: at)
            var raw = 6
            if scalar >= 0xD800, scalar <= 0xDBFF {
                var low: UInt32?
                if try source.peek() == 0x5C {
                    try advance()
                    if try source.next() == UInt8(ascii: "u") { low = try hex4(at: at) }
                }
                guard let low, low >= 0xDC00, low <= 0xDFFF else {
                    throw MuelleError(.malformedJSON, "the escape \\u\(hex(scalar)) is the first half of a surrogate pair and must be "
                        + "followed by the second half (\\uDC00 to \\uDFFF)", at: at)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                raw = 12
            } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                throw MuelleError(.malformedJSON, "the escape \\u\(hex(scalar)) is the second half of a surrogate pair "
                    + "without a first half before it", at: at)
            }
            appendUTF8(scalar)
            return raw
        case let other:
            throw MuelleError(.malformedJSON, "invalid escape sequence \\\(other.map { String(UnicodeScalar($0)) } ?? "") in a string; "
                + "valid ones are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\u followed by four hex digits", at: at)
        }
        scratch.append(escaped)
        return 2
    }

    private mutating func hex4(at: InputPosition) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt32
            switch try source.next() {
            case let b? where b >= 0x30 && b <= 0x39: digit = UInt32(b - 0x30)
            case let b? where b >= 0x41 && b <= 0x46: digit = UInt32(b - 0x41 + 10)
            case let b? where b >= 0x61 && b <= 0x66: digit = UInt32(b - 0x61 + 10)
            default:
                throw MuelleError(.malformedJSON, "\\u in a string must be followed by four hex digits", at: at)
            }
            value = value << 4 | digit
        }
        return value
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
            scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
