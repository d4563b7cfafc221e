import MuelleCore
import MuelleReaders

/// A field of the input that a route's mapping reads — a CSV column, or a JSON/XML path — and where
/// in the mapping file it is read, so a file that lacks it can be refused naming both.
public struct SourceReference: Sendable, Equatable {
    /// The section of the mapping that reads it.
    public enum Use: String, Sendable {
        case groupBy = "group_by"
        case fillDown = "fill_down"
        case records
        case filter
        case fields
    }

    /// The column name, or the path as written without its leading `../`.
    public let name: String
    public let use: Use
    /// Where the mapping file reads it (1-based).
    public let file: String
    public let line: Int
    public let column: Int
    let path: FieldPath

    /// `mappings/shopify-orders.yaml:33:20`
    public var location: String { "\(file):\(line):\(column)" }
}

/// What an input must provide for the mapping to read it: a field, or — for a `coalesce` — any one
/// of its arguments (an argument that reads nothing, a constant, is always there).
indirect enum SourceRequirement: Sendable {
    case field(SourceReference)
    case anyOf([[SourceRequirement]])

    /// Whether the input satisfies it, given which references it has.
    func isMet(by has: (SourceReference) -> Bool) -> Bool {
        switch self {
        case .field(let reference): return has(reference)
        case .anyOf(let alternatives): return alternatives.contains { $0.allSatisfy { $0.isMet(by: has) } }
        }
    }

    /// Every reference inside, in the order the mapping reads them.
    var references: [SourceReference] {
        switch self {
        case .field(let reference): return [reference]
        case .anyOf(let alternatives): return alternatives.flatMap { $0.flatMap(\.references) }
        }
    }
}

/// Collects the source references an expression reads while it is compiled.
///
/// Only the compiler of `group_by`, `filter` and `fields` has one: `output:` columns and shipping
/// rules read the normalised record, not the input.
final class ReferenceLog {
    private(set) var requirements: [SourceRequirement] = []
    /// Every reference compiled, optional or not, in the order read (never taken out by `capture`).
    private(set) var reads: [SourceReference] = []

    /// The metadata keys (`{ meta: … }`) the mapping reads.
    private(set) var metadata: Set<String> = []
    /// Every `lookup:` compiled, for the check against the reference routes.
    private(set) var lookups: [LookupUse] = []

    func read(_ reference: SourceReference) { reads.append(reference) }

    func readMetadata(_ key: String) { metadata.insert(key) }

    func lookup(_ use: LookupUse) { lookups.append(use) }

    func add(_ requirement: SourceRequirement) { requirements.append(requirement) }

    /// What of each record the mapping reads, as a tree of member names (see `RecordShape`).
    private let shape = ShapeBuilder()

    /// Records that the value at `keys` (member names from the record's top) is read: whole, or with
    /// `asList`, only as the list `each:`/`sum:` walks, whose elements' members are read one by one.
    func readShape(_ keys: [String], asList: Bool) {
        var node = shape
        for key in keys {
            if node.whole { return }
            node = node.member(key)
        }
        if !asList { node.whole = true }
    }

    /// The record shape read, frozen for the readers.
    var recordShape: RecordShape { shape.frozen() }

    /// Runs `body` and returns what it compiled with the requirements it recorded, which are taken
    /// out of the log so the caller can combine them (a `coalesce` keeps any one alternative).
    func capture<T>(_ body: () -> T) -> (T, [SourceRequirement]) {
        let saved = requirements
        requirements = []
        let result = body()
        let captured = requirements
        requirements = saved
        return (result, captured)
    }
}

/// The tree `ReferenceLog` grows while a mapping compiles; `frozen()` makes the readers' `RecordShape`.
private final class ShapeBuilder {
    var whole = false
    private var members: [String: ShapeBuilder] = [:]

    func member(_ key: String) -> ShapeBuilder {
        if let node = members[key] { return node }
        let node = ShapeBuilder()
        members[key] = node
        return node
    }

    func frozen() -> RecordShape {
        whole ? .everything : RecordShape(whole: false, members: members.mapValues { $0.frozen() })
    }
}

/// Where an expression is compiled, as far as source references are concerned.
struct ReferenceContext {
    /// One entry per scope level, the record at the bottom: whether that level is a record (or a
    /// `group_by` row) of the input, as opposed to an element of a list inside one (`each:`).
    var levels: [Bool] = [true]
    /// One entry per scope level: the member names from the record's top to the list whose elements
    /// that level walks (`["order_items"]`); empty for a record, nil for a list the mapping computes.
    var prefixes: [[String]?] = [[]]
    /// Compiling the list an `each:` or `sum:` walks: its elements are read member by member, not whole.
    var readsList = false
    var use: SourceReference.Use = .fields
    /// Inside `{ optional: … }`: the input may lack what is read here.
    var optional = false

    /// Whether `path`, read at this point, reads the input record itself.
    func readsRecord(_ path: FieldPath) -> Bool {
        let level = levels.count - 1 - path.up
        return level >= 0 && levels[level] && !path.segments.isEmpty
    }

    /// The member names from the record's top that `path`, read here, reads; nil when it reads a value
    /// the mapping computed (whose own reads are recorded where they are compiled). List indexes drop
    /// out: a key read from a list is read from every element.
    func recordKeys(_ path: FieldPath) -> [String]? {
        let level = levels.count - 1 - path.up
        guard level >= 0, let prefix = prefixes[level] else { return nil }
        return prefix + path.segments.compactMap { segment in
            if case .key(let key) = segment { return key }
            return nil
        }
    }
}
