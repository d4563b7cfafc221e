import MuelleCore
import MuelleLedger
import MuelleMapping
import MuelleSFTP
import ServiceLifecycle

/// Pulls one route's feed from its partner's SFTP server every `every_seconds`, until a graceful shutdown.
/// libssh2 blocks: the client runs it on a queue of its own (`SFTPClient`). With several workers on one ledger,
/// each pull is taken by one of them (`SFTPPulls.workName`); the others skip that round.
struct SFTPPullService: Service {
    let runner: Runner
    let route: RouteMapping
    let settings: SFTPSettings

    func run() async {
        do {
            _ = try SFTPPulls.endpoint(settings)
        } catch {
            runner.logger.error("the route's SFTP source is not usable", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await runner.ledger.withExclusiveWork(SFTPPulls.workName(route)) { hold in
                        try await SFTPPulls.puller(for: route, settings: settings, runner: runner, hold: hold).pull()
                    }
                } catch let error as MuelleError where error.code == .sftpCancelled {
                    return
                } catch {
                    RunMetrics.pullFailed(route: route.name)
                    runner.logger.error("could not pull from the partner's server", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(settings.everySeconds))
            }
        }
    }
}
