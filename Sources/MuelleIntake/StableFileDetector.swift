/// muelle's one rule for when a file has stopped changing, used by the watcher and by `run --once` alike,
/// from observations alone (no I/O, no clock of its own).
///
/// A file is stable once its signature (inode, size, modification time) has stayed the same for
/// `quietPeriod`: either as observed here (the same signature seen `quietPeriod` apart), or as its own
/// modification time says (`modifiedAgo`, by the wall clock), so that a file left alone for an hour is
/// ready at first sight. That alone does not prove nobody still has it open for writing: the caller claims
/// the file before reading (`FileClaim`) and holds it when that fails. Any change restarts the wait.
///
/// Each stable signature is announced once. Afterwards it is announced again only when it changes, when
/// the file is forgotten, or when the caller held it (`hold`) and the hold ran out or was ended early
/// (`wake`: its writer closed it). A hold speaks only for the sighting that was announced: what was seen
/// of the file while the caller had it (a change, its writer's close) is not forgotten by the hold.
public struct StableFileDetector<Key: Hashable & Sendable>: Sendable {
    public typealias Instant = ContinuousClock.Instant

    private enum State: Sendable {
        /// Changing, or not yet quiet for long enough: what it looked like, and when it can be ready.
        case settling(FileSignature, readyAt: Instant)
        /// Announced as stable with this signature; `writerClosed` once a writer closed it since, so that a
        /// hold that follows (the caller found it still open) is due at once.
        case announced(FileSignature, writerClosed: Bool)
        /// Announced, then handed back: offered again at `until` if unchanged.
        case held(FileSignature, until: Instant)
    }

    public let quietPeriod: Duration
    private var files: [Key: State] = [:]

    public init(quietPeriod: Duration) {
        self.quietPeriod = quietPeriod
    }

    /// Records that `key` looked like `signature` at `now`, its modification time lying `modifiedAgo`
    /// in the past by the wall clock (`nil`: not known; negative: a clock ahead of ours). Returns `true`
    /// exactly when this observation finds the file ready to be offered.
    public mutating func observe(_ key: Key, _ signature: FileSignature, modifiedAgo: Duration? = nil,
                                 at now: Instant) -> Bool {
        var readyAt = now + quietPeriod
        switch files[key] {
        case .announced(let known, _) where known == signature:
            return false
        case .held(let known, let until) where known == signature:
            guard now >= until else { return false }
            files[key] = .announced(signature, writerClosed: false)
            return true
        case .settling(let known, let knownReadyAt) where known == signature:
            readyAt = knownReadyAt
        default:
            break
        }
        // The modification time speaks for the time before the first sighting; a future one says nothing.
        if let modifiedAgo, modifiedAgo > .zero { readyAt = min(readyAt, now + (quietPeriod - modifiedAgo)) }
        guard now >= readyAt else {
            files[key] = .settling(signature, readyAt: readyAt)
            return false
        }
        files[key] = .announced(signature, writerClosed: false)
        return true
    }

    /// The caller could not take the file as announced with `signature` (someone is still writing it, its
    /// content ends early, or processing failed): offer it again after `retryAfter` if it has not changed by
    /// then, or sooner after a change (once stable again) or a `wake`. The caller learns late: a change seen
    /// while it had the file stands (the newer sighting is offered once quiet), and a writer's close seen
    /// meanwhile makes the retry due at once.
    public mutating func hold(_ key: Key, _ signature: FileSignature, for retryAfter: Duration, at now: Instant) {
        switch files[key] {
        case .announced(let known, let writerClosed)? where known == signature:
            files[key] = .held(signature, until: writerClosed ? now : now + retryAfter)
        case .announced(let known, _)?, .settling(let known, _)?, .held(let known, _)?:
            // Seen otherwise since it was announced: that sighting is newer than the one the caller holds.
            if known == signature { files[key] = .held(signature, until: now + retryAfter) }
        case nil:
            files[key] = .held(signature, until: now + retryAfter)
        }
    }

    /// A hint that the file may be ready now (its writer closed it): a held file is due at once, and one the
    /// caller has in hand is due at once if the caller holds it.
    public mutating func wake(_ key: Key, at now: Instant) {
        switch files[key] {
        case .held(let signature, let until)? where until > now: files[key] = .held(signature, until: now)
        case .announced(let signature, _)?: files[key] = .announced(signature, writerClosed: true)
        default: break
        }
    }

    /// Whether `key` is held, waiting for its retry.
    public func isHeld(_ key: Key) -> Bool {
        if case .held? = files[key] { return true }
        return false
    }

    /// Drops everything known about `key`: the next observation starts the wait from scratch.
    public mutating func forget(_ key: Key) {
        files[key] = nil
    }

    /// Every key observed and not forgotten.
    public var trackedKeys: [Key] { Array(files.keys) }

    /// Keys to observe again at `now`: settling ones whose quiet period is over, and held ones whose
    /// retry time has come.
    public func dueKeys(by now: Instant) -> [Key] {
        files.compactMap { key, state in
            guard let due = Self.deadline(of: state) else { return nil }
            return due <= now ? key : nil
        }
    }

    /// The earliest instant at which a file can become ready if observed unchanged then; `nil` when
    /// nothing is settling or held.
    public var nextDeadline: Instant? {
        files.values.compactMap(Self.deadline(of:)).min()
    }

    private static func deadline(of state: State) -> Instant? {
        switch state {
        case .settling(_, let readyAt): readyAt
        case .held(_, let until): until
        case .announced: nil
        }
    }
}
