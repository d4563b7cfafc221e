import Foundation
import Synchronization

/// A record as read from any input format, and a normalised record before it is written.
///
/// Numbers keep the exact text they were written with: money never passes through `Double`,
/// so `33333.33` stays `33333.33` until it is parsed as a `Decimal`.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number exactly as written in the input (`"99999.99"`, `"2000009876543210"`).
    case number(String)
    case string(String)
    case array([Value])
    case object(ValueObject)

    /// The value as text, for string functions and conversions; `nil` for null, arrays and objects.
    public var text: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }

    /// Null, or a string of only whitespace: what a spreadsheet export means by "no value".
    public var isBlank: Bool {
        switch self {
        case .null: return true
        case .string(let s): return Self.isBlank(s)
        case .array(let a): return a.isEmpty
        default: return false
        }
    }

    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Empty or only whitespace; ASCII is checked byte by byte, other text by its characters.
    public static func isBlank(_ s: String) -> Bool {
        for byte in s.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x80...: return s.allSatisfy(\.isWhitespace)
            default: return false
            }
        }
        return true
    }

    /// Whether text has whitespace at either end (the common answer, no, is found without Foundation).
    public static func needsTrimming(_ s: String) -> Bool {
        guard let first = s.utf8.first, let last = s.utf8.last else { return false }
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        if space(first) || space(last) { return true }
        // Non-ASCII ends ("Café", "Ñoño") are letters far more often than exotic spaces: look closer.
        if first >= 0x80, s.unicodeScalars.first?.properties.isWhitespace == true { return true }
        if last >= 0x80, s.unicodeScalars.last?.properties.isWhitespace == true { return true }
        return false
    }

    /// `s` without surrounding whitespace, touching Foundation only when there is some.
    public static func trimmed(_ s: String) -> String {
        needsTrimming(s) ? s.trimmingCharacters(in: .whitespacesAndNewlines) : s
    }

    /// Builds an object from ordered pairs; later duplicates of a key win on lookup.
    public static func object(_ pairs: [(String, Value)]) -> Value {
        .object(ValueObject(pairs))
    }
}

/// An object whose key order is kept (output is written in mapping order).
///
/// Rows of one CSV file share one `KeyTable`, so a column lookup is a hash probe, not a scan.
public struct ValueObject: Sendable, Equatable {
    public let keys: KeyTable
    public var values: [Value]

    public init(keys: KeyTable, values: [Value]) {
        self.keys = keys
        self.values = values
    }

    public init(_ pairs: [(String, Value)]) {
        self.keys = KeyTable(pairs.map(\.0))
        self.values = pairs.map(\.1)
    }

    public var count: Int { values.count }

    public subscript(key: String) -> Value? {
        guard let index = keys.index(of: key), index < values.count else { return nil }
        return values[index]
    }

    /// The value at `key`, looked for first where `hint` last found it: records of one file share their
    /// shape, so a mapping's reference finds its column or member without hashing or scanning the keys.
    @inline(__always)
    public func value(at key: String, hint: KeyHint) -> Value? {
        let guess = hint.position.load(ordering: .relaxed)
        if guess >= 0, guess < values.count, guess < keys.names.count, keys.names[guess] == key, keys.isLastOccurrence(guess) {
            return values[guess]
        }
        guard let index = keys.index(of: key), index < values.count else { return nil }
        hint.position.store(index, ordering: .relaxed)
        return values[index]
    }

    /// The pairs in order.
    public var pairs: [(String, Value)] {
        zip(keys.names, values).map { ($0, $1) }
    }

    public static func == (lhs: ValueObject, rhs: ValueObject) -> Bool {
        lhs.keys.names == rhs.keys.names && lhs.values == rhs.values
    }
}

/// Key names and their positions, shared by every object with the same shape.
public final class KeyTable: Sendable {
    public let names: [String]
    /// Only for wide objects (CSV rows): small ones are searched directly, which is cheaper than
    /// hashing every key of every small JSON or XML object read.
    private let positions: [String: Int]?
    /// Some name comes twice (a JSON object may repeat a key; a CSV header may repeat a column).
    private let hasDuplicates: Bool
    private static let hashedAbove = 12

    public init(_ names: [String]) {
        self.names = names
        guard names.count > Self.hashedAbove else {
            positions = nil
            hasDuplicates = names.indices.contains { i in names[(i + 1)...].contains(names[i]) }
            return
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(names.count)
        // The last occurrence wins, as in JSON parsers that accept duplicate keys.
        for (i, n) in names.enumerated() { positions[n] = i }
        self.positions = positions
        hasDuplicates = positions.count < names.count
    }

    @inline(__always)
    public func index(of key: String) -> Int? {
        if let positions { return positions[key] }
        return names.lastIndex(of: key)
    }

    /// Whether no later key has the name of the one at `index` (a lookup takes the last of duplicates).
    @inline(__always)
    func isLastOccurrence(_ index: Int) -> Bool {
        !hasDuplicates || self.index(of: names[index]) == index
    }
}

/// Where a key was last found in the objects one reference reads (see `ValueObject.value(at:hint:)`).
/// Shared by every evaluation of that reference: a wrong guess costs a lookup, never a wrong value.
public final class KeyHint: Sendable {
    let position = Atomic<Int>(-1)

    public init() {}
}
