import Foundation
import Logging
import MuelleCore
import MuelleIntake
import MuelleLedger
import MuelleMapping
import MuelleReaders
import MuelleShipping
import MuelleSystem

/// What became of one input file.
public struct FileOutcome: Sendable {
    public var route: String
    public var name: String
    public var state: InputEntry.State
    public var entry: InputEntry
    /// The file had been committed by an interrupted run; only its move was finished now.
    public var reconciled = false
    /// Records the file held (rows, elements) and labels it printed, for the metrics.
    public var records = 0
    public var labels = 0
}

/// Takes one input file through map → stage → commit → publish → archive, in the order `InputLifecycle`
/// decides and that makes every effect happen once: outputs written and fsynced under `.muelle/staging`; the ledger
/// transaction, which records them with their final names (`Publication`); their renames into the
/// outbox; then the original moved. A failed commit leaves nothing visible; a crash leaves either
/// nothing committed (a redo rewrites the same deterministic names) or a committed file whose
/// renames and move start-up finishes.
public struct FileProcessor: Sendable {
    public let workspace: Workspace
    public let ledger: any LedgerStore
    public let logger: Logger
    /// Carrier profiles by code, for routes that ship what they import.
    public let profiles: [String: CarrierProfile]
    /// With several workers on the workspace: each file is claimed in the shared ledger before it is read.
    public let workers: WorkerClaims?

    public init(workspace: Workspace, ledger: any LedgerStore, logger: Logger, profiles: [String: CarrierProfile] = [:],
                workers: WorkerClaims? = nil) {
        self.workspace = workspace
        self.ledger = ledger
        self.logger = logger
        self.profiles = profiles
        self.workers = workers
    }

    /// Throws `FileHeld` when the file cannot be taken yet (nothing of it is committed then).
    public func process(path: String, name: String, mapping: RouteMapping, progress: ((Int, Int) -> Void)? = nil) throws -> FileOutcome {
        let claimed = try claimAndFingerprint(path: path, name: name, mapping: mapping)
        defer { release(claimed) }
        switch claimed.life.fingerprinted(claimed.recollection) {
        case .finishMove(let committed):
            // Committed by a worker that died (or lost its lease) before publishing: its outputs first, then the move.
            if workers != nil { try Publication.finishPending(workspace: workspace, ledger: ledger) { $0.inputID == committed.id } }
            try place(claimed.file, entry: committed, from: .move, life: &claimed.life)
            logger.info("finished moving a file committed before an interruption", metadata: ["muelle.route": "\(mapping.name)", "muelle.file": "\(name)"])
            return FileOutcome(route: mapping.name, name: name, state: committed.state, entry: committed, reconciled: true)
        case .settle(let settlement):
            return try settle(settlement, file: claimed.file, entry: claimed.entry, reading: .unread(kind: nil), life: &claimed.life)
        case .beginAttempt:
            break
        }

        // Counted before reading, cleared on any outcome: only a process that died reading it leaves a count.
        let attempts = try ledger.beginAttempt(route: mapping.name, sha256: claimed.entry.sha256, name: name, at: claimed.entry.receivedAt)
        claimed.attemptOpen = true
        switch claimed.life.attemptBegun(attempts: attempts) {
        case .settle(let settlement):
            return try settle(settlement, file: claimed.file, entry: claimed.entry, reading: .unread(kind: mapping.kind), life: &claimed.life)
        case .map:
            break
        }
        let mapped = try map(claimed, progress: progress)
        do {
            return try settle(mapped.settlement, file: claimed.file, entry: mapped.entry, reading: mapped.reading, staged: mapped.staged, life: &claimed.life)
        } catch let error as MuelleError where error.code == .heldBack {
            // Nothing was applied (the transaction rolled back): the feed waits in quarantine with its report.
            return try settle(claimed.life.commitRefused(error, alongside: mapped.reading.errors), file: claimed.file, entry: mapped.entry,
                              reading: mapped.reading, life: &claimed.life)
        }
    }

    /// Claims the file (held while a writer has it open), fingerprints it and asks the ledger what it knows of
    /// that content. The claim stands until `release`.
    func claimAndFingerprint(path: String, name: String, mapping: RouteMapping) throws -> ClaimedFile {
        let receivedAt = Timestamp.now()
        // The watcher or `run --once` found it stable before handing it over.
        var life = InputLifecycle(name: name)
        life.becameStable()
        // With several workers, the shared ledger's claim comes first: a file another worker has is not read here.
        let ticket = try claimAmongWorkers(route: mapping.name, name: name)
        // Held until the original has left the inbox: a writer that opens it meanwhile waits, or is noticed.
        let claim: FileClaim?
        do { claim = try claimInput(path: path, name: name, route: mapping.name) } catch {
            ticket?.release()
            // With several workers a file gone meanwhile was taken by another: no failure of this one.
            if ticket != nil, !FileSystem.exists(path) { throw FileHeld.takenElsewhere(name) }
            throw error
        }
        switch life.claimed(inUse: claim == nil) {
        case .hold:
            ticket?.release()
            throw FileHeld.inUse(name)
        case .fingerprint: break
        }
        guard let claim else { throw FileHeld.inUse(name) }
        guard let before = FileSnapshot(path: path) else {
            claim.release()
            ticket?.release()
            if ticket != nil { throw FileHeld.takenElsewhere(name) }
            throw MuelleError(.io, "the file is gone before it could be read", at: InputPosition(file: name))
        }
        do {
            let (sha256, size) = try ContentHash.file(at: path, name: mapping.readsFileName ? name : nil)
            let file = SettlingFile(path: path, mapping: mapping, digest: String(sha256.prefix(12)), ticket: ticket)
            let entry = InputEntry(route: mapping.name, name: name, size: size, sha256: sha256, state: .processed, receivedAt: receivedAt, finishedAt: receivedAt)
            let recollection = try recollection(route: mapping.name, name: name, sha256: sha256, mapping: mapping)
            // A worker that lost its lease while placing the file (slow, not dead) may have archived it and recorded the
            // move after it was hashed here: the ledger then reads "moved", which would make it a duplicate of itself.
            // It leaves the inbox before the move is recorded, so a file still there was not moved.
            if ticket != nil, !FileSystem.exists(path) { throw FileHeld.takenElsewhere(name) }
            return ClaimedFile(claim: claim, before: before, file: file, entry: entry, life: life, recollection: recollection)
        } catch {
            claim.release()
            ticket?.release()
            if ticket != nil, !(error is FileHeld), !FileSystem.exists(path) { throw FileHeld.takenElsewhere(name) }
            throw error
        }
    }

    /// Reads and maps a claimed file whose read attempt is counted, into a staging folder of its own, and
    /// says how it settles. Throws `FileHeld` when it cannot be taken yet.
    func map(_ claimed: ClaimedFile, progress: ((Int, Int) -> Void)?) throws -> MappedFile {
        let mapping = claimed.file.mapping
        let path = claimed.file.path, name = claimed.entry.name, sha256 = claimed.entry.sha256
        let claim = claimed.claim, before = claimed.before
        var entry = claimed.entry
        // While this folder exists the route is "syncing" (status cards read it).
        let staging = workspace.staging + "/\(mapping.name)-\(claimed.file.digest)-\(Posix.processID)"
        FileSystem.removeTree(staging)
        try FileSystem.makeDirectory(staging)
        claimed.staging = staging
        let staged = try StagedOrders(directory: staging)
        let references = LedgerReferences(ledger: ledger)
        let pipe = StagingPipe(staged: staged, contract: ContractStage(mapping: mapping, typed: StagedOrders.writesTyped, references: references))
        var mappedSinceCheck = 0
        let metadata = InputMetadata(fileName: name, receivedAt: before.modificationDate)
        var summary = FileMapper(mapping: mapping, references: references)
            .run(path: path, fileName: name, sha256: sha256, metadata: metadata, contract: .balanced { pipe.isIdle },
                 progress: progress) { item in
            try pipe.append(item)
            TestHooks.point("reading")
            mappedSinceCheck += 1
            // A writer waits in open(2) while the lease stands: let it go soon rather than after the whole file.
            if claim.checksCheaply, mappedSinceCheck >= 256 {
                mappedSinceCheck = 0
                if !claim.isIntact { throw FileHeld.inUse(name, since: true) }
            }
        }
        // The writer thread is waited for whatever happened; its failure (a full disk) is the file's.
        do { try pipe.finish() } catch { if summary.fatal == nil { summary.fatal = FileMapper.muelleError(error, file: name) } }
        summary.absorb(pipe.contract.summary, rejectionMarks: pipe.contract.rejectionMarks, ruleMarks: pipe.contract.ruleMarks)
        guard claim.isIntact else { throw FileHeld.inUse(name, since: true) }
        // Read twice (fingerprint, then records): both must have seen the same bytes.
        guard FileSnapshot(path: path) == before else {
            throw MuelleError(.io, "the file changed or vanished while it was being read; nothing was emitted, and it will be taken again once it is stable", at: InputPosition(file: name))
        }
        entry.kept = summary.kept
        entry.filtered = summary.filtered
        entry.rejected = summary.rejectedCount
        let verdict = try verdict(&summary, mapping: mapping, name: name, modified: before.modificationTime)
        let reading = Reading(summary: summary, kind: mapping.kind)
        switch claimed.life.mapped(verdict) {
        case .hold(let held):
            throw held
        case .settle(let settlement):
            return MappedFile(settlement: settlement, entry: entry, reading: reading, staged: nil)
        case .stage:
            break
        }

        try staged.sync()
        let problems = try wholeFileProblems(staged, mapping: mapping, name: name)
        if !problems.isEmpty { entry.rejected = problems.count }
        return MappedFile(settlement: claimed.life.staged(problems: problems, alongside: summary.errors), entry: entry, reading: reading, staged: staged)
    }

    /// Lets the file go, whatever became of it: its staging folder removed, its read attempt cleared, its claim released.
    func release(_ claimed: ClaimedFile) {
        guard !claimed.released else { return }
        claimed.released = true
        if let staging = claimed.staging { FileSystem.removeTree(staging) }
        if claimed.attemptOpen { endAttempt(route: claimed.file.mapping.name, sha256: claimed.entry.sha256) }
        claimed.claim.release()
        // After the archive (or the failure): another worker may take a file of this name from here on.
        claimed.file.ticket?.release()
    }

    /// `release` for a group's files, their read attempts cleared in one write (one ledger commit, not one per file).
    func release(_ group: [ClaimedFile]) {
        let open = group.filter { !$0.released && $0.attemptOpen }
        if let route = open.first?.file.mapping.name {
            do {
                try ledger.endAttempts(route: route, sha256s: open.map(\.entry.sha256))
                for claimed in open { claimed.attemptOpen = false }
            } catch {
                // Each is cleared on its own below.
            }
        }
        for claimed in group { release(claimed) }
    }

    /// What the ledger knows of this content: the same file committed by a run that died before its
    /// move, a repeat of an input already taken, or nothing that stops it.
    private func recollection(route: String, name: String, sha256: String, mapping: RouteMapping) throws -> InputLifecycle.Recollection {
        if let last = try ledger.lastInput(route: route, name: name), last.sha256 == sha256, !last.moved {
            let remains = InputLifecycle.Remains(committed: true, markedMoved: false,
                                                 atDestination: last.destination.map { FileSystem.exists(workspace.root + "/" + $0) } ?? true)
            if InputLifecycle.recover(remains).contains(.finishMove) { return .committedNotMoved(last) }
        }
        if let original = try ledger.processedInput(route: route, sha256: sha256), try isRepeat(of: original, mapping: mapping) {
            return .repeatOf(original)
        }
        return .new
    }

    /// How the mapper left the file: every record staged, refused, or not takeable yet.
    private func verdict(_ summary: inout MappingSummary, mapping: RouteMapping, name: String, modified: FileTimestamp) throws -> InputLifecycle.Verdict {
        if let fatal = summary.fatal, fatal.code == .incomplete {
            let age = modified.age(at: .now())
            guard age >= mapping.incompleteAfter else {
                return .held(FileHeld(reason: fatal.located(file: name), retryAfter: mapping.incompleteAfter - age))
            }
            summary.fatal = FileHeld.truncated(fatal.located(file: name), unchangedFor: mapping.incompleteAfter)
        }
        // A lookup that finds nothing is no bad record: the file waits for the reference data. Only a file
        // with other bad records (under reject_file), or one that waited lookup_wait, is refused now.
        if summary.waitsForReference(policy: mapping.onError) {
            let expired = try ReferenceWaiting.decide(summary: summary, mapping: mapping, name: name, ledger: ledger)
            return .refused([expired] + summary.errors)
        }
        return summary.refusesFile(policy: mapping.onError) ? .refused(summary.errors) : .complete
    }

    /// Checks that need the whole file staged: overlapping promotions, events for orders never imported.
    private func wholeFileProblems(_ staged: StagedOrders, mapping: RouteMapping, name: String) throws -> [MuelleError] {
        switch mapping.kind {
        case .promotions: try PromotionOverlaps.find(in: staged, file: name)
        case .orderEvents: try EventApplier(ledger: ledger).unknownOrders(in: staged, file: name)
        default: []
        }
    }

    /// Same content again is a duplicate — except for a full feed (catalogue, customers) that has changed in between:
    /// yesterday's feed coming back today (an item back in stock) must undo the day's changes.
    private func isRepeat(of original: InputEntry, mapping: RouteMapping) throws -> Bool {
        guard mapping.kind.isFullFeed else { return true }
        return try ledger.inputs(route: mapping.name, limit: 50).first { $0.state == .processed }?.sha256 == original.sha256
    }

    // MARK: - Effects

    private func endAttempt(route: String, sha256: String) {
        do { try ledger.endAttempt(route: route, sha256: sha256) } catch {
            logger.warning("could not clear the file's read attempt; a later crash would count it twice", metadata: ["muelle.route": "\(route)", "error": "\(error)"])
        }
    }

    /// The shared ledger's claim on the file (nil with one worker); throws `FileHeld` while another live worker has it.
    private func claimAmongWorkers(route: String, name: String) throws -> ClaimTicket? {
        guard let workers else { return nil }
        guard let ticket = try workers.claim(route: route, name: name) else { throw FileHeld.takenElsewhere(name, retryAfter: workers.lease) }
        return ticket
    }

    /// The lease, or nil while a writer still has the file open.
    private func claimInput(path: String, name: String, route: String) throws -> FileClaim? {
        switch try FileClaim.take(path) {
        case .claimed(let claim):
            logger.debug("claimed", metadata: ["muelle.route": "\(route)", "muelle.file": "\(name)", "muelle.claim": "\(claim.method)"])
            return claim
        case .inUse:
            return nil
        case .gone:
            throw MuelleError(.io, "the file is gone before it could be read", at: InputPosition(file: name))
        }
    }

    /// Whether a staging folder name (`<route>-<sha12>-<pid>`) is one of `route`'s files in hand.
    public static func stagingFolder(_ name: String, belongsTo route: String) -> Bool {
        guard name.hasPrefix(route + "-") else { return false }
        let rest = name.dropFirst(route.count + 1).split(separator: "-")
        return rest.count == 2 && rest[0].count == 12 && rest[0].allSatisfy(\.isHexDigit) && rest[1].allSatisfy(\.isNumber)
    }

    /// Start-up: moves that completed just before an interruption are recorded as done, so a file
    /// later put back into the inbox by hand is processed afresh rather than "moved" again.
    public func reconcileMoves() throws {
        for entry in try ledger.unmovedInputs() {
            guard let id = entry.id, let destination = entry.destination else { continue }
            let remains = InputLifecycle.Remains(committed: true, markedMoved: false, atDestination: FileSystem.exists(workspace.root + "/" + destination))
            if InputLifecycle.recover(remains).contains(.markMoved) { try ledger.markMoved(id: id) }
        }
    }
}
