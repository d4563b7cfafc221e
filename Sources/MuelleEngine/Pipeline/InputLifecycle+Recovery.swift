extension InputLifecycle {
    /// What start-up finds of one file whose process died: the ledger's row and the disk.
    struct Remains: Sendable, Equatable {
        /// The ledger has its row: the outcome's transaction committed.
        var committed = false
        /// Outputs that transaction recorded still wait under `.muelle/staging`.
        var pendingPublications = false
        /// The row says the original reached its destination.
        var markedMoved = false
        /// The original is at its destination (archive or quarantine).
        var atDestination = false
        /// The original is still in its inbox folder.
        var inInbox = true
    }

    /// What start-up does, in this order.
    enum Recovery: Sendable, Equatable {
        /// Rename the committed outputs into view (`Publication.finishPending`) — before staging is cleaned.
        case publishPending
        /// Drop what no commit recorded: staged outputs of a file that was never committed.
        case cleanStaging
        /// The move completed but was not recorded: record it, so the same name dropped again is new content.
        case markMoved
        /// The original is still in the inbox: when it is taken, only its move is left (`Recollection.committedNotMoved`).
        case finishMove
        /// Nothing of it was committed: it is taken again as if new (a second death while reading quarantines it).
        case takeAgain
    }

    /// Start-up's answer to what a dead process left of one file.
    static func recover(_ remains: Remains) -> [Recovery] {
        guard remains.committed else { return remains.inInbox ? [.cleanStaging, .takeAgain] : [.cleanStaging] }
        var steps: [Recovery] = remains.pendingPublications ? [.publishPending, .cleanStaging] : [.cleanStaging]
        if !remains.markedMoved {
            if remains.atDestination { steps.append(.markMoved) } else if remains.inInbox { steps.append(.finishMove) }
        }
        return steps
    }

    /// What a process that died in `state` leaves behind for start-up, by the order the actions run in:
    /// the transaction records outputs before they are renamed, and the move before it is marked.
    static func remains(afterDyingIn state: State) -> Remains {
        switch state {
        case .detected, .stable, .claimed, .read, .mapped, .staged, .held:
            return Remains()
        case .committed:
            return Remains(committed: true, pendingPublications: true)
        case .published:
            return Remains(committed: true)
        case .moved:
            return Remains(committed: true, atDestination: true, inInbox: false)
        case .archived:
            return Remains(committed: true, markedMoved: true, atDestination: true, inInbox: false)
        }
    }
}
