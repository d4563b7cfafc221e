import MuelleCore
import MuelleLedger
import Testing
@testable import MuelleEngine

/// A file's life as a value, with no disk: each event's action, and what start-up does after a death at
/// each point of it.
@Suite struct InputLifecycleTests {
    static func entry(_ state: InputEntry.State = .processed) -> InputEntry {
        InputEntry(route: "shop", name: "orders.csv", size: 10, sha256: String(repeating: "a", count: 64), state: state,
                   receivedAt: Timestamp.now(), finishedAt: Timestamp.now())
    }

    static let bad = MuelleError(.badNumber, "not a number", at: InputPosition(file: "orders.csv"))
    static let overlap = MuelleError(.badNumber, "overlaps", at: InputPosition(file: "orders.csv"))

    /// Up to `.read`, the file fingerprinted and new.
    static func fingerprinted() -> InputLifecycle {
        var life = InputLifecycle(name: "orders.csv")
        life.becameStable()
        #expect(life.claimed(inUse: false) == .fingerprint)
        guard case .beginAttempt = life.fingerprinted(.new) else { Issue.record("a new file is read"); return life }
        return life
    }

    /// The placing steps after a settlement, until the lifecycle says there is nothing left.
    static func place(_ life: inout InputLifecycle, from first: InputLifecycle.PlacingAction) -> [InputLifecycle.PlacingAction] {
        var steps: [InputLifecycle.PlacingAction] = []
        var step = first
        while step != .none {
            steps.append(step)
            switch step {
            case .publish: step = life.publishedOutputs()
            case .move: step = life.movedOriginal()
            case .markMoved: step = life.markedMoved()
            case .none: break
            }
        }
        return steps
    }

    @Test func aGoodFileGoesFromDetectedToArchivedPublishingBeforeMovingAndMovingBeforeMarking() {
        var life = Self.fingerprinted()
        #expect(life.state == .read)
        guard case .map = life.attemptBegun(attempts: 1) else { Issue.record("a first attempt is read"); return }
        guard case .stage = life.mapped(.complete) else { Issue.record("a complete file is staged"); return }
        #expect(life.state == .mapped)
        guard case .process = life.staged(problems: [], alongside: []) else { Issue.record("a clean file is processed"); return }
        #expect(life.state == .staged)
        let first = life.settled(.processed)
        #expect(life.state == .committed(.processed))
        #expect(Self.place(&life, from: first) == [.publish, .move, .markMoved])
        #expect(life.state == .archived(.processed))
    }

    @Test func aFileAWriterStillHasOpenIsHeldWithNothingCommitted() {
        var life = InputLifecycle(name: "orders.csv")
        life.becameStable()
        #expect(life.claimed(inUse: true) == .hold)
        #expect(life.state == .held)
    }

    @Test func contentTakenBeforeIsSettledAsADuplicateOfTheFirstAndArchivedByTheSamePath() {
        var life = InputLifecycle(name: "again.csv")
        life.becameStable()
        _ = life.claimed(inUse: false)
        let original = Self.entry()
        guard case .settle(.duplicate(let of)) = life.fingerprinted(.repeatOf(original)) else { Issue.record("a repeat is a duplicate"); return }
        #expect(of == original)
        let first = life.settled(.duplicate)
        #expect(Self.place(&life, from: first) == [.publish, .move, .markMoved])
        #expect(life.state == .archived(.duplicate))
    }

    @Test func aFileCommittedByARunThatDiedBeforeItsMoveIsOnlyMoved() {
        var life = InputLifecycle(name: "orders.csv")
        life.becameStable()
        _ = life.claimed(inUse: false)
        guard case .finishMove(let committed) = life.fingerprinted(.committedNotMoved(Self.entry(.rejected))) else {
            Issue.record("only the move is left"); return
        }
        #expect(committed.state == .rejected)
        #expect(life.state == .published(.quarantined))
        #expect(Self.place(&life, from: .move) == [.move, .markMoved])
        #expect(life.state == .archived(.quarantined))
    }

    @Test func aSecondDeathWhileReadingQuarantinesTheFileUnread() {
        var life = Self.fingerprinted()
        guard case .settle(.quarantine(let errors)) = life.attemptBegun(attempts: InputLifecycle.poisonAttempts) else {
            Issue.record("a poison file is quarantined"); return
        }
        #expect(errors.map(\.code) == [.poisonFile])
        #expect(errors.first?.message.contains("2 times") == true)
        _ = life.settled(.quarantined)
        #expect(life.state == .committed(.quarantined))
    }

    @Test func aRefusedFileIsQuarantinedWithTheMappersErrorsAndAFileEndingEarlyIsHeld() {
        var refused = Self.fingerprinted()
        _ = refused.attemptBegun(attempts: 1)
        guard case .settle(.quarantine(let errors)) = refused.mapped(.refused([Self.bad])) else { Issue.record("refused is quarantined"); return }
        #expect(errors == [Self.bad])

        var early = Self.fingerprinted()
        _ = early.attemptBegun(attempts: 1)
        let held = FileHeld(reason: MuelleError(.incomplete, "ends early", at: InputPosition(file: "orders.csv")), retryAfter: .seconds(30))
        guard case .hold(let why) = early.mapped(.held(held)) else { Issue.record("an early end is held"); return }
        #expect(why.retryAfter == .seconds(30))
        #expect(early.state == .held)
    }

    @Test func wholeFileProblemsAndAHeldBackCommitQuarantineWithTheirErrorsInReportOrder() {
        var life = Self.fingerprinted()
        _ = life.attemptBegun(attempts: 1)
        _ = life.mapped(.complete)
        guard case .quarantine(let errors) = life.staged(problems: [Self.overlap], alongside: [Self.bad]) else {
            Issue.record("overlaps quarantine"); return
        }
        #expect(errors == [Self.bad, Self.overlap])

        var feed = Self.fingerprinted()
        _ = feed.attemptBegun(attempts: 1)
        _ = feed.mapped(.complete)
        _ = feed.staged(problems: [], alongside: [Self.bad])
        let heldBack = MuelleError(.heldBack, "would remove most of the catalogue")
        guard case .quarantine(let refusal) = feed.commitRefused(heldBack, alongside: [Self.bad]) else { Issue.record("held back is quarantined"); return }
        #expect(refusal == [heldBack, Self.bad])
    }

    // MARK: - Crash points

    static let crashPoints: [(InputLifecycle.State, [InputLifecycle.Recovery])] = [
        // Nothing committed: whatever was staged is dropped and the file is read again.
        (.detected, [.cleanStaging, .takeAgain]),
        (.stable, [.cleanStaging, .takeAgain]),
        (.claimed, [.cleanStaging, .takeAgain]),
        (.read, [.cleanStaging, .takeAgain]),
        (.mapped, [.cleanStaging, .takeAgain]),
        (.staged, [.cleanStaging, .takeAgain]),
        (.held, [.cleanStaging, .takeAgain]),
        // Committed: its outputs are renamed into view before staging is cleaned; the original, still in
        // the inbox, is only moved when its turn comes.
        (.committed(.processed), [.publishPending, .cleanStaging, .finishMove]),
        (.committed(.quarantined), [.publishPending, .cleanStaging, .finishMove]),
        (.published(.duplicate), [.cleanStaging, .finishMove]),
        // Moved but not recorded: recorded, so the same name dropped again later is new content.
        (.moved(.processed), [.cleanStaging, .markMoved]),
        (.archived(.processed), [.cleanStaging]),
    ]

    @Test(arguments: crashPoints.indices)
    func startUpFinishesWhatADeathAtEachPointLeft(_ index: Int) {
        let (state, expected) = Self.crashPoints[index]
        #expect(InputLifecycle.recover(InputLifecycle.remains(afterDyingIn: state)) == expected, "after dying in \(state)")
    }

    @Test func noRecoveryEverRenamesOutputsAfterStagingIsCleaned() {
        for (state, _) in Self.crashPoints {
            let steps = InputLifecycle.recover(InputLifecycle.remains(afterDyingIn: state))
            if let publish = steps.firstIndex(of: .publishPending), let clean = steps.firstIndex(of: .cleanStaging) {
                #expect(publish < clean, "after dying in \(state)")
            }
            // A committed file is never read again: that would import it twice.
            #expect(!(InputLifecycle.remains(afterDyingIn: state).committed && steps.contains(.takeAgain)))
        }
    }

    @Test func aFileTakenAgainAfterACommitBeforeItsMoveGoesStraightToTheMove() {
        let remains = InputLifecycle.remains(afterDyingIn: .committed(.processed))
        #expect(InputLifecycle.recover(remains).contains(.finishMove))
        var again = InputLifecycle(name: "orders.csv")
        again.becameStable()
        _ = again.claimed(inUse: false)
        guard case .finishMove = again.fingerprinted(.committedNotMoved(Self.entry())) else { Issue.record("only the move is left"); return }
        #expect(again.movedOriginal() == .markMoved)
        #expect(again.markedMoved() == .none)
        #expect(again.state == .archived(.processed))
    }
}
