import Foundation
import Logging
import MuelleCore
import MuelleIntake
import MuelleLedger
import MuelleMapping

/// How `muelle run` takes files.
public struct RunOptions: Sendable {
    /// A file is taken once its size and mtime have not changed for this long (and nobody has it open for
    /// writing). With the claim and the completeness check guarding open writers and cut lines, this only
    /// protects a client that closes right after a whole row and appends again; two seconds covers quick
    /// reconnects. The reasons, against Camel, NiFi and Redpanda Connect: README, "The workspace".
    public static let defaultQuietPeriod: Duration = .seconds(2)

    public var quietPeriod: Duration = RunOptions.defaultQuietPeriod
    /// The safety-net rescan interval while watching (inotify does the real work).
    public var rescanInterval: Duration = .seconds(5)
    /// How often `muelle run` looks for edited mappings and carrier profiles while watching.
    public var configurationCheckInterval: Duration = .seconds(1)
    /// Routes processed at the same time; files of one route always go one by one, in arrival order.
    public var maxConcurrentRoutes = 2
    /// Progress lines on a terminal for long files.
    public var progress: (@Sendable (String, Int, Int, Int64) -> Void)?

    public init() {}
}

/// Totals of one run, and the exit status DESIGN.md promises for them.
public struct RunSummary: Sendable {
    public var processed = 0
    public var rejected = 0
    public var duplicates = 0
    /// Inputs left in the inbox for later: still open for writing, still changing, or ending early.
    public var held = 0
    public var failures: [String] = []
    /// Routes that did not run because their mapping or carrier profile has errors.
    public var brokenRoutes: [String] = []
    /// Partner files still waiting for their delivery.
    public var pendingDeliveries = 0

    /// 2 when a route could not run for its configuration, else 1 when some input was rejected (or
    /// could not be taken), else 0 — also when files were held for later (still being written, or ending early).
    public var exitCode: Int32 {
        if configurationErrors { return 2 }
        return rejected > 0 || !failures.isEmpty ? 1 : 0
    }
    /// Some mapping or carrier profile has errors (its routes did not run).
    public var configurationErrors = false

    mutating func add(_ outcome: FileOutcome) {
        switch outcome.state {
        case .processed: processed += 1
        case .rejected: rejected += 1
        case .duplicate: duplicates += 1
        }
    }

    mutating func merge(_ other: RunSummary) {
        processed += other.processed
        rejected += other.rejected
        duplicates += other.duplicates
        held += other.held
        failures += other.failures
    }
}

/// The pipeline for a whole workspace: the route catalog, the ledger, and the processor.
public struct Runner: Sendable {
    public let workspace: Workspace
    public let catalog: RouteCatalog
    public let ledger: any WorkspaceLedger
    public let logger: Logger
    /// The files being processed now, for a graceful shutdown to name.
    public let inHand = FilesInHand()
    /// This process as one of several workers, when the ledger is shared (PostgreSQL); nil with the SQLite ledger.
    public let workers: WorkerClaims?

    /// Loads every mapping. A broken mapping stops only its own route (see `RouteCatalog`); only a
    /// workspace without any mapping, or an unusable ledger, is an error here: a ledger that is missing,
    /// damaged or behind the workspace's history is refused unless `newLedger` says to start over (`LedgerGuard`).
    /// `ledger`: a PostgreSQL ledger (`muelle run --ledger`); nil: muelle.yaml's `ledger:`, else the SQLite file.
    /// `workerLease`: with a shared ledger, how long a worker's claims stand without its heartbeat.
    public init(workspace: Workspace, logger: Logger, newLedger: Bool = false, ledger address: PostgresAddress? = nil,
                workerLease: Duration = WorkerClaims.defaultLease) throws {
        if workspace.mappingFiles().isEmpty {
            throw MuelleError(.configuration, "no mappings in \(workspace.relative(workspace.mappings)): add mappings/<route>.yaml for each inbox/<route>/")
        }
        let catalog = RouteCatalog(RouteCatalog.load(workspace))
        try workspace.prepare(routes: catalog.snapshot.sortedRoutes)
        let ledger = try LedgerGuard.open(workspace, postgres: address, startOver: newLedger, logger: logger)
        let workers = try WorkerClaims.join(ledger, lease: workerLease, logger: logger)
        var workspace = workspace
        workspace.worker = workers?.id
        self.workspace = workspace
        self.catalog = catalog
        self.ledger = ledger
        self.workers = workers
        self.logger = logger
    }

    /// The routes that can run now, sorted by name.
    public var routes: [RouteMapping] { catalog.snapshot.sortedRoutes }

    /// The processor, with the carrier profiles of the catalog as it is now.
    public var processor: FileProcessor {
        FileProcessor(workspace: workspace, ledger: ledger, logger: logger, profiles: catalog.snapshot.profiles, workers: workers)
    }

    public func route(named name: String) -> RouteMapping? { catalog.snapshot.routes[name] }

    /// Logs every mapping problem; routes that cannot run say that their files wait.
    public func reportProblems(_ snapshot: RouteCatalog.Snapshot) {
        for route in snapshot.problems.keys.sorted() {
            let diagnostics = snapshot.problems[route] ?? []
            let consequence = route.contains("/") ? "no route can use this carrier profile until it is fixed"
                : snapshot.keptLastGood.contains(route) ? "the route keeps running its last good version until the mapping is fixed"
                : "the route does not run; its files wait in inbox/\(route)/ until the mapping is fixed"
            let details = diagnostics.map(\.description).joined(separator: "\n")
            logger.error("\(diagnostics.count) error(s) in the configuration of \(route): \(consequence)\n\(details)",
                         metadata: ["muelle.route": "\(route)"])
        }
    }

    /// Leftovers of an interrupted run: outputs committed but not yet renamed into the outbox are
    /// published (before staging is cleaned, which drops only what no commit recorded), and moves
    /// that completed without being recorded are recorded.
    public func recoverFromInterruption() {
        if let workers { return recoverAmongWorkers(workers) }
        do {
            let published = try Publication.finishPending(workspace: workspace, ledger: ledger)
            if published > 0 { logger.notice("published \(published) output(s) committed before an interruption") }
        } catch {
            // Staging must stay as it is: it holds committed outputs that are still to be published.
            logger.error("could not publish the outputs committed before an interruption; they wait in .muelle/staging", metadata: ["error": "\(error)"])
            return
        }
        do { try processor.reconcileMoves() } catch { logger.error("could not reconcile the ledger with the disk", metadata: ["error": "\(error)"]) }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: workspace.staging)) ?? []
        for name in leftovers { FileSystem.removeTree(workspace.staging + "/" + name) }
        forgetStuckFilesGone()
    }

    /// With several workers: only this worker's staging (new) and that of lost or forgotten workers is cleared, after
    /// their committed outputs are published; another worker's files in hand are left alone.
    private func recoverAmongWorkers(_ workers: WorkerClaims) {
        do { try workers.recover(workspace, ledger: ledger) } catch {
            logger.error("could not finish what lost workers left; tried again at the next heartbeat", metadata: ["error": "\(error)"])
        }
        do { try processor.reconcileMoves() } catch { logger.error("could not reconcile the ledger with the disk", metadata: ["error": "\(error)"]) }
        forgetStuckFilesGone()
    }

    /// What became of a file handed to `take`, for a caller deciding when to look at it again.
    enum TakeResult: Sendable {
        case done
        /// Not taken yet; `retryAfter` as in `FileHeld`.
        case held(retryAfter: Duration?)
        case failed
        /// The route cannot run now (no mapping, or a broken one): the file waits for it.
        case routeNotRunnable
    }

    /// Processes one file; a held file or a failure to process (not a rejection) is logged and counted.
    @discardableResult
    func take(_ file: InboxFile, summary: inout RunSummary, options: RunOptions) -> TakeResult {
        // One snapshot for both, so a reload in between cannot pair a mapping with another version's profiles.
        let snapshot = catalog.snapshot
        guard let mapping = snapshot.routes[file.route] else { return .routeNotRunnable }
        let processor = FileProcessor(workspace: workspace, ledger: ledger, logger: logger, profiles: snapshot.profiles, workers: workers)
        inHand.start(route: file.route, name: file.name, size: file.size)
        defer { inHand.finish(route: file.route, name: file.name) }
        let started = ContinuousClock.now
        let outcome = Result {
            try processor.process(path: file.path, name: file.name, mapping: mapping) { records, bytes in
                inHand.advance(route: file.route, name: file.name, records: records, bytesRead: bytes)
                options.progress?(file.name, records, bytes, file.size)
            }
        }
        return conclude(file, outcome, kind: mapping.kind, duration: ContinuousClock.now - started, summary: &summary)
    }

    /// Several ready files of one route (`ReadyFiles`): in one group commit when the route takes groups
    /// (`FileProcessor.takesGroups`), else one by one. Returns what became of each, in order.
    @discardableResult
    func take(group files: [InboxFile], summary: inout RunSummary, options: RunOptions) -> [TakeResult] {
        let snapshot = catalog.snapshot
        guard files.count > 1, let route = files.first?.route, let mapping = snapshot.routes[route], FileProcessor.takesGroups(mapping),
              files.allSatisfy({ $0.route == route }) else {
            return files.map { take($0, summary: &summary, options: options) }
        }
        let processor = FileProcessor(workspace: workspace, ledger: ledger, logger: logger, profiles: snapshot.profiles, workers: workers)
        for file in files { inHand.start(route: file.route, name: file.name, size: file.size) }
        defer { for file in files { inHand.finish(route: file.route, name: file.name) } }
        let started = ContinuousClock.now
        let outcomes = processor.process(group: files.map { ($0.path, $0.name) }, mapping: mapping)
        // The metrics' processing time: the group's, shared by its files.
        let share = (ContinuousClock.now - started) / files.count
        return zip(files, outcomes).map { conclude($0, $1, kind: mapping.kind, duration: share, summary: &summary) }
    }

    /// Counts, logs and notes what became of one file taken.
    private func conclude(_ file: InboxFile, _ result: Result<FileOutcome, any Error>, kind: RecordKind, duration: Duration,
                          summary: inout RunSummary) -> TakeResult {
        do {
            let outcome = try result.get()
            RunMetrics.record(outcome, kind: kind, duration: duration, worker: workers?.id)
            summary.add(outcome)
            noteTaken(file)
            try? ledger.clearReferenceWait(route: file.route, name: file.name)
            return .done
        } catch let held as FileHeld {
            // Cut off from the shared ledger: the worker has said so once (`WorkerClaims`), not again per file.
            logger.log(level: held.reason.code == .ledger ? .debug : .info, "held: it stays in the inbox and is tried again", metadata: [
                "muelle.route": "\(file.route)", "muelle.file": "\(file.name)", "reason": "\(held.reason)",
            ])
            summary.held += 1
            noteTaken(file)
            return .held(retryAfter: held.retryAfter)
        } catch {
            logger.error("could not process the file; it stays in the inbox", metadata: [
                "muelle.route": "\(file.route)", "muelle.file": "\(file.name)", "error": "\(error)",
            ])
            summary.failures.append("\(file.route)/\(file.name): \(error)")
            noteStuck(file, reason: "\(error)")
            return .failed
        }
    }

    /// A file that cannot be taken (unreadable, cannot be archived) stays in the inbox: the ledger says why,
    /// for `muelle status` in another process. Best effort: a ledger that cannot record it (disk full) must
    /// not hide the failure already logged.
    private func noteStuck(_ file: InboxFile, reason: String) {
        guard FileSystem.exists(file.path) else { return noteTaken(file) }
        do { try ledger.recordStuck(route: file.route, name: file.name, reason: reason, at: Timestamp.now()) } catch {
            logger.warning("could not record in the ledger why the file stays in the inbox", metadata: [
                "muelle.route": "\(file.route)", "muelle.file": "\(file.name)", "error": "\(error)",
            ])
        }
    }

    /// Processed, held for a reason of its own, or gone: no longer stuck.
    private func noteTaken(_ file: InboxFile) {
        try? ledger.clearStuck(route: file.route, name: file.name)
    }

    /// Start-up: stuck files that left the inbox meanwhile (removed by hand) are forgotten.
    func forgetStuckFilesGone() {
        for stuck in (try? ledger.stuckInputs(route: nil)) ?? [] where !FileSystem.exists(workspace.inbox(route: stuck.route) + "/" + stuck.name) {
            try? ledger.clearStuck(route: stuck.route, name: stuck.name)
        }
    }

    /// `muelle run --once`: everything in the inbox now, routes concurrently, files in arrival order.
    public func runOnce(options: RunOptions = RunOptions()) async -> RunSummary {
        recoverFromInterruption()
        // With several workers, claims stand only while heartbeats renew them.
        let heartbeat = workers.map { workers in Task { await WorkerHeartbeatService(runner: self, workers: workers).beatUntilCancelled() } }
        let summary = await runRoutesOnce(options: options)
        heartbeat?.cancel()
        if let workers { await BlockingLane(label: "muelle.worker.leave").run { workers.leave() } }
        return summary
    }

    private func runRoutesOnce(options: RunOptions) async -> RunSummary {
        let snapshot = catalog.snapshot
        reportProblems(snapshot)
        warnAboutUnmappedFolders()
        let pullFailures = await SFTPPulls.pullAll(self)
        let limiter = ConcurrencyLimiter(limit: max(1, options.maxConcurrentRoutes))
        // Reference routes first: an order dropped with its addresses finds them in the same run.
        let references = snapshot.sortedRoutes.filter { $0.kind.keepsReferenceData }
        let referenceSummary = await withTaskGroup(of: RunSummary.self) { group in
            for mapping in references {
                group.addTask { await limiter.withPermit { await drainOnce(route: mapping.name, options: options) } }
            }
            var total = RunSummary()
            for await summary in group { total.merge(summary) }
            return total
        }
        return await withTaskGroup(of: RunSummary.self) { group in
            for mapping in snapshot.sortedRoutes where !mapping.kind.keepsReferenceData {
                group.addTask {
                    await limiter.withPermit { await drainOnce(route: mapping.name, options: options) }
                }
            }
            var total = referenceSummary
            total.failures += pullFailures
            total.brokenRoutes = snapshot.brokenRoutes
            total.configurationErrors = !snapshot.problems.isEmpty
            for await summary in group { total.merge(summary) }
            // Partner files of this run (and any still pending) go out last; a partner server that is
            // down leaves them pending, which is not a rejected input.
            total.pendingDeliveries = await Deliveries.deliverPending(self)
            ledger.checkpoint()
            return total
        }
    }

    /// One route's files, oldest first, each once it is stable by the same rule as the watcher's
    /// (`StableFileDetector`). A pass lists the folder once and works through the oldest `passSize` files not
    /// tried yet, re-checking only the file in hand (one `lstat`): a listing per file made a run over
    /// 50,000 waiting files quadratic, and a list of all of them made its memory grow with the backlog.
    /// The next pass takes the next oldest and what arrived meanwhile; a listing with nothing new ends the run.
    private func drainOnce(route: String, options: RunOptions) async -> RunSummary {
        var summary = RunSummary()
        let scanner = InboxScanner(inboxPath: workspace.inbox)
        // Files tried and still in the folder (held, or kept by a failure): not tried again in this run.
        var attempted = Set<String>()
        var reported = Set<IgnoredInboxEntry>()
        // Reading, fsync and SQLite block: on a thread of the route's own, never the cooperative pool.
        let lane = BlockingLane(label: "muelle.route.\(route)")
        while true {
            let scan: InboxScan
            var stillThere = Set<String>()
            do {
                scan = try scanner.scan(route: route, oldest: Self.passSize) { name in
                    guard attempted.contains(name) else { return false }
                    stillThere.insert(name)
                    return true
                }
            } catch {
                summary.failures.append("\(route): \(error)")
                return summary
            }
            attempted = stillThere
            // Each pass lists the folder again: say each ignored entry once.
            for ignored in scan.ignored where reported.insert(ignored).inserted { logger.notice("\(ignored)") }
            if scan.files.isEmpty { return summary }
            for listed in scan.files {
                attempted.insert(listed.name)
                await takeOnceStable(listed, scanner: scanner, on: lane, summary: &summary, options: options)
            }
        }
    }

    /// Files one pass of `run --once` takes from a route's listing.
    static let passSize = 4096

    /// Takes `listed` once it is stable, looking at the file itself again (the listing may be minutes old
    /// by now). A file still changing after twice the quiet period is left for the next run rather than
    /// waited for: `run --once` never waits on a writer. A file gone meanwhile is nothing to do.
    private func takeOnceStable(_ listed: InboxFile, scanner: InboxScanner, on lane: BlockingLane, summary: inout RunSummary, options: RunOptions) async {
        let clock = ContinuousClock()
        let firstSeen = clock.now
        var detector = StableFileDetector<String>(quietPeriod: options.quietPeriod)
        while true {
            let file: InboxFile
            do {
                guard let current = try scanner.recheck(listed) else { return }
                file = current
            } catch {
                summary.failures.append("\(listed.route)/\(listed.name): \(error)")
                return
            }
            let now = clock.now
            if detector.observe(file.name, file.signature, modifiedAgo: file.modificationTime.age(at: .now()), at: now) {
                let runner = self
                summary.merge(await lane.run {
                    var taken = RunSummary()
                    runner.take(file, summary: &taken, options: options)
                    return taken
                })
                return
            }
            if now - firstSeen >= options.quietPeriod * 2 {
                summary.held += 1
                logger.info("held: it stays in the inbox and is tried again", metadata: [
                    "muelle.route": "\(file.route)", "muelle.file": "\(file.name)",
                    "reason": "\(file.name): the file is still changing (written to within the last \(FileHeld.words(options.quietPeriod)))",
                ])
                return
            }
            let wake = detector.nextDeadline ?? now + options.quietPeriod
            try? await Task.sleep(for: max(wake - now, .milliseconds(10)))
        }
    }

    private func warnAboutUnmappedFolders() {
        let folders = (try? InboxScanner(inboxPath: workspace.inbox).routeNames()) ?? []
        let problems = catalog.snapshot.problems
        for folder in folders where route(named: folder) == nil && problems[folder] == nil {
            logger.warning("inbox/\(folder)/ has no mapping (mappings/\(folder).yaml); its files are left alone")
        }
    }
}

/// Bounds how many routes work at once.
actor ConcurrencyLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func withPermit<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        defer { release() }
        return await body()
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
