import Logging
import ServiceLifecycle

/// `muelle run` without `--once`: one `Service` per long-running loop, in one `ServiceGroup` that shuts
/// down gracefully on SIGTERM/SIGINT.
public enum WatchServices {
    /// Finishes what an interrupted run left (before anything may read the outbox or deliver from it),
    /// then returns the group: deliveries, one SFTP pull per route that has a source, the pickup cut-off
    /// closer, and the inbox (watcher and route workers). A graceful shutdown reaches them in reverse
    /// order: the inbox first, which lets the file in hand finish and takes nothing new, then the others.
    /// `also`: further loops of the run (the alert sender), stopped after the inbox like the others.
    public static func group(_ runner: Runner, options: RunOptions, logger: Logger, also extra: [any Service] = []) -> ServiceGroup {
        runner.recoverFromInterruption()
        runner.reportProblems(runner.catalog.snapshot)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // A loop that ends by itself (an SFTP source that is not usable) must not stop the others.
        func background(_ service: any Service, _ name: String) {
            services.append(.init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: name))
        }
        if runner.routes.contains(where: { $0.output?.deliver != nil || $0.deliver != nil }) {
            background(DeliveryService(runner: runner, interval: options.rescanInterval), "deliveries")
        }
        for route in runner.routes {
            guard let settings = route.sftpSource else { continue }
            background(SFTPPullService(runner: runner, route: route, settings: settings), "sftp-pull \(route.name)")
        }
        if runner.processor.profiles.values.contains(where: { $0.pickupCutoff != nil }) {
            background(CutoffService(runner: runner, interval: options.rescanInterval), "cutoff-closer")
        }
        for service in extra { background(service, "\(type(of: service))") }
        if let workers = runner.workers { background(WorkerHeartbeatService(runner: runner, workers: workers), "worker-heartbeat") }
        // The inbox ending (its watcher stopped) ends the whole run.
        services.append(.init(service: InboxService(runner: runner, options: options),
                              successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "inbox"))
        return ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}
