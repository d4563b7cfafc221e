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
    /// A full customer feed, emitted like a catalogue: the changes since the last one.
    case customers

    /// Whether each file is the whole set (catalogue, customers), compared with the route's last one.
    public var isFullFeed: Bool { self == .products || self == .customers }
    /// Reference data kept by key (addresses, customers…) for other routes' `lookup:`; latest wins.
    case reference

    /// Whether other routes' `lookup:` may read the route's records by key: a reference route's, and a
    /// customer feed's (an order mapping looks its buyer up by email or platform id).
    public var keepsReferenceData: Bool { self == .reference || self == .customers }

    public var outboxFolder: String {
        switch self {
        case .orders: return "orders"
        case .orderEvents: return "order-updates"
        case .products: return "catalogue"
        case .promotions: return "promotions"
        case .customers: return "customers"
        case .reference: return "reference"
        }
    }

    /// The fields the contract requires, by object (`muelle check` verifies a mapping produces them).
    var requiredFields: [String: [String]] {
        switch self {
        case .orders: return OrderContract.requiredFields
        case .orderEvents: return EventContract.requiredFields
        case .products: return ProductContract.requiredFields
        case .promotions: return PromotionContract.requiredFields
        case .customers: return CustomerContract.requiredFields
        case .reference: return ReferenceContract.requiredFields
        }
    }

    /// One record of the kind, in messages: "an order needs …".
    var recordName: String {
        switch self {
        case .orders: return "an order"
        case .orderEvents: return "an order event"
        case .products: return "a product"
        case .promotions: return "a promotion"
        case .customers: return "a customer"
        case .reference: return "a reference record"
        }
    }

    /// What one normalised record of this kind is called in reports and logs.
    public var recordNoun: String {
        switch self {
        case .orders: return "orders"
        case .orderEvents: return "events"
        case .products: return "products"
        case .promotions: return "promotions"
        case .customers: return "customers"
        case .reference: return "references" // not "records": the rows read are "records" in logs
        }
    }

    var contractFields: [String: [String]] {
        switch self {
        case .orders: return OrderContract.mappableFields
        case .orderEvents: return EventContract.mappableFields
        case .products: return ProductContract.mappableFields
        case .promotions: return PromotionContract.mappableFields
        case .customers: return CustomerContract.mappableFields
        case .reference: return [:] // keeps whatever the mapping names
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
    /// Customer feeds: the customer field that keys each customer (`email`, `tax_id`, `platform_id`).
    public let customerKey: String?
    /// Every `lookup:` of the mapping (checked against the workspace's reference routes).
    public let lookups: [LookupUse]
    /// How long a file whose lookup finds nothing waits for the reference data before it is quarantined.
    public let lookupWait: Duration
    /// A reference route's fields (paths such as `city`, `address.city`) that lookups may read.
    public let referenceFields: [String]
    /// The reference routes this route's lookups read, sorted.
    public var lookupRoutes: [String] { Set(lookups.map(\.route)).sorted() }
    let groupBy: CompiledExpression?
    /// `fill_down:`: columns a group's later rows read from its first row where they leave them blank.
    let fillDown: FillDown?
    /// `records: { each: rows, … }`: each row of a group kept by it is one record, instead of the group.
    let rowRecords: RowRecords?
    /// The route's `filter:`, clause by clause (empty: every record is selected).
    let filterClauses: [FilterClause]
    let fields: CompiledExpression
    /// What an input must have for `group_by`, `filter` and `fields` to read it (see `SourceBinding`).
    let sourceRequirements: [SourceRequirement]
    /// Every field of the input the mapping reads, optional ones included: a CSV column it reads must name
    /// one column of the header, not two (see `SourceBinding`).
    let sourceReads: [SourceReference]
    /// `route: { file_pattern: … }`: an input whose name does not match is refused.
    public let filePattern: FilePattern?
    /// The metadata keys the mapping reads (`{ meta: … }`).
    let metadataRead: Set<String>
    /// The route's `timezone:`, in which `received_at` is written (UTC without one).
    let timeZone: TimeZone?
    /// Money fields the mapping lets muelle round to the currency's places (`{ decimal: X, round: half_even }`).
    var moneyRounding = MoneyRounding()
    /// `route: { http: … }`: how pushes become this route's drops (nil: `/hooks/<route>` with the defaults).
    public var http: HTTPIntakeSettings? = nil
    /// `expect:`: how often the feed arrives; a route that misses it is late.
    public var expectation: FeedExpectation?
    /// What of each input record `group_by`, `fill_down`, `records`, `filter` and `fields` read: the CSV columns
    /// and JSON members a reader needs to build (everything for XML, and for a mapping that reads records whole).
    public var recordShape = RecordShape.everything

    /// Whether what the mapping makes of an input depends on the input's name (`file_name` or a
    /// capture of `file_pattern`): then the same bytes under two names are two inputs, not a duplicate.
    public var readsFileName: Bool { !metadataRead.subtracting(["received_at"]).isEmpty }

    /// The outcome of mapping one record or group of rows.
    public enum Outcome: Sendable {
        /// `selected` is the route's `filter:` verdict. Records it does not select are still mapped:
        /// the filter decides what is imported the first time, while a later change of an order
        /// already imported is an update whatever the filter says.
        case mapped(Value, selected: Bool)
        /// An order, typed (only when asked for with `typed: true`): written straight to its JSON bytes,
        /// never built as a `Value`. Its `value` is what `.mapped` would hold.
        case order(NormalisedOrder, selected: Bool)
        /// Not selected by the filter and not mappable either: counted as filtered, never imported.
        case filtered
        case rejected(MuelleError)
    }

    /// A record through the filter and `fields:`, not yet checked against its kind's contract (`complete`).
    public struct MappedDraft: Sendable {
        public var value: Value
        /// The `filter:`'s verdict (import rules are applied by `complete`).
        public var selected: Bool
        public var source: OrderContract.Source
        public var position: InputPosition
    }

    /// What the first half of mapping makes of a record (`draftRecords`).
    public enum DraftOutcome: Sendable {
        case draft(MappedDraft)
        case filtered
        case rejected(MuelleError)
    }

    /// The grouping key of a record, or nil when the route does not group rows.
    public func groupKey(of record: SourceRecord) throws -> String? {
        try groupKey(of: record, metadata: [:])
    }

    /// The grouping key of a record of an input with these metadata (`{ meta: … }` in `group_by`).
    public func groupKey(of record: SourceRecord, metadata: [String: Value]) throws -> String? {
        guard let groupBy else { return nil }
        var scope = EvalScope(group: [record], metadata: metadata)
        return try groupBy(&scope).text ?? ""
    }

    public var groupsRows: Bool { groupBy != nil }
    /// The column `group_by` reads, for messages about a group.
    public var groupByField: String? { groupBy?.sourceField }

    /// Maps one group (one record when the route does not group) onto a normalised record; a route
    /// with `records:` makes several of one group (see `mapRecords`), of which this is the first.
    public func map(_ group: [SourceRecord], source: OrderContract.Source, now: Date = Date(), metadata: [String: Value] = [:],
                    references: (any ReferenceSource)? = nil) -> Outcome {
        var tally = FilterTally()
        var rounded = RoundedAmounts()
        return mapRecords(group, source: source, now: now, metadata: metadata, references: references, tally: &tally, rounded: &rounded).first ?? .filtered
    }

    /// Maps one group onto its records — one, or with `records: { each: rows }` one per row it keeps,
    /// each with its own row's position — counting in `tally` the filter clause or import rule that turns
    /// one away. Rows `records:` does not keep make no record at all: they are neither filtered nor rejected.
    /// `rounded` adds up what the mapping's roundings rounded in the records imported.
    /// With `typed`, orders come as `.order` (see `Outcome`).
    public func mapRecords(_ group: [SourceRecord], source: OrderContract.Source, now: Date = Date(), metadata: [String: Value] = [:],
                           references: (any ReferenceSource)? = nil, typed: Bool = false, tally: inout FilterTally, rounded: inout RoundedAmounts) -> [Outcome] {
        draftRecords(group, source: source, metadata: metadata, references: references, tally: &tally).map { outcome in
            switch outcome {
            case .draft(let draft): return complete(draft, now: now, typed: typed, tally: &tally, rounded: &rounded)
            case .filtered: return .filtered
            case .rejected(let error): return .rejected(error)
            }
        }
    }

    /// Maps one group, counting in `tally` the filter clause or import rule that turns it away.
    public func map(_ group: [SourceRecord], source: OrderContract.Source, now: Date = Date(), metadata: [String: Value] = [:],
                    references: (any ReferenceSource)? = nil, tally: inout FilterTally) -> Outcome {
        var rounded = RoundedAmounts()
        return mapRecords(group, source: source, now: now, metadata: metadata, references: references, tally: &tally, rounded: &rounded)
            .first ?? .filtered
    }

    static func located(_ error: any Error, source: OrderContract.Source, at position: InputPosition) -> MuelleError {
        guard let error = error as? MuelleError else { return MuelleError(.invalidRecord, "\(error)", at: position) }
        return error.located(file: source.file, record: position.record, line: position.line)
    }
}
