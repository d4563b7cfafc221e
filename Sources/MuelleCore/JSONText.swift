/// Writes `Value`s as JSON: keys in their given order, numbers exactly as held, no `Double`.
///
/// The writer appends UTF-8 bytes to a buffer; text that needs no escaping (almost all of it)
/// is copied in one go.
public enum JSONText {
    /// One line of JSON (NDJSON-ready: no raw newline can appear inside).
    public static func compact(_ value: Value) -> String {
        var out: [UInt8] = []
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented JSON for reports and golden files that people read and diff.
    public static func pretty(_ value: Value) -> String {
        var out: [UInt8] = []
        write(value, into: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Compact JSON appended to `out`.
    public static func write(_ value: Value, into out: inout [UInt8]) {
        write(value, into: &out, indent: nil, level: 0)
    }

    /// Compact JSON of an object appended to `out`; returns where each member starts (its leading
    /// comma), then where the closing brace is, so a caller can hash members without writing twice.
    public static func writeObject(_ object: ValueObject, into out: inout [UInt8]) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(object.count + 1)
        out.append(UInt8(ascii: "{"))
        for (i, name) in object.keys.names.enumerated() where i < object.values.count {
            offsets.append(out.count)
            if i > 0 { out.append(UInt8(ascii: ",")) }
            writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            write(object.values[i], into: &out, indent: nil, level: 1)
        }
        offsets.append(out.count)
        out.append(UInt8(ascii: "}"))
        return offsets
    }

    static func write(_ value: Value, into out: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null: out.append(contentsOf: nullBytes)
        case .bool(let b): out.append(contentsOf: b ? trueBytes : falseBytes)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: emptyArray); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                write(item, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.count == 0 { out.append(contentsOf: emptyObject); return }
            out.append(UInt8(ascii: "{"))
            for (i, name) in object.keys.names.enumerated() where i < object.values.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                writeString(name, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(object.values[i], into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let nullBytes = Array("null".utf8), trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)
    private static let emptyArray = Array("[]".utf8), emptyObject = Array("{}".utf8)

    private static func newline(_ out: inout [UInt8], _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    /// A JSON string; `"`, `\`, control characters and U+2028/U+2029 are escaped.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                var escape: [UInt8]?
                var width = 1
                if b == UInt8(ascii: "\"") { escape = quoteEscape }
                else if b == UInt8(ascii: "\\") { escape = backslashEscape }
                else if b < 0x20 { escape = controlEscape(b) }
                else if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                    // U+2028 and U+2029 are valid JSON but end lines in JavaScript.
                    escape = Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    width = 3
                }
                if let escape {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    out.append(contentsOf: escape)
                    i += width
                    runStart = i
                } else {
                    i += 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let quoteEscape = Array("\\\"".utf8), backslashEscape = Array("\\\\".utf8)

    private static func controlEscape(_ b: UInt8) -> [UInt8] {
        switch b {
        case 0x0A: return Array("\\n".utf8)
        case 0x0D: return Array("\\r".utf8)
        case 0x09: return Array("\\t".utf8)
        default:
            let hex = Array("0123456789abcdef".utf8)
            return Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
        }
    }

    /// Appends a JSON string to a `String` (for writers that build text).
    public static func writeString(_ s: String, into out: inout String) {
        var bytes: [UInt8] = []
        writeString(s, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }
}
