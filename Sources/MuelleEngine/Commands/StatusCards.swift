import Foundation
import MuelleCore
import MuelleIntake
import MuelleLedger
import MuelleMapping

/// `muelle status`: one card per route/account — its state, last run, counts and waiting files.
public enum StatusCards {
    public struct Card: Sendable {
        public var route: String
        public var platform: String
        public var account: String
        /// pending (nothing taken yet), syncing (a file is in hand now), synced, late (its `expect:` was missed), attention (files wait in
        /// quarantine until replayed or dismissed, or in the inbox because they cannot be taken), or error (the
        /// route cannot run: its mapping or carrier profile has errors).
        public var state: String
        public var lastRun: String?
        /// The newest quarantine reason while files wait there.
        public var lastError: String?
        /// Why the route cannot run (its mapping's or carrier profile's first error), or why it runs its
        /// last good version.
        public var mappingError: String?
        /// Files in quarantine not yet replayed or dismissed.
        public var quarantined = 0
        public var totals: RouteTotals
        public var waiting: Int
        /// Waiting files muelle tried to take and could not (unreadable, cannot be archived), and the newest reason.
        public var stuck = 0
        public var stuckReason: String?
        /// Partner files waiting for their delivery.
        public var pendingDeliveries = 0
        /// Waiting files held because a `lookup:` found no reference record yet, and the oldest one's reason.
        public var waitingForReference = 0
        public var waitingForReferenceReason: String?
        /// The route's `expect:` ("every 10 minutes"), and whether it missed it: late since when, and why.
        /// The metrics read `late` as a gauge (1 while late).
        public var expectation: String?
        public var late: FeedWatch.Lateness?
        public var isLate: Bool { late != nil }

        var value: Value {
            let counts: Value = .object([
                ("files", .number(String(totals.inputs))), ("imported", .number(String(totals.imported))),
                ("updated", .number(String(totals.updated))), ("skipped", .number(String(totals.skipped))),
                ("filtered", .number(String(totals.filtered))), ("rejected", .number(String(totals.rejected))),
                ("rejected_files", .number(String(totals.rejectedFiles))), ("duplicates", .number(String(totals.duplicates))),
                ("stale", .number(String(totals.stale))), ("cancelled_after_handover", .number(String(totals.cancelledAfterHandover))),
            ])
            var fields: [(String, Value)] = [
                ("route", .string(route)), ("platform", .string(platform)), ("account", .string(account)),
                ("state", .string(state)), ("last_run", lastRun.map(Value.string) ?? .null),
                ("last_error", lastError.map(Value.string) ?? .null),
                ("mapping_error", mappingError.map(Value.string) ?? .null),
                ("counts", counts),
                ("waiting", .number(String(waiting))), ("stuck", .number(String(stuck))),
                ("stuck_reason", stuckReason.map(Value.string) ?? .null), ("quarantined", .number(String(quarantined))),
                ("deliveries_pending", .number(String(pendingDeliveries))),
                ("waiting_for_reference", .number(String(waitingForReference))),
                ("waiting_for_reference_reason", waitingForReferenceReason.map(Value.string) ?? .null),
            ]
            fields.append(("expect", expectation.map(Value.string) ?? .null))
            fields.append(("late_since", late.map { Value.string(TimeText.iso($0.since)) } ?? .null))
            return .object(fields)
        }
    }

    /// One card per route of `catalog`, runnable or not: a broken route's card says why it does not run.
    /// Read from the ledger the workspace is configured with (muelle.yaml's `ledger:`, else the SQLite file).
    public static func cards(workspace: Workspace, catalog: RouteCatalog.Snapshot) throws -> [Card] {
        try cards(workspace: workspace, catalog: catalog, ledger: WorkspaceLedgers.open(workspace, postgres: nil, reading: true))
    }

    /// Read from `ledger` (nil: there is none yet, nothing was taken), SQLite or PostgreSQL alike.
    public static func cards(workspace: Workspace, catalog: RouteCatalog.Snapshot, ledger: (any WorkspaceLedger)?) throws -> [Card] {
        let scanner = InboxScanner(inboxPath: workspace.inbox)
        // With several workers each stages in a folder of its own (`.muelle/staging/<worker>/`).
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: workspace.stagingRoot)) ?? []
        let inHand = staged + staged.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: workspace.stagingRoot + "/" + $0)) ?? [] }
        let quarantine = try ledger.map { try QuarantineDesk.list(workspace: workspace, ledger: $0) } ?? []
        let names = Set(catalog.routes.keys).union(catalog.problems.keys.filter { !$0.contains("/") }).sorted()
        return try names.map { name in
            let route = catalog.routes[name]
            let last = try ledger?.inputs(route: name, limit: 1).first
            let totals = try ledger?.totals(route: name) ?? RouteTotals()
            // Counted, not listed: a card (and each /metrics scrape) must not hold 50,000 waiting names.
            let waiting = (try? scanner.scan(route: name, oldest: 0).left) ?? 0
            // Only those still there: a stuck file removed by hand is not waiting any more.
            let stillThere = { (file: String) in FileSystem.exists(workspace.inbox(route: name) + "/" + file) }
            let stuck = try (ledger?.stuckInputs(route: name) ?? []).filter { stillThere($0.name) }
            let syncing = inHand.contains { FileProcessor.stagingFolder($0, belongsTo: name) }
            let held = quarantine.filter { $0.route == name }
            let problem = catalog.problems[name]?.first.map { first in
                let more = (catalog.problems[name]?.count ?? 1) - 1
                return first.description.split(separator: "\n").first.map(String.init).map { more > 0 ? $0 + " (and \(more) more)" : $0 } ?? ""
            }
            let late = route.flatMap { FeedWatch.lateness(of: $0, workspace: workspace, ledger: ledger) }
            let state = switch last?.state {
            case _ where syncing: "syncing"
            case _ where problem != nil: "error"
            case _ where late != nil: "late"
            case _ where !held.isEmpty || !stuck.isEmpty: "attention"
            case nil: "pending"
            default: "synced"
            }
            var card = Card(route: name, platform: route?.identity.platform ?? "", account: route?.identity.account ?? "", state: state,
                            lastRun: last?.finishedAt, lastError: held.first?.reason, totals: totals, waiting: waiting,
                            pendingDeliveries: (try? ledger?.pendingDeliveries(route: name).count) ?? 0)
            card.quarantined = held.count
            card.stuck = stuck.count
            card.stuckReason = stuck.first.map { "\($0.name): \($0.reason)" }
            card.mappingError = problem
            card.expectation = route?.expectation?.description
            card.late = late
            let referenceWaits = try (ledger?.referenceWaits(route: name, waitingFor: nil) ?? []).filter { stillThere($0.name) }
            card.waitingForReference = referenceWaits.count
            card.waitingForReferenceReason = referenceWaits.first.map { "\($0.name) (since \($0.since)): \($0.reason)" }
            return card
        }
    }

    public static func json(_ cards: [Card]) -> String {
        JSONText.pretty(.object([("routes", .array(cards.map(\.value)))]))
    }

    public static func text(_ cards: [Card]) -> String {
        cards.map { card in
            // A route whose mapping never compiled has no platform or account to show.
            let connection = card.platform.isEmpty ? "" : "  [\(card.platform)/\(card.account)]"
            var lines = ["\(card.route)\(connection)  \(card.state)"]
            lines.append("  last run: \(card.lastRun ?? "never")    waiting: \(card.waiting) file(s)"
                         + (card.stuck > 0 ? ", \(card.stuck) cannot be taken: \(card.stuckReason ?? "")" : "")
                         + (card.quarantined > 0 ? "    in quarantine: \(card.quarantined) file(s)" : "")
                         + (card.pendingDeliveries > 0 ? "    deliveries pending: \(card.pendingDeliveries)" : ""))
            let t = card.totals
            lines.append("  imported \(t.imported) · updated \(t.updated) · skipped \(t.skipped)" + (t.stale > 0 ? " · stale \(t.stale)" : "")
                         + " · filtered \(t.filtered) · rejected \(t.rejected) (\(t.rejectedFiles) file(s)) · duplicates \(t.duplicates)")
            if t.cancelledAfterHandover > 0 {
                lines.append("  cancelled after handover: \(t.cancelledAfterHandover) order(s) — intercept with the carrier (see the reports; listed on the next manifest)")
            }
            if card.waitingForReference > 0 {
                lines.append("  waiting for reference data: \(card.waitingForReference) file(s): \(card.waitingForReferenceReason ?? "")")
            }
            if let late = card.late { lines.append("  late since \(TimeText.iso(late.since)): expects a file \(late.expectation)") }
            if let error = card.mappingError { lines.append("  mapping error: \(error)") }
            if let error = card.lastError { lines.append("  newest quarantine reason: \(error)") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
