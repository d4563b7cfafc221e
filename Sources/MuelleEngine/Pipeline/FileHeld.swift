import MuelleCore

/// An input that is not taken yet, with nothing of it committed: some process still has it open for
/// writing (`in_use`), or its content ends early and it is younger than the route's `incomplete_after`
/// (`incomplete`). It stays in the inbox and is tried again.
public struct FileHeld: Error, Sendable, CustomStringConvertible {
    /// Why, located in the file.
    public var reason: MuelleError
    /// When to look again if nothing happens to the file meanwhile; `nil` when only its writer can tell
    /// (its close, a change, or the next rescan).
    public var retryAfter: Duration?

    public var description: String { "held, not taken yet: \(reason)" }

    /// Someone has the file open for writing, at claim time or since.
    static func inUse(_ file: String, since claimed: Bool = false) -> FileHeld {
        FileHeld(reason: MuelleError(.inUse, claimed
            ? "a process opened the file for writing while muelle was reading it; nothing was taken, and it is read again once the writer is done"
            : "a process still has the file open for writing; it is taken once the writer closes it",
            at: InputPosition(file: file)))
    }

    /// Another worker on the workspace has the file in hand (or took it already): looked at again after `retryAfter`,
    /// when a claim of a worker that died has run out.
    static func takenElsewhere(_ file: String, retryAfter: Duration? = nil) -> FileHeld {
        FileHeld(reason: MuelleError(.inUse, "another muelle worker has the file in hand", at: InputPosition(file: file)), retryAfter: retryAfter)
    }

    /// What an input still incomplete after `incompleteAfter` is quarantined with: `incomplete` says where
    /// it stops, this says that no more is coming.
    static func truncated(_ incomplete: MuelleError, unchangedFor incompleteAfter: Duration) -> MuelleError {
        MuelleError(.truncated, "the file looks cut off: it has not changed for \(words(incompleteAfter)) (the route's "
            + "incomplete_after) and still ends early: \(incomplete.message). Ask the sender for the whole file",
            at: incomplete.position)
    }

    /// "5 minutes", "90 seconds".
    static func words(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        let (count, unit): (Int64, String) = seconds % 3600 == 0 && seconds > 0 ? (seconds / 3600, "hour")
            : seconds % 60 == 0 && seconds > 0 ? (seconds / 60, "minute") : (seconds, "second")
        return "\(count) \(unit)\(count == 1 ? "" : "s")"
    }
}
