import ServiceLifecycle

/// With several workers: this worker's heartbeat, three times per lease, until a graceful shutdown — its row and the
/// leases of its claims renewed, the file in hand noted for `muelle status`, and lost workers' leftovers taken over.
/// A heartbeat that does not get through stops the route workers taking files (`WorkerClaims.takesFiles`) until one
/// does. On a graceful stop the worker leaves the ledger at once rather than after its lease.
public struct WorkerHeartbeatService: Service {
    let runner: Runner
    let workers: WorkerClaims

    init(runner: Runner, workers: WorkerClaims) {
        self.runner = runner
        self.workers = workers
    }

    /// The heartbeat of `runner`'s worker, for a process other than `muelle run` that is one for as long as it runs
    /// (the console, whose Replay takes files under claims); nil with a SQLite ledger, which has no workers.
    public init?(of runner: Runner) {
        guard let workers = runner.workers else { return nil }
        self.init(runner: runner, workers: workers)
    }

    public func run() async {
        await cancelWhenGracefulShutdown { await beatUntilCancelled() }
        let workers = workers
        await BlockingLane(label: "muelle.worker.leave").run { workers.leave() }
    }

    func beatUntilCancelled() async {
        // Ledger calls block: on threads of their own, never the cooperative pool. Reaping waits for a lost worker's
        // commit to end, so it has a lane of its own: the heartbeat must never wait behind it.
        let lane = BlockingLane(label: "muelle.worker.heartbeat")
        let reaping = BlockingLane(label: "muelle.worker.reaping")
        let runner = runner, workers = workers
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    _ = await lane.run { workers.beat(inHand: runner.inHand) }
                    try? await Task.sleep(for: workers.heartbeatInterval)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: workers.heartbeatInterval)
                    guard workers.takesFiles else { continue }
                    await reaping.run {
                        // A lost worker may have archived originals without recording it (killed between the two):
                        // no inbox file is left to lead a worker to them, so their moves are recorded now.
                        if workers.reapLost(runner.workspace, ledger: runner.ledger) > 0 { try? runner.processor.reconcileMoves() }
                    }
                }
            }
        }
    }
}
