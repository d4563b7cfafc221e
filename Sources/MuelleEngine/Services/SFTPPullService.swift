import MuelleMapping
import ServiceLifecycle

/// Pulls one route's feed from its partner's SFTP server every `every_seconds`, until a graceful shutdown.
/// libssh2 blocks: the client runs it on a queue of its own (`SFTPClient`).
struct SFTPPullService: Service {
    let runner: Runner
    let route: RouteMapping
    let settings: SFTPSettings

    func run() async {
        await cancelWhenGracefulShutdown {
            do {
                let puller = try SFTPPulls.puller(for: route, settings: settings, runner: runner)
                await puller.run(every: .seconds(settings.everySeconds)) { result in
                    if case .failure(let error) = result {
                        RunMetrics.pullFailed(route: route.name)
                        runner.logger.error("could not pull from the partner's server", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
                    }
                }
            } catch {
                runner.logger.error("the route's SFTP source is not usable", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
            }
        }
    }
}
