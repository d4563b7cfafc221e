import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A listener serving only the console, for `muelle console --listen` (the console's routes also go on
/// the listener of `muelle run`, beside the intake).
public enum ConsoleServer {
    /// Serves `routes` on `host:port` until SIGTERM/SIGINT; `listening` hears the port actually bound
    /// (port 0 picks a free one). `alongside`: loops that live as long as the listener (a worker's heartbeat),
    /// stopped after it.
    public static func run(_ routes: ConsoleRoutes, host: String, port: Int, logger: Logger, alongside: [any Service] = [],
                           listening: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        routes.register(on: router)
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "muelle"),
            onServerRunning: { channel in listening(channel.localAddress?.port ?? port) }, logger: logger)
        guard !alongside.isEmpty else { return try await application.runService() }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = alongside.map { .init(service: $0) }
            + [.init(service: application, successTerminationBehavior: .gracefullyShutdownGroup)]
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
