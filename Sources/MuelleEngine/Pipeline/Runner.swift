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
    /// Partner files still waiting for their delivery.
    public var pendingDeliveries = 0

    /// 0 when every input was processed or held for later, 1 when some input was rejected (or failed).
    public var exitCode: Int32 { rejected > 0 || !failures.isEmpty ? 1 : 0 }

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

/// The pipeline for a whole workspace: compiled routes, the ledger, and the processor.
public struct Runner: Sendable {
    public let workspace: Workspace
    public let routes: [RouteMapping]
    public let ledger: Ledger
    public let logger: Logger
    let processor: FileProcessor

    /// Loads every mapping; any mapping error is a configuration error (exit 2), listed in full.
    public init(workspace: Workspace, logger: Logger) throws {
        let (routes, diagnostics) = workspace.loadMappings()
        let (profiles, profileDiagnostics) = workspace.loadCarrierProfiles(for: routes)
        if !diagnostics.isEmpty || !profileDiagnostics.isEmpty { throw MappingLoadError(diagnostics + profileDiagnostics) }
        if routes.isEmpty {
            throw MuelleError(.configuration, "no mappings in \(workspace.relative(workspace.mappings)): add mappings/<route>.yaml for each inbox/<route>/")
        }
        try workspace.prepare(routes: routes)
        self.workspace = workspace
        self.routes = routes
        self.ledger = try Ledger.open(path: workspace.ledgerPath)
        self.logger = logger
        self.processor = FileProcessor(workspace: workspace, ledger: ledger, logger: logger, profiles: profiles)
    }

    public func route(named name: String) -> RouteMapping? { routes.first { $0.name == name } }

    /// Leftovers of an interrupted run: staged outputs that never reached the outbox, and moves
    /// that completed without being recorded.
    public func recoverFromInterruption() {
        do { try processor.reconcileMoves() } catch { logger.error("could not reconcile the ledger with the disk", metadata: ["error": "\(error)"]) }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: workspace.staging)) ?? []
        for name in leftovers { FileSystem.removeTree(workspace.staging + "/" + name) }
    }

    /// What became of a file handed to `take`, for a caller deciding when to look at it again.
    enum TakeResult: Sendable {
        case done
        /// Not taken yet; `retryAfter` as in `FileHeld`.
        case held(retryAfter: Duration?)
        case failed
    }

    /// Processes one file; a held file or a failure to process (not a rejection) is logged and counted.
    @discardableResult
    func take(_ file: InboxFile, summary: inout RunSummary, options: RunOptions) -> TakeResult {
        guard let mapping = route(named: file.route) else { return .done }
        do {
            let outcome = try processor.process(path: file.path, name: file.name, mapping: mapping) { records, bytes in
                options.progress?(file.name, records, bytes, file.size)
            }
            summary.add(outcome)
            return .done
        } catch let held as FileHeld {
            logger.info("held: it stays in the inbox and is tried again", metadata: [
                "muelle.route": "\(file.route)", "muelle.file": "\(file.name)", "reason": "\(held.reason)",
            ])
            summary.held += 1
            return .held(retryAfter: held.retryAfter)
        } catch {
            logger.error("could not process the file; it stays in the inbox", metadata: [
                "muelle.route": "\(file.route)", "muelle.file": "\(file.name)", "error": "\(error)",
            ])
            summary.failures.append("\(file.route)/\(file.name): \(error)")
            return .failed
        }
    }

    /// `muelle run --once`: everything in the inbox now, routes concurrently, files in arrival order.
    public func runOnce(options: RunOptions = RunOptions()) async -> RunSummary {
        recoverFromInterruption()
        warnAboutUnmappedFolders()
        let pullFailures = await SFTPPulls.pullAll(self)
        let limiter = ConcurrencyLimiter(limit: max(1, options.maxConcurrentRoutes))
        return await withTaskGroup(of: RunSummary.self) { group in
            for mapping in routes {
                group.addTask {
                    await limiter.withPermit { await drainOnce(route: mapping.name, options: options) }
                }
            }
            var total = RunSummary()
            total.failures += pullFailures
            for await summary in group { total.merge(summary) }
            // Partner files of this run (and any still pending) go out last; a partner server that is
            // down leaves them pending, which is not a rejected input.
            total.pendingDeliveries = await Deliveries.deliverPending(self)
            return total
        }
    }

    /// One route's files, oldest first, each once it is stable by the same rule as the watcher's
    /// (`StableFileDetector`). A file still changing after twice the quiet period is left for the next
    /// run rather than waited for: `run --once` never waits on a writer.
    private func drainOnce(route: String, options: RunOptions) async -> RunSummary {
        var summary = RunSummary()
        let scanner = InboxScanner(inboxPath: workspace.inbox)
        let clock = ContinuousClock()
        var detector = StableFileDetector<String>(quietPeriod: options.quietPeriod)
        var firstSeen: [String: ContinuousClock.Instant] = [:]
        var attempted = Set<String>()
        var reported = Set<IgnoredInboxEntry>()
        while true {
            let scan: InboxScan
            do { scan = try scanner.scan(route: route) } catch {
                summary.failures.append("\(route): \(error)")
                return summary
            }
            // The loop looks again while a file settles: say each ignored entry once.
            for ignored in scan.ignored where reported.insert(ignored).inserted { logger.notice("\(ignored)") }
            guard let file = scan.files.first(where: { !attempted.contains($0.name) }) else { return summary }
            let now = clock.now
            let seen = firstSeen[file.name] ?? now
            firstSeen[file.name] = seen
            if detector.observe(file.name, file.signature, modifiedAgo: file.modificationTime.age(at: .now()), at: now) {
                attempted.insert(file.name)
                take(file, summary: &summary, options: options)
            } else if now - seen >= options.quietPeriod * 2 {
                attempted.insert(file.name)
                summary.held += 1
                logger.info("held: it stays in the inbox and is tried again", metadata: [
                    "muelle.route": "\(route)", "muelle.file": "\(file.name)",
                    "reason": "\(file.name): the file is still changing (written to within the last \(FileHeld.words(options.quietPeriod)))",
                ])
            } else {
                let wake = detector.nextDeadline ?? now + options.quietPeriod
                try? await Task.sleep(for: max(wake - now, .milliseconds(10)))
            }
        }
    }

    private func warnAboutUnmappedFolders() {
        let folders = (try? InboxScanner(inboxPath: workspace.inbox).routeNames()) ?? []
        for folder in folders where route(named: folder) == nil {
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
