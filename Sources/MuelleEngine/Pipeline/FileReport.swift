import MuelleCore
import MuelleLedger
import MuelleMapping

/// The per-input report written to `outbox/reports/`: what came in, what went out, and every
/// rejected record with its position and reason.
struct FileReport {
    var entry: InputEntry
    var records: RecordCount
    var outputs: [String]
    var errors: [MuelleError]
    var duplicateOf: InputEntry?
    /// Shipments created from the imported orders, on routes that ship.
    var shipments: Int?
    /// Products a catalogue feed removed.
    var deletions: Int?
    /// Shipments voided because this file cancelled or refunded their orders.
    var voided: Int?
    /// Why records were not imported: the filter clause or import rule, how many, an example value.
    var filteredBy: FilterTally
    /// Amounts the mapping's roundings rounded to their currency's places, by field.
    var rounded = RoundedAmounts()

    init(entry: InputEntry, records: RecordCount, outputs: [String], errors: [MuelleError], duplicateOf: InputEntry? = nil, shipments: Int? = nil,
         deletions: Int? = nil, voided: Int? = nil, filteredBy: FilterTally = FilterTally()) {
        self.deletions = deletions
        self.voided = voided
        self.filteredBy = filteredBy
        self.entry = entry
        self.records = records
        self.outputs = outputs
        self.errors = errors
        self.duplicateOf = duplicateOf
        self.shipments = shipments
    }

    var value: Value {
        var pairs: [(String, Value)] = [
            ("kind", .string("report")), ("route", .string(entry.route)), ("file", .string(entry.name)),
            ("sha256", .string(entry.sha256)), ("size", .number(String(entry.size))), ("state", .string(entry.state.rawValue)),
            ("received_at", .string(entry.receivedAt)), ("finished_at", .string(entry.finishedAt)),
            ("records", .number(String(records.read))),
            ("counts", .object([
                ("kept", .number(String(entry.kept))), ("filtered", .number(String(entry.filtered))),
                ("rejected", .number(String(entry.rejected))), ("skipped", .number(String(entry.skipped))),
                ("updated", .number(String(entry.updated))), ("stale", .number(String(entry.stale))),
                ("cancelled_after_handover", .number(String(entry.cancelledAfterHandover))),
            ])),
            ("outputs", .array(outputs.map(Value.string))),
            ("original", entry.destination.map(Value.string) ?? .null),
        ]
        if !filteredBy.isEmpty {
            pairs.append(("filtered_by", .array(filteredBy.entries.map { entry in
                .object([
                    ("rule", .string(entry.rule)), ("mapping", .string(entry.location)), ("count", .number(String(entry.count))),
                    ("example", entry.example.map(Value.string) ?? .null), ("text", .string(entry.description)),
                ])
            })))
        }
        if !rounded.isEmpty { pairs.append(("rounded", Self.describe(rounded))) }
        if let kind = records.kind {
            // Placed right after `records`: rows read, then the orders (or products, events…) they made.
            let at = (pairs.firstIndex { $0.0 == "records" } ?? pairs.count - 1) + 1
            pairs.insert((kind.recordNoun, .number(String(records.mapped))), at: at)
        }
        if let shipments { pairs.append(("shipments", .number(String(shipments)))) }
        if let deletions { pairs.append(("deleted", .number(String(deletions)))) }
        if let voided { pairs.append(("shipments_voided", .number(String(voided)))) }
        if let duplicateOf {
            pairs.append(("duplicate_of", .object([
                ("file", .string(duplicateOf.name)), ("received_at", .string(duplicateOf.receivedAt)),
                ("report", duplicateOf.report.map(Value.string) ?? .null),
            ])))
        }
        pairs.append(("errors", .array(errors.map(Self.describe))))
        return .object(pairs)
    }

    /// `{"lines.unit_price": 2}`: how many amounts of each field were rounded.
    static func describe(_ rounded: RoundedAmounts) -> Value {
        .object(rounded.counts.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })
    }

    static func describe(_ error: MuelleError) -> Value {
        let p = error.position
        return .object([
            ("code", .string(error.code.rawValue)), ("message", .string(error.message)),
            ("record", p.record.map { .number(String($0)) } ?? .null),
            ("line", p.line.map { .number(String($0)) } ?? .null),
            ("column", p.column.map { .number(String($0)) } ?? .null),
            ("field", p.field.map(Value.string) ?? .null),
            ("text", .string(error.description)),
        ])
    }

    /// The readable report placed next to a quarantined original.
    var text: String {
        var lines = [
            "muelle could not take \(entry.name) (route \(entry.route)).",
            "Nothing from this file was emitted. Fix the file or the mapping, then run `muelle replay \(entry.destination ?? entry.name)`.",
            "",
        ]
        lines.append(contentsOf: errors.map { "- " + $0.description })
        if entry.rejected > errors.count { lines.append("- … and \(entry.rejected - errors.count) more rejected records") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What a file held: the records read (CSV rows, JSON or XML records) and the normalised records they
/// made — not the same count when rows are grouped (a Shopify order spans one row per line item).
struct RecordCount {
    var read: Int
    var mapped: Int
    /// The route's kind, naming what was made ("orders"); nil for a duplicate, which maps nothing.
    var kind: RecordKind?
}
