/// The body of one watch, run on its own thread: waits for inotify events (or just time, without
/// inotify), looks at what they concern, feeds the stability detector, and hands over ready files.
final class WatchLoop {
    /// No wait lasts longer, so a stop request is noticed promptly.
    static let stopCheckInterval: Duration = .milliseconds(100)

    private let scanner: InboxScanner
    private let rescanInterval: Duration
    private let clock = ContinuousClock()
    private var folders: RouteFolders
    private var detector: StableFileDetector<String>
    /// The last sighting of every file the detector knows, by path: how to find it again.
    private var tracked: [String: InboxFile] = [:]
    private var ready: [InboxFile] = []

    init(scanner: InboxScanner, configuration: InboxWatcher.Configuration) {
        self.scanner = scanner
        // A zero interval would rescan on every turn without ever waiting.
        self.rescanInterval = max(configuration.rescanInterval, Self.stopCheckInterval)
        // Inotify() fails without kernel support or past the per-user limit: rescans alone then.
        let inotify = configuration.usesInotify ? Inotify() : nil
        self.folders = RouteFolders(scanner: scanner, configuredRoutes: configuration.routes, inotify: inotify)
        self.detector = StableFileDetector(quietPeriod: configuration.quietPeriod)
    }

    /// Runs until `session` asks to stop, calling `emit` with each file as it becomes ready.
    func run(_ session: WatchSession, emit: (InboxFile) -> Void) {
        var nextRescan = clock.now
        var work = PendingWork()
        while !session.isStopRequested {
            if clock.now >= nextRescan {
                work.fullRescan = true
                nextRescan = clock.now + rescanInterval
            }
            for file in session.takeForgetRequests() {
                forget(file.path)
                work.files.insert(PendingWork.FileReference(route: file.route, name: file.name))
            }
            for request in session.takeHoldRequests() {
                tracked[request.file.path] = request.file
                detector.hold(request.file.path, request.file.signature, until: clock.now + request.retryAfter)
            }
            perform(work)
            for file in ready.sorted(by: InboxFile.arrivesBefore) { emit(file) }
            ready = []
            work = wait(until: nextRescan)
        }
    }

    /// Sleeps until events arrive, the next rescan, a settling file's deadline, or the stop check.
    private func wait(until nextRescan: ContinuousClock.Instant) -> PendingWork {
        let now = clock.now
        var timeout = min(Self.stopCheckInterval, nextRescan - now)
        if let deadline = detector.nextDeadline { timeout = min(timeout, deadline - now) }
        timeout = max(timeout, .zero)
        var work = PendingWork()
        if let inotify = folders.inotify {
            for event in inotify.waitForEvents(timeout: timeout) { folders.classify(event, into: &work) }
        } else {
            Inotify.sleep(timeout)
        }
        for path in detector.dueKeys(by: clock.now) {
            guard let file = tracked[path] else {
                // Cannot happen (both are updated together), but a due key left alone would spin the loop.
                detector.forget(path)
                continue
            }
            work.files.insert(PendingWork.FileReference(route: file.route, name: file.name))
        }
        return work
    }

    private func perform(_ work: PendingWork) {
        for reference in work.departed { forget(scanner.filePath(route: reference.route, name: reference.name)) }
        for reference in work.closedAfterWriting {
            detector.wake(scanner.filePath(route: reference.route, name: reference.name), at: clock.now)
        }
        var routesToScan: Set<String> = []
        if work.fullRescan || work.reconcileRoutes {
            let change = folders.reconcile()
            for route in change.vanished { forgetAll(in: route) }
            routesToScan = work.fullRescan ? folders.liveRoutes : change.appeared
        }
        for route in routesToScan.sorted() { scan(route) }
        for reference in work.files where !routesToScan.contains(reference.route) {
            refresh(reference)
        }
    }

    /// Observes every file of `route`, and forgets the ones no longer there.
    private func scan(_ route: String) {
        // An unreadable folder (permissions, a race with its removal) is retried at the next rescan.
        guard let result = try? scanner.scan(route: route) else { return }
        let present = Set(result.files.map(\.path))
        for (path, file) in tracked where file.route == route && !present.contains(path) { forget(path) }
        for file in result.files { observe(file) }
    }

    private func refresh(_ reference: PendingWork.FileReference) {
        if folders.liveRoutes.contains(reference.route),
           case .candidate(let file)? = try? scanner.look(route: reference.route, name: reference.name) {
            observe(file)
        } else {
            // Gone, temporary, a link, unreadable, or its route is gone: not a candidate,
            // and it must not stay due forever.
            forget(scanner.filePath(route: reference.route, name: reference.name))
        }
    }

    private func observe(_ file: InboxFile) {
        tracked[file.path] = file
        let modifiedAgo = file.modificationTime.age(at: .now())
        if detector.observe(file.path, file.signature, modifiedAgo: modifiedAgo, at: clock.now) { ready.append(file) }
    }

    private func forget(_ path: String) {
        detector.forget(path)
        tracked[path] = nil
    }

    private func forgetAll(in route: String) {
        for (path, file) in tracked where file.route == route { forget(path) }
    }
}
