import MuelleCore
import MuelleMapping

/// The second half of mapping a file: each draft `fields:` made is checked against the route kind's contract
/// and the import rules, where it is staged. On a large file that is the staging thread, so reading and
/// mapping keep a core to themselves (the contract was an eighth of a CSV order's whole way through muelle,
/// on the thread that was already the slower of the two).
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

    init(mapping: RouteMapping, typed: Bool) {
        self.mapping = mapping
        self.typed = typed
    }

    /// The record to stage, or nil when the contract rejected the draft or it is only filtered.
    mutating func complete(_ draft: RouteMapping.MappedDraft, mark: MappingSummary.Mark) -> (record: MappedRecord, selected: Bool)? {
        let rules = tally.entries.count
        let outcome = mapping.complete(draft, typed: typed, tally: &tally, rounded: &rounded)
        if tally.entries.count > rules { ruleMarks.append(mark.rules) }
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
