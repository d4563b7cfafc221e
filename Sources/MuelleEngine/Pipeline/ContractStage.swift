import MuelleCore
import MuelleMapping
import MuelleReaders

/// The second half of mapping a file — each draft `fields:` made checked against the route kind's contract
/// and the import rules — and, for the groups the reader hands over unmapped (`ContractPlacement.balanced`),
/// the first half too, where the records are staged. On a large file that is the staging thread: the contract
/// was an eighth of a CSV order's whole way through muelle, on the reading thread that was already the slower
/// of the two, and an XML record costs more to read than everything after it.
///
/// Drafts come in the file's order and leave in it; what the stage counts (kept, filtered, rejected, import
/// rules, roundings) is added to the reader's summary once the file is read (`MappingSummary.absorb`).
struct ContractStage {
    let mapping: RouteMapping
    let typed: Bool
    /// What the contract made of the drafts so far.
    var summary: MappingSummary {
        var summary = counts
        summary.filteredBy = tally
        summary.rounded = rounded
        return summary
    }
    private var counts = MappingSummary()
    private var tally = FilterTally()
    private var rounded = RoundedAmounts()
    /// For each listed rejection, and each rule in the tally: how many the reader had listed before its draft.
    private(set) var rejectionMarks: [Int] = []
    private(set) var ruleMarks: [Int] = []

    /// Where `lookup:`s read reference records, when this stage maps `fields:`.
    let references: (any ReferenceSource)?

    init(mapping: RouteMapping, typed: Bool, references: (any ReferenceSource)? = nil) {
        self.mapping = mapping
        self.typed = typed
        self.references = references
    }

    /// Maps a group through the filter and `fields:`, then the contract: the records to stage, in order.
    mutating func take(_ group: RowGroup, mark: MappingSummary.Mark) -> [(record: MappedRecord, selected: Bool)] {
        let rules = tally.entries.count
        let drafts = mapping.draftRecords(group.rows, source: group.source, metadata: group.metadata, references: references, tally: &tally)
        for _ in rules ..< tally.entries.count { ruleMarks.append(mark.rules) }
        var records: [(record: MappedRecord, selected: Bool)] = []
        for outcome in drafts {
            switch outcome {
            case .draft(let draft):
                if let judged = complete(draft, mark: mark) { records.append(judged) }
            case .filtered:
                counts.filtered += 1
            case .rejected(let error):
                let listed = counts.rejections.count
                counts.reject(error)
                if counts.rejections.count > listed { rejectionMarks.append(mark.rejections) }
            }
        }
        return records
    }

    /// The record to stage, or nil when the contract rejected the draft or it is only filtered.
    mutating func complete(_ draft: RouteMapping.MappedDraft, mark: MappingSummary.Mark) -> (record: MappedRecord, selected: Bool)? {
        let rules = tally.entries.count
        let outcome = mapping.complete(draft, typed: typed, tally: &tally, rounded: &rounded)
        for _ in rules ..< tally.entries.count { ruleMarks.append(mark.rules) }
        let listed = counts.rejections.count
        counts.count(outcome)
        if counts.rejections.count > listed { rejectionMarks.append(mark.rejections) }
        switch outcome {
        case .mapped(let value, let selected): return (.value(value), selected)
        case .order(let order, let selected): return (.order(order), selected)
        case .filtered, .rejected: return nil
        }
    }
}
