import Foundation
import MuelleCore
import MuelleReaders

/// What a route does with a record it cannot map.
public enum BadRecordPolicy: String, Sendable {
    /// Any bad record rejects the whole file: nothing is emitted (the default for orders).
    case rejectFile = "reject_file"
    /// Bad records are left out and listed in the report; the rest is emitted.
    case skipRecord = "skip_record"
}

/// The kind of normalised record a route emits, and the outbox folder it goes to.
public enum RecordKind: String, Sendable, CaseIterable {
    case orders
    /// Status events of known orders, emitted as order updates.
    case orderEvents = "order-events"
    /// A full catalogue feed, emitted as the changes since the last one (upserts and deletions).
    case products
    /// Promotions, checked one by one and against each other (no overlap for one product).
    case promotions

    public var outboxFolder: String {
        switch self {
        case .orders: return "orders"
        case .orderEvents: return "order-updates"
        case .products: return "catalogue"
        case .promotions: return "promotions"
        }
    }

    /// The fields the contract requires, by object (`muelle check` verifies a mapping produces them).
    var requiredFields: [String: [String]] {
        switch self {
        case .orders: return OrderContract.requiredFields
        case .orderEvents: return EventContract.requiredFields
        case .products: return ProductContract.requiredFields
        case .promotions: return PromotionContract.requiredFields
        }
    }

    /// One record of the kind, in messages: "an order needs …".
    var recordName: String {
        switch self {
        case .orders: return "an order"
        case .orderEvents: return "an order event"
        case .products: return "a product"
        case .promotions: return "a promotion"
        }
    }

    /// What one normalised record of this kind is called in reports and logs.
    public var recordNoun: String {
        switch self {
        case .orders: return "orders"
        case .orderEvents: return "events"
        case .products: return "products"
        case .promotions: return "promotions"
        }
    }

    var contractFields: [String: [String]] {
        switch self {
        case .orders: return OrderContract.mappableFields
        case .orderEvents: return EventContract.mappableFields
        case .products: return ProductContract.mappableFields
        case .promotions: return PromotionContract.mappableFields
        }
    }
}

/// One route's mapping file, compiled: reader options plus closures, ready to map records.
public struct RouteMapping: Sendable {
    /// The route's name: the mapping's file stem and its inbox folder.
    public let name: String
    /// The mapping file, as it is named in messages (`mappings/shopify-orders.yaml`).
    public let file: String
    public let kind: RecordKind
    public let identity: OrderContract.Identity
    public let onError: BadRecordPolicy
    public let reader: ReaderOptions
    /// `reader: { max_field_bytes, max_record_bytes }`; `ReaderLimits.standard` unless set.
    public let readerLimits: ReaderLimits
    public let importRules: ImportRules
    /// Catalogue feeds: a feed that would remove a larger share of the known products is held back.
    public let maxRemovedShare: Double
    /// A file whose content ends early is held while younger than this (by its modification time), then
    /// quarantined as truncated.
    public let incompleteAfter: Duration
    /// Which imported orders become shipments; nil when the route ships nothing.
    public let shipping: ShippingSettings?
    /// The partner's SFTP server muelle fetches this route's files from; nil for drops only.
    public let sftpSource: SFTPSettings?
    /// The records again in a partner's own format (outbox/partner/).
    public let output: OutputSettings?
    /// Where the route's own outbox files (orders, catalogue changes, promotions…) are delivered.
    public let deliver: SFTPSettings?
    let groupBy: CompiledExpression?
    /// The route's `filter:`, clause by clause (empty: every record is selected).
    let filterClauses: [FilterClause]
    let fields: CompiledExpression
    /// What an input must have for `group_by`, `filter` and `fields` to read it (see `SourceBinding`).
    let sourceRequirements: [SourceRequirement]
    /// Every field of the input the mapping reads, optional ones included: a CSV column it reads must name
    /// one column of the header, not two (see `SourceBinding`).
    let sourceReads: [SourceReference]

    /// The outcome of mapping one record or group of rows.
    public enum Outcome: Sendable {
        /// `selected` is the route's `filter:` verdict. Records it does not select are still mapped:
        /// the filter decides what is imported the first time, while a later change of an order
        /// already imported is an update whatever the filter says.
        case mapped(Value, selected: Bool)
        /// Not selected by the filter and not mappable either: counted as filtered, never imported.
        case filtered
        case rejected(MuelleError)
    }

    /// The grouping key of a record, or nil when the route does not group rows.
    public func groupKey(of record: SourceRecord) throws -> String? {
        guard let groupBy else { return nil }
        var scope = EvalScope(group: [record])
        return try groupBy(&scope).text ?? ""
    }

    public var groupsRows: Bool { groupBy != nil }
    /// The column `group_by` reads, for messages about a group.
    public var groupByField: String? { groupBy?.sourceField }

    /// Maps one group (one record when the route does not group) onto a normalised record.
    public func map(_ group: [SourceRecord], source: OrderContract.Source, now: Date = Date()) -> Outcome {
        var tally = FilterTally()
        return map(group, source: source, now: now, tally: &tally)
    }

    /// Maps one group, counting in `tally` the filter clause or import rule that turns it away.
    public func map(_ group: [SourceRecord], source: OrderContract.Source, now: Date = Date(), tally: inout FilterTally) -> Outcome {
        var scope = EvalScope(group: group)
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
        } catch let error as MuelleError {
            return .rejected(error.located(file: source.file, record: position.record, line: position.line))
        } catch {
            return .rejected(MuelleError(.invalidRecord, "\(error)", at: position))
        }
        do {
            let mapped = try fields(&scope)
            switch kind {
            case .orders:
                let order = try OrderContract.normalise(mapped, identity: identity, source: source, at: position)
                guard selected, let refusal = importRules.refusal(order, now: now) else { return .mapped(order, selected: selected) }
                tally.count(rule: refusal.rule, location: refusal.location) { refusal.example }
                return .mapped(order, selected: false)
            case .orderEvents:
                return .mapped(try EventContract.normalise(mapped, source: source, at: position), selected: selected)
            case .products:
                return .mapped(try ProductContract.normalise(mapped, source: source, at: position), selected: selected)
            case .promotions:
                return .mapped(try PromotionContract.normalise(mapped, source: source, at: position), selected: selected)
            }
        } catch where !selected {
            return .filtered
        } catch let error as MuelleError {
            return .rejected(error.located(file: source.file, record: position.record, line: position.line))
        } catch {
            return .rejected(MuelleError(.invalidRecord, "\(error)", at: position))
        }
    }
}
