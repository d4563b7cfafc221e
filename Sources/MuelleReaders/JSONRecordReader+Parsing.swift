import MuelleCore

/// The JSON grammar (RFC 8259). `build: false` validates without building values: members the
/// records path does not need cost no allocations; with `build: true`, only the members in `shape` are built.
extension JSONParser {
    mutating func parseValue(build: Bool, shape: RecordShape = .everything) throws -> Value {
        if currentRecord != nil, source.bytesRead - recordStart > limits.maxRecordBytes { try checkLimits(size: 0) }
        guard let b = try source.peek() else { throw syntaxError("the file ends where a JSON value was expected") }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(build: build, shape: shape)
        case UInt8(ascii: "["): return try parseArray(build: build, shape: shape)
        case UInt8(ascii: "\""):
            try advance()
            return try parseStringBody(build: build).map(Value.string) ?? .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber(build: build)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            throw syntaxError("expected a JSON value (an object, array, string, number, true, false or null), found \(describe(b))")
        }
    }

    private mutating func parseObject(build: Bool, shape: RecordShape) throws -> Value {
        try open()
        var keys: [String] = []
        var values: [Value] = []
        var isFirst = true
        while let key = try nextMember(isFirst: isFirst, buildKey: build) {
            isFirst = false
            // A member the mapping never reads keeps its key (what the record has is still seen) but not its value.
            let inner = build ? shape.member(key) : nil
            let value = try parseValue(build: inner != nil, shape: inner ?? shape)
            if build {
                keys.append(key)
                values.append(value)
            }
        }
        try advance()
        depth -= 1
        return build ? .object(ValueObject(keys: keyTables.table(for: keys), values: values)) : .null
    }

    /// The elements of a list are read as the list is: a key read from a list is read from each element.
    private mutating func parseArray(build: Bool, shape: RecordShape) throws -> Value {
        try open()
        var items: [Value] = []
        try skipWhitespace()
        if try source.peek() == UInt8(ascii: "]") {
            try advance()
            depth -= 1
            return build ? .array(items) : .null
        }
        while true {
            try skipWhitespace()
            let item = try parseValue(build: build, shape: shape)
            if build { items.append(item) }
            try skipWhitespace()
            let b = try source.peek()
            guard b == UInt8(ascii: ",") || b == UInt8(ascii: "]") else {
                throw syntaxError("expected ',' or ']' after an array element, found \(describe(b))")
            }
            try advance()
            if b == UInt8(ascii: "]") { break }
        }
        depth -= 1
        return build ? .array(items) : .null
    }

    /// Reads up to and including the ':' of the next member and returns its name (empty when not
    /// built); `nil` when the object ends, with the '}' left for the caller to consume.
    mutating func nextMember(isFirst: Bool, buildKey: Bool) throws -> String? {
        try skipWhitespace()
        var b = try source.peek()
        if b == UInt8(ascii: "}") { return nil }
        if !isFirst {
            guard b == UInt8(ascii: ",") else {
                throw syntaxError("expected ',' or '}' after an object member, found \(describe(b))")
            }
            try advance()
            try skipWhitespace()
            b = try source.peek()
        }
        guard b == UInt8(ascii: "\"") else {
            let expected = isFirst ? "a member name in double quotes or '}'" : "a member name in double quotes"
            throw syntaxError("expected \(expected), found \(describe(b))")
        }
        try advance()
        let key = try parseStringBody(build: buildKey) ?? ""
        if buildKey { currentKey = key }
        try skipWhitespace()
        guard try source.peek() == UInt8(ascii: ":") else {
            let name = buildKey ? "the member name \(QuotedInput.quote(key))" : "a member name"
            throw syntaxError("expected ':' after \(name), found \(describe(try source.peek()))")
        }
        try advance()
        try skipWhitespace()
        return key
    }

    /// Consumes '{' or '[' and counts the nesting level.
    mutating func open() throws {
        if depth >= JSONRecordReader.maxDepth {
            throw syntaxError("the JSON nests deeper than \(JSONRecordReader.maxDepth) levels of objects and arrays")
        }
        try advance()
        depth += 1
    }

    // MARK: - Scalars

    /// Collects the bytes a number can contain, then checks them against the grammar: a number
    /// lies on one line, so an offending byte's column is the number's column plus its offset.
    private mutating func parseNumber(build: Bool) throws -> Value {
        let line = source.line
        let column = source.column
        numberScratch.removeAll(keepingCapacity: true)
        while true {
            let (used, ended) = try source.withBufferedBytes { bytes -> (Int, Bool) in
                var i = 0
                while i < bytes.count, Self.mayBeInNumber(bytes[i]) { i += 1 }
                numberScratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<i]))
                return (i, i < bytes.count || bytes.isEmpty)
            }
            source.consume(used)
            if ended { break }
        }
        let following = try source.peek()
        if let (offset, message) = numberScratch.withUnsafeBufferPointer({ numberProblem(in: $0, following: following) }) {
            throw MuelleError(.malformedJSON, message, at: InputPosition(
                file: source.fileName, record: currentRecord, line: line, column: column + offset))
        }
        return build ? .number(String(decoding: numberScratch, as: UTF8.self)) : .null
    }

    @inline(__always)
    private static func mayBeInNumber(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x2B || b == 0x65 || b == 0x45
    }

    /// Where `bytes` break RFC 8259's number grammar, and how; `nil` if they are one number.
    private func numberProblem(in bytes: UnsafeBufferPointer<UInt8>, following: UInt8?) -> (Int, String)? {
        let n = bytes.count
        func isDigit(_ k: Int) -> Bool { k < n && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
        func found(_ k: Int) -> String { describe(k < n ? bytes[k] : following) }
        var i = 0
        if i < n, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return (i, "expected a digit after '-' in a number, found \(found(i))") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { return (i, "a number must not start with a leading zero") }
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return (i, "expected a digit after the decimal point in a number, found \(found(i))") }
            while isDigit(i) { i += 1 }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return (i, "expected a digit in the exponent of a number, found \(found(i))") }
            while isDigit(i) { i += 1 }
        }
        if i < n {
            return (i, "unexpected \(found(i)) in the number \(QuotedInput.quote(String(decoding: bytes, as: UTF8.self)))")
        }
        return nil
    }

    private func literal(_ word: StaticString) throws {
        let at = source.position(record: currentRecord)
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for expected in bytes {
            guard try source.next() == expected else {
                throw MuelleError(.malformedJSON, "invalid literal: expected '\(word)' (true, false and null are lowercase, without quotes)",
                                  at: at)
            }
        }
    }

    // MARK: - Whitespace and errors

    @inline(__always)
    func advance() throws {
        _ = try source.next()
    }

    /// Skips spaces, tabs, CR and (outside NDJSON) LF, a chunk at a time.
    func skipWhitespace() throws {
        let newlines = newlinesAreWhitespace
        while true {
            let (used, more) = try source.withBufferedBytes { bytes -> (Int, Bool) in
                var i = 0
                while i < bytes.count {
                    let b = bytes[i]
                    guard b == 0x20 || b == 0x09 || b == 0x0D || (b == 0x0A && newlines) else { return (i, false) }
                    i += 1
                }
                return (i, i > 0)
            }
            source.consume(used)
            if !more { return }
        }
    }

    func syntaxError(_ message: String, field: String? = nil) -> MuelleError {
        MuelleError(.malformedJSON, message, at: source.position(record: currentRecord, field: field))
    }

    func syntaxError(_ message: String, record: Int?) -> MuelleError {
        MuelleError(.malformedJSON, message, at: source.position(record: record))
    }

    func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        switch byte {
        case 0x0A: return newlinesAreWhitespace ? "a line break" : "the end of the line"
        case 0x09: return "a tab"
        case 0x21...0x7E: return "'\(String(UnicodeScalar(byte)))'"
        default: return "byte \(TextDecoding.hex(byte))"
        }
    }
}

/// Recently seen key lists: the records of one export repeat a handful of object shapes, and
/// sharing their `KeyTable` saves hashing every key of every object.
struct KeyTableCache {
    private static let capacity = 32
    private var tables: [KeyTable] = []
    private var nextSlot = 0

    mutating func table(for names: [String]) -> KeyTable {
        for table in tables where table.names == names { return table }
        let table = KeyTable(names)
        if tables.count < Self.capacity {
            tables.append(table)
        } else {
            tables[nextSlot] = table
            nextSlot = (nextSlot + 1) % Self.capacity
        }
        return table
    }
}
