/// Decides when a file has stopped changing, from observations alone (no I/O, no clock of its own):
/// a file is stable once its signature (inode, size, modification time) has stayed the same for
/// `quietPeriod`; any change restarts the wait. Each stable signature is announced once, until the
/// file is forgotten (it disappeared, or the caller wants it offered again) or changes again.
public struct StableFileDetector<Key: Hashable & Sendable>: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public let quietPeriod: Duration
    /// Files still changing, or not yet watched long enough: what they looked like, and since when.
    private var settling: [Key: (signature: FileSignature, since: Instant)] = [:]
    /// Files already announced as stable, with the signature that was announced.
    private var announced: [Key: FileSignature] = [:]

    public init(quietPeriod: Duration) {
        self.quietPeriod = quietPeriod
    }

    /// Records that `key` looked like `signature` at `now`. Returns `true` exactly when this observation
    /// finds the file unchanged for at least `quietPeriod` and that signature was not announced before.
    /// The first sighting never counts as stable (unless `quietPeriod` is zero): an old modification time
    /// does not prove that nobody is writing.
    public mutating func observe(_ key: Key, _ signature: FileSignature, at now: Instant) -> Bool {
        if announced[key] == signature { return false }
        announced[key] = nil
        guard let known = settling[key], known.signature == signature else {
            settling[key] = (signature, now)
            return settle(key, signature, since: now, at: now)
        }
        return settle(key, signature, since: known.since, at: now)
    }

    private mutating func settle(_ key: Key, _ signature: FileSignature, since: Instant, at now: Instant) -> Bool {
        guard now - since >= quietPeriod else { return false }
        settling[key] = nil
        announced[key] = signature
        return true
    }

    /// Drops everything known about `key`: the next observation starts the wait from scratch.
    public mutating func forget(_ key: Key) {
        settling[key] = nil
        announced[key] = nil
    }

    /// Every key observed and not forgotten, settling or announced.
    public var trackedKeys: [Key] { Array(settling.keys) + Array(announced.keys) }

    /// Settling keys whose quiet period is over at `now`: observe them again to learn whether they are stable.
    public func settlingKeys(dueBy now: Instant) -> [Key] {
        settling.compactMap { key, value in now - value.since >= quietPeriod ? key : nil }
    }

    /// The earliest instant at which a settling file can become stable, if observed unchanged then;
    /// `nil` when nothing is settling.
    public var nextDeadline: Instant? {
        settling.values.map { $0.since + quietPeriod }.min()
    }
}
