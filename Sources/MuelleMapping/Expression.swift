import MuelleCore
import MuelleReaders

/// What a compiled expression sees while one record (or group of rows) is mapped.
///
/// `values` is a stack: the record at the bottom, the current item of each enclosing `each:` above it.
public struct EvalScope {
    public var values: [Value]
    /// Where the current row or record is, for error messages.
    public var position: InputPosition
    /// The rows of the current group (`group_by`), addressable as `rows`.
    public var rows: [SourceRecord]
    /// What `{ meta: … }` reads: the input's name, arrival time, file_pattern captures.
    public var metadata: [String: Value]
    /// Where `lookup:` finds reference records; nil finds none.
    public var references: (any ReferenceSource)?

    public init(group rows: [SourceRecord], metadata: [String: Value] = [:], references: (any ReferenceSource)? = nil) {
        self.rows = rows
        self.metadata = metadata
        self.references = references
        self.values = [rows.first?.value ?? .null]
        self.position = rows.first?.position ?? InputPosition()
    }

    /// One row of a group as the record (`records: { each: rows }`); `rows` is still the whole group.
    public init(row: SourceRecord, of rows: [SourceRecord], metadata: [String: Value] = [:], references: (any ReferenceSource)? = nil) {
        self.rows = rows
        self.metadata = metadata
        self.references = references
        self.values = [row.value]
        self.position = row.position
    }

    public var current: Value { values[values.count - 1] }
}

/// A mapping expression compiled once at load: evaluating it never looks at the YAML again.
public struct CompiledExpression: Sendable {
    /// The source text it reads from, when it is a plain reference (for "field" in error messages).
    public let sourceField: String?
    let evaluate: @Sendable (inout EvalScope) throws -> Value

    init(sourceField: String? = nil, _ evaluate: @escaping @Sendable (inout EvalScope) throws -> Value) {
        self.sourceField = sourceField
        self.evaluate = evaluate
    }

    public func callAsFunction(_ scope: inout EvalScope) throws -> Value {
        try evaluate(&scope)
    }

    static func constant(_ value: Value) -> CompiledExpression {
        CompiledExpression { _ in value }
    }
}

/// A compiled condition (`filter:`, `if:`).
public struct CompiledCondition: Sendable {
    let test: @Sendable (inout EvalScope) throws -> Bool

    public func callAsFunction(_ scope: inout EvalScope) throws -> Bool {
        try test(&scope)
    }
}

/// A reference into the current record: a CSV column, or a JSON/XML path (`buyer.first_name`,
/// `ShippingAddress/City`, `payments[0].status`), optionally climbing scopes with `../`.
struct FieldPath: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    var up: Int
    let segments: [Segment]
    /// As written in the mapping.
    var text: String
    /// One per segment: where its key was last found, so the records of a file (which share their shape)
    /// are not searched afresh for every reference.
    let hints: [KeyHint]

    init(up: Int, segments: [Segment], text: String) {
        self.up = up
        self.segments = segments
        self.text = text
        hints = segments.map { _ in KeyHint() }
    }

    static func == (lhs: FieldPath, rhs: FieldPath) -> Bool {
        lhs.up == rhs.up && lhs.segments == rhs.segments && lhs.text == rhs.text
    }

    /// CSV columns are never split: "Lineitem price (incl. tax)" is one name.
    static func parse(_ text: String, splitting: Bool) -> FieldPath? {
        var rest = Substring(text)
        var up = 0
        while rest.hasPrefix("../") {
            up += 1
            rest = rest.dropFirst(3)
        }
        if rest == "." || rest.isEmpty { return FieldPath(up: up, segments: [], text: text) }
        guard splitting else { return FieldPath(up: up, segments: [.key(String(rest))], text: text) }
        var segments: [Segment] = []
        for part in rest.split(whereSeparator: { $0 == "." || $0 == "/" }) {
            var name = part
            var indexes: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                guard let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]), i >= 0 else { return nil }
                indexes.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty { segments.append(.key(String(name))) }
            segments.append(contentsOf: indexes.map(Segment.index))
        }
        return FieldPath(up: up, segments: segments, text: text)
    }

    func resolve(in scope: EvalScope) -> Value {
        let level = scope.values.count - 1 - up
        guard level >= 0 else { return .null }
        var value = scope.values[level]
        for (segment, hint) in zip(segments, hints) {
            value = Self.step(value, segment, hint: hint)
        }
        return value
    }

    /// Whether the path is there in `record` — with any value, null included. Only a key an object
    /// lacks counts as absent: an empty list, an index past its end or a null on the way says
    /// nothing either way, so it counts as present.
    func isPresent(in record: Value) -> Bool {
        Self.isPresent(segments[...], in: record)
    }

    private static func isPresent(_ rest: ArraySlice<Segment>, in value: Value) -> Bool {
        guard let segment = rest.first else { return true }
        switch (segment, value) {
        case (.key(let k), .object(let o)):
            guard let next = o[k] else { return false }
            return isPresent(rest.dropFirst(), in: next)
        case (.key, .array(let items)):
            return items.isEmpty || items.contains { isPresent(rest, in: $0) }
        case (.index(let i), .array(let items)):
            return i >= items.count || isPresent(rest.dropFirst(), in: items[i])
        case (.index(0), _):
            return isPresent(rest.dropFirst(), in: value)
        default:
            return true
        }
    }

    private static func step(_ value: Value, _ segment: Segment, hint: KeyHint) -> Value {
        switch (segment, value) {
        case (.key(let k), .object(let o)):
            return o.value(at: k, hint: hint) ?? .null
        case (.key, .array(let items)):
            // A key applied to a list reads it from every element: `payments.status`.
            return .array(items.map { step($0, segment, hint: hint) })
        case (.index(let i), .array(let items)):
            return i < items.count ? items[i] : .null
        case (.index(0), .object), (.index(0), .string), (.index(0), .number), (.index(0), .bool):
            // A single XML child is not wrapped in a list; index 0 still finds it.
            return value
        default:
            return .null
        }
    }
}
