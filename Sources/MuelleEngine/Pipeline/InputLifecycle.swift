import MuelleCore
import MuelleLedger

/// One input file's life as a value: the processor reports what happened, and each event returns what to
/// do next, so the order that makes every effect happen once is written down in one place and tested with
/// no disk (the shape of hummingbird's `HTTP2ServerConnectionManager.StateMachine`).
///
///     detected → stable → claimed → read → mapped → staged → committed → archived
///                           │         │       │        │          (quarantined, duplicate: committed → archived too)
///                           └─ held ──┴───────┘ (stays in the inbox, nothing committed)
///
/// Every outcome that leaves the inbox — processed, quarantined, duplicate — takes the same path:
/// `.settle` (report, ledger row and staged outputs in one transaction), then `.publish`, `.move`,
/// `.markMoved`. What start-up does about a process that died at any of those points is `recover(_:)`.
struct InputLifecycle: Sendable {
    /// Where the file is in its life.
    enum State: Sendable, Equatable {
        /// Seen in the inbox.
        case detected
        /// Unchanged for the quiet period: ready to be claimed.
        case stable
        /// Leased: no writer had it open, and one that opens it now is noticed.
        case claimed
        /// Fingerprinted, and the ledger asked what it knows of this content.
        case read
        /// Its records mapped into staging (this attempt counted in the ledger while it ran).
        case mapped
        /// Staged outputs durable and the whole-file checks passed: ready to commit.
        case staged
        /// Its ledger row is committed with this outcome; outputs and the original not yet in place.
        case committed(Outcome)
        /// Outputs published; the original not yet at its destination.
        case published(Outcome)
        /// The original at its destination, not yet recorded there.
        case moved(Outcome)
        /// Done: the ledger says the original is where its outcome put it.
        case archived(Outcome)
        /// Left in the inbox, nothing of it committed: tried again later.
        case held
    }

    /// What became of the file, as the ledger records it.
    enum Outcome: Sendable, Equatable {
        case processed
        case quarantined
        case duplicate

        var entryState: InputEntry.State {
            switch self {
            case .processed: .processed
            case .quarantined: .rejected
            case .duplicate: .duplicate
            }
        }
    }

    /// What the ledger knows of this content once it is fingerprinted.
    enum Recollection: Sendable, Equatable {
        /// Nothing that stops it: read it.
        case new
        /// This very file (route, name, content) was committed by a run that died before moving it.
        case committedNotMoved(InputEntry)
        /// Taken before: a duplicate of that input.
        case repeatOf(InputEntry)
    }

    /// How the mapper left the file.
    enum Verdict: Sendable {
        /// Every record staged (bad ones, if any, allowed by the route's `on_error`).
        case complete
        /// The file is refused: to quarantine with these errors.
        case refused([MuelleError])
        /// Not takeable yet (ends early, waits for its writer): nothing of it is committed.
        case held(FileHeld)
    }

    /// After the claim.
    enum ClaimedAction: Sendable, Equatable {
        /// Hash the content and ask the ledger about it.
        case fingerprint
        /// Leave it in the inbox.
        case hold
    }

    /// After the fingerprint.
    enum FingerprintedAction: Sendable {
        /// Count this attempt at reading it (a process that dies while reading leaves the count behind).
        case beginAttempt
        /// Only the original's move is left (then `movedOriginal`): it is this committed input.
        case finishMove(InputEntry)
        case settle(Settlement)
    }

    /// After the attempt is counted.
    enum AttemptAction: Sendable {
        /// Map the records into staging.
        case map
        case settle(Settlement)
    }

    /// After the mapper.
    enum MappedAction: Sendable {
        /// Make the staged outputs durable and run the whole-file checks.
        case stage
        case settle(Settlement)
        /// Leave it in the inbox, nothing committed.
        case hold(FileHeld)
    }

    /// After a settlement's transaction, the steps that put things in place, one crash point apart.
    enum PlacingAction: Sendable, Equatable {
        /// Rename the committed outputs into view.
        case publish
        /// Move the original to its destination.
        case move
        /// Record in the ledger that the original arrived.
        case markMoved
        /// Done.
        case none
    }

    /// The three ways a file leaves the inbox.
    enum Settlement: Sendable {
        case process
        case quarantine([MuelleError])
        case duplicate(of: InputEntry)

        var outcome: Outcome {
            switch self {
            case .process: .processed
            case .quarantine: .quarantined
            case .duplicate: .duplicate
            }
        }
    }

    /// Attempts that ended with the process gone (SIGKILL, out of memory, a crash) before a file is
    /// quarantined unread: one can be bad luck, two are the file — NiFi's penalised flow file, Kafka
    /// Connect's dead-letter queue after retries.
    static let poisonAttempts = 2

    private(set) var state: State = .detected
    /// The file's name, for the errors the lifecycle itself raises.
    let name: String

    init(name: String) { self.name = name }

    // MARK: - Events

    /// The intake saw it unchanged for the quiet period.
    mutating func becameStable() {
        expect(state == .detected, "becameStable")
        state = .stable
    }

    /// The lease was taken (`inUse`: a writer still has it open).
    mutating func claimed(inUse: Bool) -> ClaimedAction {
        expect(state == .stable, "claimed")
        guard !inUse else {
            state = .held
            return .hold
        }
        state = .claimed
        return .fingerprint
    }

    /// Fingerprinted; what the ledger knows of it decides whether it is read at all.
    mutating func fingerprinted(_ recollection: Recollection) -> FingerprintedAction {
        expect(state == .claimed, "fingerprinted")
        state = .read
        switch recollection {
        case .new:
            return .beginAttempt
        case .committedNotMoved(let entry):
            // Its outputs were published by start-up; only the original is left to move.
            state = .published(Self.outcome(of: entry.state))
            return .finishMove(entry)
        case .repeatOf(let original):
            return .settle(.duplicate(of: original))
        }
    }

    /// The attempt is counted: `attempts` includes this one.
    mutating func attemptBegun(attempts: Int) -> AttemptAction {
        expect(state == .read, "attemptBegun")
        guard attempts >= Self.poisonAttempts else { return .map }
        return .settle(.quarantine([MuelleError(.poisonFile,
            "muelle stopped \(attempts) times while reading this file (a crash, or killed — out of memory?), so it was quarantined instead of being read again, and the files behind it go on; find out why (the log of those runs), then replay it",
            at: InputPosition(file: name))]))
    }

    /// The mapper is done with it.
    mutating func mapped(_ verdict: Verdict) -> MappedAction {
        expect(state == .read, "mapped")
        switch verdict {
        case .complete:
            state = .mapped
            return .stage
        case .refused(let errors):
            return .settle(.quarantine(errors))
        case .held(let held):
            state = .held
            return .hold(held)
        }
    }

    /// Staged outputs are durable; `problems` are what the whole-file checks found (overlapping promotions,
    /// events for unknown orders), reported after the mapper's `errors`.
    mutating func staged(problems: [MuelleError], alongside errors: [MuelleError]) -> Settlement {
        expect(state == .mapped, "staged")
        guard problems.isEmpty else { return .quarantine(errors + problems) }
        state = .staged
        return .process
    }

    /// The transaction refused the file (a feed held back): nothing was applied; it is quarantined instead.
    mutating func commitRefused(_ error: MuelleError, alongside errors: [MuelleError]) -> Settlement {
        expect(state == .staged, "commitRefused")
        return .quarantine([error] + errors)
    }

    /// The outcome's transaction committed.
    mutating func settled(_ outcome: Outcome) -> PlacingAction {
        switch state {
        case .read, .mapped, .staged: break
        default: expect(false, "settled")
        }
        state = .committed(outcome)
        return .publish
    }

    mutating func publishedOutputs() -> PlacingAction {
        guard case .committed(let outcome) = state else { expect(false, "published"); return .none }
        state = .published(outcome)
        return .move
    }

    mutating func movedOriginal() -> PlacingAction {
        guard case .published(let outcome) = state else { expect(false, "moved"); return .none }
        state = .moved(outcome)
        return .markMoved
    }

    mutating func markedMoved() -> PlacingAction {
        guard case .moved(let outcome) = state else { expect(false, "markedMoved"); return .none }
        state = .archived(outcome)
        return .none
    }

    // MARK: - Helpers

    private func expect(_ condition: Bool, _ event: String) {
        // A programming error in the processor, never the input's fault: stop before an effect happens twice.
        precondition(condition, "input lifecycle: \(event) in state \(state)")
    }

    static func outcome(of state: InputEntry.State) -> Outcome {
        switch state {
        case .processed: .processed
        case .rejected: .quarantined
        case .duplicate: .duplicate
        }
    }
}
