import Foundation
import MuelleCore
import MuelleReaders

/// Mapping in two halves — the filter and `fields:` (`draftRecords`), then the kind's contract and the
/// import rules (`complete`) — so that the second half can run on another thread than the reading one.
extension RouteMapping {
    /// The first half of `mapRecords`: the filter's verdict and `fields:`, without the kind's contract, which
    /// `complete` applies — in order, on another thread if the caller likes (the staging one).
    public func draftRecords(_ group: [SourceRecord], source: OrderContract.Source, metadata: [String: Value] = [:],
                             references: (any ReferenceSource)? = nil, tally: inout FilterTally) -> [DraftOutcome] {
        let rows = fillDown?.apply(to: group) ?? group
        guard let rowRecords else {
            return [draft(EvalScope(group: rows, metadata: metadata, references: references), source: source, tally: &tally)]
        }
        var outcomes: [DraftOutcome] = []
        for row in rows {
            let scope = EvalScope(row: row, of: rows, metadata: metadata, references: references)
            do {
                guard try rowRecords.keeps(scope) else { continue }
            } catch {
                outcomes.append(.rejected(Self.located(error, source: source, at: row.position)))
                continue
            }
            var own = source
            own.record = row.position.record ?? source.record
            own.line = row.position.line ?? source.line
            outcomes.append(draft(scope, source: own, tally: &tally))
        }
        return outcomes
    }

    /// A record through the filter and `fields:`; a record the filter turns away whose fields cannot be
    /// mapped is only filtered.
    private func draft(_ scope: EvalScope, source: OrderContract.Source, tally: inout FilterTally) -> DraftOutcome {
        var scope = scope
        let position = scope.position
        var selected = true
        do {
            // Clauses in order, stopping at the first that fails: that one is why.
            for clause in filterClauses where try !clause.test(&scope) {
                selected = false
                tally.count(rule: clause.text, location: clause.location) {
                    (try? clause.subject?.callAsFunction(&scope)).flatMap { $0.text ?? ($0 == .null ? "" : nil) }
                }
                break
            }
        } catch {
            return .rejected(Self.located(error, source: source, at: position))
        }
        do {
            return .draft(MappedDraft(value: try fields(&scope), selected: selected, source: source, position: position))
        } catch where !selected {
            return .filtered
        } catch {
            return .rejected(Self.located(error, source: source, at: position))
        }
    }

    /// The second half of `mapRecords`: checks a draft against the route kind's contract and the import rules,
    /// adding to `rounded` the amounts the mapping's roundings rounded when the record is imported (not those
    /// of a record the filter turns away).
    public func complete(_ draft: MappedDraft, now: Date = Date(), typed: Bool, tally: inout FilterTally, rounded: inout RoundedAmounts) -> Outcome {
        var own = RoundedAmounts()
        let outcome = complete(draft, now: now, typed: typed, tally: &tally, roundedHere: &own)
        switch outcome {
        case .mapped(_, selected: true), .order(_, selected: true): rounded.add(own)
        default: break
        }
        return outcome
    }

    private func complete(_ draft: MappedDraft, now: Date, typed: Bool, tally: inout FilterTally,
                          roundedHere rounded: inout RoundedAmounts) -> Outcome {
        let mapped = draft.value, source = draft.source, position = draft.position, selected = draft.selected
        do {
            switch kind {
            case .orders:
                let order = try OrderContract.check(mapped, identity: identity, source: source, at: position, rounding: moneyRounding, rounded: &rounded)
                var imported = selected
                if selected, let refusal = importRules.refusal(status: order.status, createdAt: order.createdAt, now: now) {
                    tally.count(rule: refusal.rule, location: refusal.location) { refusal.example }
                    imported = false
                }
                return typed ? .order(order, selected: imported) : .mapped(order.value, selected: imported)
            case .orderEvents:
                return .mapped(try EventContract.normalise(mapped, source: source, at: position), selected: selected)
            case .products:
                return .mapped(try ProductContract.normalise(mapped, source: source, at: position, rounding: moneyRounding, rounded: &rounded), selected: selected)
            case .promotions:
                return .mapped(try PromotionContract.normalise(mapped, source: source, at: position), selected: selected)
            case .customers:
                return .mapped(try CustomerContract.normalise(mapped, keyField: customerKey ?? "email", source: source, at: position), selected: selected)
            case .reference:
                return .mapped(try ReferenceContract.normalise(mapped, source: source, at: position), selected: selected)
            }
        } catch where !selected {
            return .filtered
        } catch {
            return .rejected(Self.located(error, source: source, at: position))
        }
    }
}
