/// What the ledger knows of one order's state and since when, by the sources' own clocks, and
/// how a new piece of evidence changes it. Pure: the ledger stores it, this decides.
///
/// Two times are kept. `statusAt` is when the current status was last confirmed (a snapshot's
/// `updated_at` or an event's time); `snapshotAt` is the `updated_at` of the newest whole-order
/// snapshot taken. A snapshot older than `snapshotAt` is stale: the ledger already holds a newer
/// copy of the whole order. A snapshot newer than `snapshotAt` brings its fields, but its status
/// only where `StatusProgression` allows it against `statusAt` — so a marketplace page that still
/// says "paid" does not undo a carrier's "delivered", yet its news (a partial refund) is kept.
/// A missing time (a source without a clock, like Shopify's CSV export) is never newer than a
/// known one; when neither is known, arrival order is all the evidence there is.
public struct OrderEvidence: Sendable, Equatable {
    public var status: String
    public var statusAt: String?
    public var snapshotAt: String?

    public init(status: String, statusAt: String?, snapshotAt: String?) {
        self.status = status
        self.statusAt = statusAt
        self.snapshotAt = snapshotAt
    }

    /// Takes a whole-order snapshot with its `updated_at`. Returns nil when it is older than the
    /// snapshot already taken (nothing of it applies), else the order's status after it — the
    /// snapshot's own, or the current one when the snapshot may not move it back.
    public mutating func takeSnapshot(status newStatus: String, updatedAt: String?) -> String? {
        if let known = snapshotAt.flatMap(SourceTime.init), let time = updatedAt.flatMap(SourceTime.init), time < known { return nil }
        take(status: newStatus, at: updatedAt)
        snapshotAt = Self.later(snapshotAt, updatedAt)
        return status
    }

    /// Takes a status event that happened at `at`; returns whether its status is now the order's.
    public mutating func takeEvent(status newStatus: String, at: String?) -> Bool {
        take(status: newStatus, at: at)
        return status == newStatus
    }

    private mutating func take(status newStatus: String, at time: String?) {
        switch StatusProgression.move(from: status, to: newStatus) {
        case .same, .forward:
            status = newStatus
            statusAt = Self.later(statusAt, time)
        case .reversible where isNewer(time):
            status = newStatus
            statusAt = time
        case .reversible, .never:
            break
        }
    }

    /// Whether `time` is newer than what set the current status.
    private func isNewer(_ time: String?) -> Bool {
        guard let known = statusAt.flatMap(SourceTime.init) else { return true }
        guard let time = time.flatMap(SourceTime.init) else { return false }
        return known < time
    }

    private static func later(_ a: String?, _ b: String?) -> String? {
        guard let a, let at = SourceTime(a) else { return b }
        guard let b, let bt = SourceTime(b) else { return a }
        return at < bt ? b : a
    }
}
