import MuelleCore
import MuelleMapping
import MuelleReaders

/// What mapping one file produced, before any of it is made visible.
public struct MappingSummary: Sendable {
    public var records = 0
    public var kept = 0
    public var filtered = 0
    public var rejectedCount = 0
    /// Rejected records among them whose `lookup:` found no reference record (yet): the file waits for it.
    public var waitingForReference = 0
    /// Rejected records with their reasons (the first `maxListed`; `rejectedCount` has them all).
    public var rejections: [MuelleError] = []
    /// A problem that made the rest of the file unreadable (malformed CSV/JSON/XML, unreadable file).
    public var fatal: MuelleError?
    /// Columns (CSV) or filter paths (JSON/XML) the mapping reads that the file lacks: each refuses it.
    public var unbound: [MuelleError] = []
    /// Which filter clause or import rule turned records away, and how many.
    public var filteredBy = FilterTally()
    /// Amounts of the kept records that the mapping's roundings rounded, by field.
    public var rounded = RoundedAmounts()
    public static let maxListed = 1000

    /// Records made of the rows (an order of three rows counts once; with `records: { each: rows }`, each
    /// row kept is one): kept, filtered or rejected. Rows that make no record are in `records` only.
    public var mapped: Int { kept + filtered + rejectedCount }

    /// Whether the file as a whole is refused under the route's policy.
    public func refusesFile(policy: BadRecordPolicy) -> Bool {
        fatal != nil || !unbound.isEmpty || (policy == .rejectFile && rejectedCount > 0)
    }

    /// Whether the file waits for reference data rather than being refused: lookups found nothing, and
    /// nothing else would refuse it.
    public func waitsForReference(policy: BadRecordPolicy) -> Bool {
        waitingForReference > 0 && fatal == nil && unbound.isEmpty && !(policy == .rejectFile && rejectedCount > waitingForReference)
    }

    /// The problems with the file as a whole, then the rejected records.
    public var errors: [MuelleError] {
        (fatal.map { [$0] } ?? []) + unbound + rejections
    }

    mutating func reject(_ error: MuelleError) {
        rejectedCount += 1
        if error.code == .lookupMissing { waitingForReference += 1 }
        if rejections.count < Self.maxListed { rejections.append(error) }
    }

    /// Counts a record the contract has judged.
    mutating func count(_ outcome: RouteMapping.Outcome) {
        switch outcome {
        case .mapped(_, let selected), .order(_, let selected):
            if selected { kept += 1 } else { filtered += 1 }
        case .filtered:
            filtered += 1
        case .rejected(let error):
            reject(error)
        }
    }

    /// How far the summary had got when a draft left for the contract stage: where what the stage makes of
    /// it belongs among what the reader counted.
    struct Mark: Sendable {
        var rejections: Int
        var rules: Int
    }

    /// Adds what the contract stage made of this file's drafts. Its listed rejection `i` came after the first
    /// `rejectionMarks[i]` rejections of this summary, and its tally entry `j` (import rules) first appeared after
    /// the first `ruleMarks[j]` entries, so both lists stay in the file's order.
    mutating func absorb(_ contract: MappingSummary, rejectionMarks: [Int], ruleMarks: [Int]) {
        kept += contract.kept
        filtered += contract.filtered
        rejectedCount += contract.rejectedCount
        waitingForReference += contract.waitingForReference
        rounded.add(contract.rounded)
        rejections = Array(Self.interleave(rejections, contract.rejections, marks: rejectionMarks).prefix(Self.maxListed))
        var tally = FilterTally()
        tally.add(Self.interleave(filteredBy.entries, contract.filteredBy.entries, marks: ruleMarks))
        filteredBy = tally
    }

    /// `later`'s items placed among `earlier`'s: item `i` after the first `marks[i]` of `earlier` (marks ascending).
    private static func interleave<Item>(_ earlier: [Item], _ later: [Item], marks: [Int]) -> [Item] {
        guard !later.isEmpty else { return earlier }
        var merged: [Item] = []
        var taken = 0
        for (item, mark) in zip(later, marks) {
            while taken < earlier.count, taken < mark {
                merged.append(earlier[taken])
                taken += 1
            }
            merged.append(item)
        }
        merged.append(contentsOf: earlier[taken...])
        return merged
    }
}

/// What reading and mapping hand on: a record the contract has judged, a draft for the contract stage, or
/// a group of rows for it to map (with how far the reader's summary had got, for the order of the listed
/// rejections and rules).
enum MappedItem {
    case record(MappedRecord, selected: Bool)
    case draft(RouteMapping.MappedDraft, MappingSummary.Mark)
    case group(RowGroup, MappingSummary.Mark)
}

/// One group of rows (one record when the route does not group) with what mapping it needs besides.
struct RowGroup {
    var rows: [SourceRecord]
    var source: OrderContract.Source
    var metadata: [String: Value]
}

/// Where the halves of mapping run: both here as each group is read (`inline`), or the contract always in the
/// caller's `ContractStage` (on the staging thread) and `fields:` there too for each group read while
/// `offloadsFields` says so — in muelle, while the stage is about to run out of work, so the two threads stay
/// busy whatever the format (a CSV row is cheap to read, an XML record dear) and the mapping cost.
enum ContractPlacement {
    case inline(typed: Bool)
    case balanced(offloadsFields: () -> Bool)

    /// Whether the next group goes to the stage unmapped.
    var offloadsFields: Bool {
        switch self {
        case .inline: return false
        case .balanced(let offloadsFields): return offloadsFields()
        }
    }
}

/// A mapped record on its way to staging: a `Value`, or an order typed by the contract.
enum MappedRecord {
    case value(Value)
    case order(NormalisedOrder)

    var value: Value {
        switch self {
        case .value(let value): return value
        case .order(let order): return order.value
        }
    }
}

/// Streams one input file through a route's compiled mapping: read → group → filter → map.
///
/// Only one group of rows is held at a time, so memory is flat in the file size. It has no effects
/// of its own: mapped records go to `onMapped` with the filter's verdict, and the caller decides
/// what is written where.
public struct FileMapper {
    public let mapping: RouteMapping
    /// Where the mapping's `lookup:`s read reference records.
    public let references: (any ReferenceSource)?

    public init(mapping: RouteMapping, references: (any ReferenceSource)? = nil) {
        self.mapping = mapping
        self.references = references
    }

    public func run(
        path: String, fileName: String, sha256: String, metadata: InputMetadata? = nil,
        progress: ((_ records: Int, _ bytes: Int) -> Void)? = nil,
        onMapped: (_ record: Value, _ selected: Bool) throws -> Void
    ) -> MappingSummary {
        run(path: path, fileName: fileName, sha256: sha256, metadata: metadata, contract: .inline(typed: false), progress: progress) { item in
            if case .record(let record, let selected) = item { try onMapped(record.value, selected) }
        }
    }

    /// The same, with the contract applied where `contract` says: inline (orders typed when asked, written
    /// straight to bytes by the staging), or by the caller, who then adds its counts to the summary.
    func run(
        path: String, fileName: String, sha256: String, metadata: InputMetadata? = nil, contract: ContractPlacement,
        progress: ((_ records: Int, _ bytes: Int) -> Void)? = nil,
        onMapped: (_ item: MappedItem) throws -> Void
    ) -> MappingSummary {
        var summary = MappingSummary()
        // A name the route's file_pattern refuses: the file is not read at all.
        let meta: [String: Value]
        do {
            meta = try mapping.metadataValues(metadata ?? InputMetadata(fileName: fileName, receivedAt: nil))
        } catch {
            summary.fatal = Self.muelleError(error, file: fileName)
            return summary
        }
        let reader: any RecordReader
        do {
            reader = try RecordReaders.open(path: path, fileName: fileName, options: mapping.reader, limits: mapping.readerLimits,
                                            reading: mapping.recordShape)
        } catch {
            summary.fatal = Self.muelleError(error, file: fileName)
            return summary
        }
        // A file without a column the mapping reads is refused before any row is read.
        if let header = reader.columnNames {
            summary.unbound = mapping.headerProblems(header, file: fileName)
            if !summary.unbound.isEmpty { return summary }
        }
        var presence = mapping.presenceCheck()
        var group: [SourceRecord] = []
        var groupKey: String?
        // Hashes of the groups already closed: a key coming back means the file does not keep a group's rows
        // together. 8 bytes per group, not per row; a hash collision could only refuse a good file, never pass a bad one.
        var closedGroups = Set<Int>()
        // Kept apart from `summary` until the end: `flush` captures all three, and one access at a time is checked at run time.
        var filteredBy = FilterTally()
        var rounded = RoundedAmounts()

        func flush() throws {
            guard let first = group.first else { return }
            let source = OrderContract.Source(route: mapping.name, file: fileName, sha256: sha256,
                                              record: first.position.record ?? summary.records, line: first.position.line)
            if contract.offloadsFields {
                try onMapped(.group(RowGroup(rows: group, source: source, metadata: meta),
                                    MappingSummary.Mark(rejections: summary.rejections.count, rules: filteredBy.entries.count)))
                group.removeAll(keepingCapacity: true)
                return
            }
            let drafts = mapping.draftRecords(group, source: source, metadata: meta, references: references, tally: &filteredBy)
            for outcome in drafts {
                switch outcome {
                case .draft(let draft):
                    guard case .inline(let typed) = contract else {
                        try onMapped(.draft(draft, MappingSummary.Mark(rejections: summary.rejections.count, rules: filteredBy.entries.count)))
                        continue
                    }
                    let judged = mapping.complete(draft, typed: typed, tally: &filteredBy, rounded: &rounded)
                    summary.count(judged)
                    switch judged {
                    case .mapped(let value, let selected): try onMapped(.record(.value(value), selected: selected))
                    case .order(let order, let selected): try onMapped(.record(.order(order), selected: selected))
                    case .filtered, .rejected: break
                    }
                case .filtered:
                    summary.filtered += 1
                case .rejected(let error):
                    summary.reject(error)
                }
            }
            group.removeAll(keepingCapacity: true)
        }

        do {
            while let record = try reader.next() {
                summary.records += 1
                presence?.observe(record)
                if mapping.groupsRows {
                    let key: String?
                    do {
                        key = try mapping.groupKey(of: record, metadata: meta)
                    } catch {
                        summary.reject(Self.muelleError(error, file: fileName))
                        continue
                    }
                    if key != groupKey || key?.isEmpty == true {
                        try flush()
                        if let closed = groupKey, !closed.isEmpty { closedGroups.insert(closed.hashValue) }
                        if let key, !key.isEmpty, closedGroups.contains(key.hashValue) {
                            throw splitGroup(key, at: record.position, file: fileName)
                        }
                    }
                    groupKey = key
                    group.append(record)
                } else {
                    group.append(record)
                    try flush()
                }
                if let progress, summary.records % 1024 == 0 { progress(summary.records, reader.bytesRead) }
            }
            try flush()
            progress?(summary.records, reader.bytesRead)
        } catch {
            summary.fatal = Self.muelleError(error, file: fileName)
        }
        if summary.fatal == nil, let presence { summary.unbound = presence.problems(file: fileName) }
        summary.filteredBy = filteredBy
        summary.rounded = rounded
        return summary
    }

    /// Rows are grouped while consecutive: a group seen again would become a second, partial record
    /// (an order with only some of its lines, then an update taking the others away), so the whole file is refused.
    private func splitGroup(_ key: String, at position: InputPosition, file: String) -> MuelleError {
        let field = mapping.groupByField
        let column = field.map { "\"\($0)\"" } ?? "the group_by value"
        return MuelleError(.splitGroup,
            "\(QuotedInput.quote(key)) appeared earlier in this file, with other rows between: rows are grouped (group_by) only while consecutive, "
            + "so its rows would make two partial records; nothing of the file is taken. Export or sort the file so that rows with the same \(column) are together",
            at: InputPosition(file: file, record: position.record, line: position.line, field: field))
    }

    static func muelleError(_ error: any Error, file: String) -> MuelleError {
        if let error = error as? MuelleError { return error.located(file: file) }
        return MuelleError(.io, "\(error)", at: InputPosition(file: file))
    }
}
