import Foundation
import MuelleLedger
import MuelleMapping

/// Late feeds: a route whose mapping says `expect:` and whose inputs stopped coming.
///
/// The metrics read the same answer: `FeedWatch.lateness(of:workspace:ledger:)` per route (nil: on time),
/// or `StatusCards.Card.late` (a gauge of 1 while late).
public enum FeedWatch {
    /// A route that missed what its `expect:` promises.
    public struct Lateness: Sendable, Equatable {
        public var route: String
        /// "every 10 minutes", "by 07:00 Europe/Madrid".
        public var expectation: String
        /// When it became late: the deadline it missed.
        public var since: Date
        /// The last input, if any ever came.
        public var lastArrival: Date?

        /// One line a merchant can act on.
        public var message: String {
            let last = lastArrival.map { "the last file came at \(TimeText.iso($0))" } ?? "no file has come yet"
            return "route \(route) is late: it expects a file \(expectation); \(last). Check the sender (its export, its SFTP upload or its pushes)."
        }
    }

    /// Whether `route` is late at `now`; nil when it is on time or expects nothing.
    public static func lateness(of route: RouteMapping, workspace: Workspace, ledger: (any LedgerStore)?, now: Date = Date()) -> Lateness? {
        guard let expectation = route.expectation else { return nil }
        let last = (try? ledger?.inputs(route: route.name, limit: 1).first).flatMap { $0.flatMap { TimeText.date($0.receivedAt) } }
        // Before any input, the feed is measured from when its mapping was written.
        let mappingPath = workspace.root + "/" + route.file
        let setUp = (try? FileManager.default.attributesOfItem(atPath: mappingPath)[.modificationDate] as? Date) ?? now
        guard let since = expectation.lateSince(lastArrival: last, setUpAt: setUp, now: now) else { return nil }
        return Lateness(route: route.name, expectation: expectation.description, since: since, lastArrival: last)
    }
}

/// The ledger's timestamps (ISO 8601 with offset, whole seconds) to and from dates.
enum TimeText {
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
