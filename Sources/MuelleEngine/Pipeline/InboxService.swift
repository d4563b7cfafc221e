import Foundation
import Logging
import MuelleIntake
import ServiceLifecycle

/// `muelle run`: watches the inbox and takes each ready file through its route, until a graceful
/// shutdown (SIGTERM/SIGINT), which lets the file in hand finish.
///
/// One serial worker per route keeps arrival order within a route; a limiter bounds how many routes
/// work at once.
public struct InboxService: Service {
    let runner: Runner
    let options: RunOptions

    public init(runner: Runner, options: RunOptions) {
        self.runner = runner
        self.options = options
    }

    public func run() async throws {
        runner.recoverFromInterruption()
        let configuration = InboxWatcher.Configuration(
            routes: runner.routes.map(\.name), quietPeriod: options.quietPeriod, rescanInterval: options.rescanInterval)
        let watcher = try InboxWatcher(inboxPath: runner.workspace.inbox, configuration: configuration)
        let limiter = ConcurrencyLimiter(limit: max(1, options.maxConcurrentRoutes))
        runner.logger.info("watching", metadata: ["muelle.routes": "\(runner.routes.map(\.name).joined(separator: ","))"])

        var queues: [String: AsyncStream<InboxFile>.Continuation] = [:]
        await withTaskGroup(of: Void.self) { group in
            for mapping in runner.routes {
                let (stream, continuation) = AsyncStream.makeStream(of: InboxFile.self)
                queues[mapping.name] = continuation
                group.addTask {
                    for await file in stream {
                        let result = await limiter.withPermit {
                            var summary = RunSummary()
                            return runner.take(file, summary: &summary, options: options)
                        }
                        switch result {
                        case .done:
                            break
                        case .held(let retryAfter):
                            // Back when it changes or its writer closes it; the timed retry is the safety net.
                            watcher.hold(file, retryAfter: retryAfter ?? options.rescanInterval)
                        case .failed:
                            // Offer it again later, not at once: a lasting problem (permissions, a full
                            // disk) must not turn into a busy loop of retries and log lines.
                            watcher.hold(file, retryAfter: options.rescanInterval)
                        }
                    }
                }
            }
            let routeQueues = queues
            if runner.routes.contains(where: { $0.output?.deliver != nil || $0.deliver != nil }) {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            await Deliveries.deliverPending(runner)
                            try? await Task.sleep(for: options.rescanInterval)
                        }
                    }
                }
            }
            for route in runner.routes {
                guard let settings = route.sftpSource else { continue }
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        do {
                            let puller = try SFTPPulls.puller(for: route, settings: settings, runner: runner)
                            await puller.run(every: .seconds(settings.everySeconds)) { result in
                                if case .failure(let error) = result {
                                    runner.logger.error("could not pull from the partner's server", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
                                }
                            }
                        } catch {
                            runner.logger.error("the route's SFTP source is not usable", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
                        }
                    }
                }
            }
            if runner.processor.profiles.values.contains(where: { $0.pickupCutoff != nil }) {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        var closer = CutoffCloser(runner: runner)
                        while !Task.isCancelled {
                            closer.closeDue(at: Date())
                            try? await Task.sleep(for: options.rescanInterval)
                        }
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await file in watcher {
                        routeQueues[file.route]?.yield(file)
                    }
                }
                // The watcher stopped: let each route finish the file in hand and what is queued.
                for continuation in routeQueues.values { continuation.finish() }
            }
        }
        runner.logger.info("stopped")
    }
}
