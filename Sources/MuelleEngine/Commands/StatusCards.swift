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
        /// pending (nothing taken yet), syncing (a file is in hand now), synced, or error (the last
        /// file was rejected).
        public var state: String
        public var lastRun: String?
        public var lastError: String?
        public var totals: RouteTotals
        public var waiting: Int
        /// Partner files waiting for their delivery.
        public var pendingDeliveries = 0

        var value: Value {
            .object([
                ("route", .string(route)), ("platform", .string(platform)), ("account", .string(account)),
                ("state", .string(state)), ("last_run", lastRun.map(Value.string) ?? .null),
                ("last_error", lastError.map(Value.string) ?? .null),
                ("counts", .object([
                    ("files", .number(String(totals.inputs))), ("imported", .number(String(totals.imported))),
                    ("updated", .number(String(totals.updated))), ("skipped", .number(String(totals.skipped))),
                    ("filtered", .number(String(totals.filtered))), ("rejected", .number(String(totals.rejected))),
                    ("rejected_files", .number(String(totals.rejectedFiles))), ("duplicates", .number(String(totals.duplicates))),
                    ("stale", .number(String(totals.stale))), ("cancelled_after_handover", .number(String(totals.cancelledAfterHandover))),
                ])),
                ("waiting", .number(String(waiting))), ("deliveries_pending", .number(String(pendingDeliveries))),
            ])
        }
    }

    public static func cards(workspace: Workspace, routes: [RouteMapping]) throws -> [Card] {
        let ledger: Ledger? = FileManager.default.fileExists(atPath: workspace.ledgerPath) ? try Ledger.open(path: workspace.ledgerPath) : nil
        let scanner = InboxScanner(inboxPath: workspace.inbox)
        let inHand = (try? FileManager.default.contentsOfDirectory(atPath: workspace.staging)) ?? []
        return try routes.map { route in
            let last = try ledger?.inputs(route: route.name, limit: 1).first
            let totals = try ledger?.totals(route: route.name) ?? RouteTotals()
            let waiting = (try? scanner.scan(route: route.name).files.count) ?? 0
            let syncing = inHand.contains { FileProcessor.stagingFolder($0, belongsTo: route.name) }
            let state = switch last?.state {
            case _ where syncing: "syncing"
            case nil: "pending"
            case .rejected?: "error"
            default: "synced"
            }
            return Card(route: route.name, platform: route.identity.platform, account: route.identity.account, state: state,
                        lastRun: last?.finishedAt, lastError: last?.state == .rejected ? last?.error : nil, totals: totals, waiting: waiting,
                        pendingDeliveries: (try? ledger?.pendingDeliveries(route: route.name).count) ?? 0)
        }
    }

    public static func json(_ cards: [Card]) -> String {
        JSONText.pretty(.object([("routes", .array(cards.map(\.value)))]))
    }

    public static func text(_ cards: [Card]) -> String {
        cards.map { card in
            var lines = ["\(card.route)  [\(card.platform)/\(card.account)]  \(card.state)"]
            lines.append("  last run: \(card.lastRun ?? "never")    waiting: \(card.waiting) file(s)"
                         + (card.pendingDeliveries > 0 ? "    deliveries pending: \(card.pendingDeliveries)" : ""))
            let t = card.totals
            lines.append("  imported \(t.imported) · updated \(t.updated) · skipped \(t.skipped)" + (t.stale > 0 ? " · stale \(t.stale)" : "")
                         + " · filtered \(t.filtered) · rejected \(t.rejected) (\(t.rejectedFiles) file(s)) · duplicates \(t.duplicates)")
            if t.cancelledAfterHandover > 0 {
                lines.append("  cancelled after handover: \(t.cancelledAfterHandover) order(s) — intercept with the carrier (see the reports; listed on the next manifest)")
            }
            if let error = card.lastError { lines.append("  last error: \(error)") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
