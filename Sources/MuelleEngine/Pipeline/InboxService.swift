import Foundation
import Logging
import MuelleIntake
import ServiceLifecycle
import Synchronization

/// `muelle run`: watches the inbox and takes each ready file through its route, until a graceful
/// shutdown (SIGTERM/SIGINT), which lets the file in hand finish. One of the services `WatchServices`
/// runs, after start-up recovery.
///
/// One serial worker per route keeps arrival order within a route, on a thread of its own (`BlockingLane`:
/// reading, fsync and SQLite block); a limiter bounds how many routes work at once. Mappings and carrier
/// profiles are reloaded when they change: a route whose mapping is broken waits (or keeps its last good
/// version), and the others flow.
public struct InboxService: Service {
    let runner: Runner
    let options: RunOptions

    public init(runner: Runner, options: RunOptions) {
        self.runner = runner
        self.options = options
    }

    /// What the service loop reacts to, one at a time.
    private enum Event: Sendable {
        /// A file is ready in a route folder.
        case ready(InboxFile)
        /// A mapping or carrier-profile file changed.
        case configurationChanged
        /// The watcher stopped (graceful shutdown).
        case stopped
    }

    public func run() async throws {
        // Every folder of the inbox: a route whose mapping appears or is fixed later must not need a restart.
        let configuration = InboxWatcher.Configuration(
            routes: nil, quietPeriod: options.quietPeriod, rescanInterval: options.rescanInterval)
        let watcher = try InboxWatcher(inboxPath: runner.workspace.inbox, configuration: configuration)
        let limiter = ConcurrencyLimiter(limit: max(1, options.maxConcurrentRoutes))
        runner.logger.info("watching", metadata: ["muelle.routes": "\(runner.routes.map(\.name).joined(separator: ","))"])
        let (events, eventSink) = AsyncStream.makeStream(of: Event.self)
        let stopping = StopSignal()

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await file in watcher { eventSink.yield(.ready(file)) }
                }
                eventSink.yield(.stopped)
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    var configuration = ConfigurationWatcher(workspace: runner.workspace)
                    while !Task.isCancelled {
                        try? await Task.sleep(for: options.configurationCheckInterval)
                        if configuration.changed() { eventSink.yield(.configurationChanged) }
                    }
                }
            }

            // One serial worker per route, started when its first file is ready; it is woken for each file
            // and takes every file waiting by then, in groups.
            var queues: [String: (files: ReadyFiles, wake: AsyncStream<Void>.Continuation)] = [:]
            // Files of routes that cannot run now (no mapping, or a broken one), offered again once they can.
            var waiting: [String: [InboxFile]] = [:]
            for await event in events {
                switch event {
                case .ready(let file):
                    guard runner.route(named: file.route) != nil else {
                        waiting[file.route, default: []].append(file)
                        continue
                    }
                    if queues[file.route] == nil {
                        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                        let ready = ReadyFiles()
                        queues[file.route] = (ready, wake)
                        let lane = BlockingLane(label: "muelle.route.\(file.route)")
                        group.addTask {
                            await work(ready, wakes: wakes, on: lane, watcher: watcher, limiter: limiter, sendBack: eventSink, stopping: stopping)
                        }
                    }
                    queues[file.route]?.files.append(file)
                    queues[file.route]?.wake.yield()
                case .configurationChanged:
                    let (old, new) = runner.catalog.reload(runner.workspace)
                    reportReload(from: old, to: new)
                    for (route, files) in waiting where new.routes[route] != nil {
                        for file in files { watcher.forget(file) }
                        waiting[route] = nil
                    }
                case .stopped:
                    // Each route finishes the file in hand and takes nothing new: a backlog waits for the next start.
                    stopping.raise()
                    let inHand = runner.inHand.current
                    for file in inHand {
                        runner.logger.notice("stopping: finishing the file in hand first — \(file.description)")
                    }
                    if inHand.isEmpty { runner.logger.notice("stopping: no file in hand") }
                    for queue in queues.values { queue.wake.finish() }
                    eventSink.finish()
                }
            }
        }
        runner.logger.info("stopped")
    }

    /// A route's worker: its files in arrival order, one by one or, when several are waiting, in groups
    /// (`Runner.take(group:)`).
    private func work(_ ready: ReadyFiles, wakes: AsyncStream<Void>, on lane: BlockingLane, watcher: InboxWatcher, limiter: ConcurrencyLimiter,
                      sendBack: AsyncStream<Event>.Continuation, stopping: StopSignal) async {
        let runner = runner
        let options = options
        for await _ in wakes {
            while !stopping.isRaised {
                // Cut off from the shared ledger: files wait in the queue (the heartbeat says why, once) until it answers.
                if let workers = runner.workers, !workers.takesFiles {
                    try? await Task.sleep(for: workers.heartbeatInterval)
                    continue
                }
                let files = ready.takeGroup(limit: FileProcessor.groupLimit)
                if files.isEmpty { break }
                let results = await limiter.withPermit {
                    await lane.run {
                        var summary = RunSummary()
                        return runner.take(group: files, summary: &summary, options: options)
                    }
                }
                for (file, result) in zip(files, results) { followUp(file, result, watcher: watcher, sendBack: sendBack) }
            }
            if stopping.isRaised { return }
        }
    }

    private func followUp(_ file: InboxFile, _ result: Runner.TakeResult, watcher: InboxWatcher, sendBack: AsyncStream<Event>.Continuation) {
        switch result {
        case .done:
            wakeFilesWaiting(on: file.route, watcher: watcher)
        case .held(let retryAfter):
            // Back when it changes or its writer closes it; the timed retry is the safety net.
            watcher.hold(file, retryAfter: retryAfter ?? options.rescanInterval)
        case .failed:
            // Offer it again later, not at once: a lasting problem (permissions, a full
            // disk) must not turn into a busy loop of retries and log lines.
            watcher.hold(file, retryAfter: options.rescanInterval)
        case .routeNotRunnable:
            // The route's mapping went away meanwhile: the file waits with the others.
            sendBack.yield(.ready(file))
        }
    }

    /// A reference route took a file: the files held for its data are offered again now, not at their
    /// `lookup_wait` deadline.
    private func wakeFilesWaiting(on route: String, watcher: InboxWatcher) {
        guard runner.catalog.snapshot.routes[route]?.kind.keepsReferenceData == true,
              let waits = try? runner.ledger.referenceWaits(route: nil, waitingFor: route) else { return }
        for wait in waits {
            let path = runner.workspace.inbox(route: wait.route) + "/" + wait.name
            // Only its route, name and path matter to `forget`: the watcher looks at the file itself again.
            let file = InboxFile(route: wait.route, name: wait.name, path: path, size: 0, modificationTime: .now(), inode: 0)
            runner.logger.info("reference data arrived: taking the file again", metadata: ["muelle.route": "\(wait.route)", "muelle.file": "\(wait.name)", "reference": "\(route)"])
            watcher.forget(file)
        }
    }

    /// Says what a reload changed: routes added, fixed, broken (running on their last good version) or removed.
    private func reportReload(from old: RouteCatalog.Snapshot, to new: RouteCatalog.Snapshot) {
        do { try runner.workspace.prepare(routes: new.sortedRoutes) } catch {
            runner.logger.error("could not prepare the folders of the reloaded routes", metadata: ["error": "\(error)"])
        }
        for route in new.routes.keys.sorted() where new.problems[route] == nil {
            if old.problems[route] != nil {
                runner.logger.notice("route fixed: mappings/\(route).yaml is loaded again", metadata: ["muelle.route": "\(route)"])
            } else if old.routes[route] == nil {
                runner.logger.notice("route added: mappings/\(route).yaml is loaded", metadata: ["muelle.route": "\(route)"])
            }
        }
        for route in old.routes.keys.sorted() where new.routes[route] == nil && new.problems[route] == nil {
            runner.logger.notice("route removed: mappings/\(route).yaml is gone; its files are left alone", metadata: ["muelle.route": "\(route)"])
        }
        runner.reportProblems(new)
    }
}

/// Raised once a graceful shutdown begins: route workers finish the file in hand and take no other.
final class StopSignal: Sendable {
    private let raised = Mutex(false)

    func raise() { raised.withLock { $0 = true } }

    var isRaised: Bool { raised.withLock { $0 } }
}
