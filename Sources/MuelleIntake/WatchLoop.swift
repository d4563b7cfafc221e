import MuelleSystem

/// The body of one watch, run on its own thread: waits for inotify events (or just time, without
/// inotify), looks at what they concern, feeds the stability detector, and hands over ready files.
///
/// Each route has a window: at most `window` of its files are followed (settling, or handed over and not
/// yet gone) at a time, the oldest ones. The rest of a backlog is not held in memory at all: when the
/// window is half empty the folder is listed again for the next oldest, as a bounded consumer in NiFi or
/// Camel polls a batch at a time. So 50,000 waiting files cost what `window` of them do, and a file that
/// arrives behind a backlog waits its turn instead of overtaking it.
final class WatchLoop {
    /// No wait lasts longer, so a stop request is noticed promptly.
    static let stopCheckInterval: Duration = .milliseconds(100)

    private let scanner: InboxScanner
    private let rescanInterval: Duration
    private let window: Int
    private let clock = ContinuousClock()
    private var folders: RouteFolders
    private var detector: StableFileDetector<String>
    /// The last sighting of every file the detector knows, by path: how to find it again.
    private var tracked: [String: InboxFile] = [:]
    /// How many files of each route are in `tracked` (held ones included).
    private var trackedCount: [String: Int] = [:]
    /// How many of those are held, kept in step with the detector: a window's occupancy is then known at
    /// once, not by walking every followed file for each arrival (about half the watcher's time in a burst).
    private var heldCount: [String: Int] = [:]
    /// Routes with files the window left out at the last look: listed again once it has room.
    private var backlogged: Set<String> = []
    private var ready: [InboxFile] = []

    init(scanner: InboxScanner, configuration: InboxWatcher.Configuration) {
        self.scanner = scanner
        // A zero interval would rescan on every turn without ever waiting.
        self.rescanInterval = max(configuration.rescanInterval, Self.stopCheckInterval)
        self.window = max(1, configuration.window)
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
                // A newer sighting of the file, if the loop has one, stays what it follows.
                if tracked[request.file.path] == nil { track(request.file) }
                let now = clock.now
                countingHeld(request.file.route, request.file.path) {
                    $0.hold(request.file.path, request.file.signature, for: request.retryAfter, at: now)
                }
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
        // More arrivals than the window has room for: a listing picks the oldest of them.
        routesToScan.formUnion(routesOverflowing(with: work.files))
        for route in routesToScan.sorted() { scan(route) }
        for reference in work.files where !routesToScan.contains(reference.route) {
            refresh(reference)
        }
        // A backlogged route is listed again once half its window is free, not for every file taken.
        for route in backlogged.sorted() where !routesToScan.contains(route) && occupancy(of: route) <= window / 2 {
            scan(route)
        }
    }

    private func routesOverflowing(with arrivals: Set<PendingWork.FileReference>) -> Set<String> {
        var newcomers: [String: Int] = [:]
        for reference in arrivals where tracked[scanner.filePath(route: reference.route, name: reference.name)] == nil {
            newcomers[reference.route, default: 0] += 1
        }
        return Set(newcomers.compactMap { route, count in
            folders.liveRoutes.contains(route) && count > window - occupancy(of: route) ? route : nil
        })
    }

    /// Looks again at every followed file of `route` (forgetting those gone), then fills the window's free
    /// places with the oldest files not yet followed.
    private func scan(_ route: String) {
        for file in tracked.values where file.route == route {
            refresh(PendingWork.FileReference(route: route, name: file.name), admitting: false)
        }
        let room = window - occupancy(of: route)
        guard room > 0 else {
            backlogged.insert(route)
            return
        }
        let prefix = scanner.folderPath(route: route) + "/"
        // An unreadable folder (permissions, a race with its removal) is retried at the next rescan.
        guard let result = try? scanner.scan(route: route, oldest: room, excluding: { tracked[prefix + $0] != nil }) else { return }
        for file in result.files { observe(file) }
        if result.left > 0 { backlogged.insert(route) } else { backlogged.remove(route) }
    }

    /// Looks at one file again. A file not followed yet is taken into the window only when there is room
    /// and no older backlog waits (`admitting`); otherwise a later listing of its route finds it.
    private func refresh(_ reference: PendingWork.FileReference, admitting: Bool = true) {
        let path = scanner.filePath(route: reference.route, name: reference.name)
        if folders.liveRoutes.contains(reference.route),
           case .candidate(let file)? = try? scanner.look(route: reference.route, name: reference.name) {
            if tracked[path] == nil {
                guard admitting, !backlogged.contains(reference.route), occupancy(of: reference.route) < window else {
                    backlogged.insert(reference.route)
                    return
                }
            }
            observe(file)
        } else {
            // Gone, temporary, a link, unreadable, or its route is gone: not a candidate,
            // and it must not stay due forever.
            forget(path)
        }
    }

    /// Files of `route` in the window: followed and not held. A held file (still being written, unreadable)
    /// waits on its own timer and must not keep the route's other files out.
    private func occupancy(of route: String) -> Int {
        (trackedCount[route] ?? 0) - (heldCount[route] ?? 0)
    }

    private func observe(_ file: InboxFile) {
        track(file)
        let modifiedAgo = file.modificationTime.age(at: .now())
        let now = clock.now
        if countingHeld(file.route, file.path, { $0.observe(file.path, file.signature, modifiedAgo: modifiedAgo, at: now) }) {
            ready.append(file)
        }
    }

    /// Changes what the detector knows of one followed file, keeping `heldCount` in step.
    private func countingHeld<T>(_ route: String, _ path: String, _ change: (inout StableFileDetector<String>) -> T) -> T {
        let wasHeld = detector.isHeld(path)
        let result = change(&detector)
        let isHeld = detector.isHeld(path)
        if wasHeld != isHeld {
            heldCount[route, default: 0] += isHeld ? 1 : -1
            if heldCount[route] == 0 { heldCount[route] = nil }
        }
        return result
    }

    private func track(_ file: InboxFile) {
        if tracked.updateValue(file, forKey: file.path) == nil { trackedCount[file.route, default: 0] += 1 }
    }

    private func forget(_ path: String) {
        guard let file = tracked.removeValue(forKey: path) else {
            detector.forget(path)
            return
        }
        countingHeld(file.route, path) { $0.forget(path) }
        trackedCount[file.route, default: 1] -= 1
        if trackedCount[file.route] == 0 { trackedCount[file.route] = nil }
    }

    private func forgetAll(in route: String) {
        for (path, file) in tracked where file.route == route { forget(path) }
        backlogged.remove(route)
    }
}
