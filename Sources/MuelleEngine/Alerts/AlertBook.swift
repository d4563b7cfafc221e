import Foundation
import MuelleLedger

/// Which alerts to open, fire, resolve or forget, given what the ledger has and what is true now: a value
/// with no I/O, so the once-per-cause rule is tested on its own (`AlertService` does what it says).
public struct AlertBook: Sendable {
    /// What to do about one cause.
    public enum Action: Sendable, Equatable {
        /// A cause seen for the first time: record it (it fires now, or once it has lasted long enough).
        case open(AlertEntry, fireNow: Bool)
        /// A cause recorded before has now lasted long enough.
        case fire(id: Int64)
        /// A cause that fired has cleared: its `resolved` alert goes out.
        case resolve(id: Int64)
        /// A cause that cleared before it fired: nobody was told, nothing to resolve.
        case drop(id: Int64)
    }

    /// How long each kind must last before it is worth a person's attention.
    public var holdFor: @Sendable (AlertCause.Kind) -> Duration

    public init(holdFor: @escaping @Sendable (AlertCause.Kind) -> Duration) {
        self.holdFor = holdFor
    }

    /// Compares the open alerts (`stored`, from the ledger) with the causes `observed` now.
    public func actions(stored: [AlertEntry], observed: [AlertCause], now: Date) -> [Action] {
        var actions: [Action] = []
        let open = stored.filter { $0.resolvedAt == nil }
        let byCause = Dictionary(open.map { ($0.cause, $0) }, uniquingKeysWith: { first, _ in first })
        let seen = Set(observed.map(\.key))
        for cause in observed {
            let hold = holdFor(cause.kind)
            if let entry = byCause[cause.key] {
                guard entry.firedAt == nil, let id = entry.id, let since = TimeText.date(entry.since) else { continue }
                if now.timeIntervalSince(since) >= hold.totalSeconds { actions.append(.fire(id: id)) }
                continue
            }
            let since = cause.since ?? now
            let entry = AlertEntry(cause: cause.key, kind: cause.kind.rawValue, route: cause.route, subject: cause.subject,
                                   message: cause.message, since: TimeText.iso(since))
            actions.append(.open(entry, fireNow: now.timeIntervalSince(since) >= hold.totalSeconds))
        }
        for entry in open where !seen.contains(entry.cause) {
            guard let id = entry.id else { continue }
            actions.append(entry.firedAt == nil ? .drop(id: id) : .resolve(id: id))
        }
        return actions
    }
}

extension Duration {
    var totalSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
