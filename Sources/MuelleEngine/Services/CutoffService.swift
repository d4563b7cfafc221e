import Foundation
import ServiceLifecycle

/// Closes each carrier's pickup at its cut-off (the manifest PDF, drawn with cairo on a thread of its own),
/// looking every rescan interval, until a graceful shutdown.
struct CutoffService: Service {
    let runner: Runner
    let interval: Duration

    func run() async {
        let lane = BlockingLane(label: "muelle.cutoff")
        let runner = runner
        await cancelWhenGracefulShutdown {
            var closer = CutoffCloser(runner: runner)
            while !Task.isCancelled {
                closer = await lane.run { [closer] in
                    var round = closer
                    round.closeDue(at: Date())
                    return round
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
