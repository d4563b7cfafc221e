import Hummingbird
import Logging
import NIOCore

/// A listener serving only the console, for `muelle console --listen` (the console's routes also go on
/// the listener of `muelle run`, beside the intake).
public enum ConsoleServer {
    /// Serves `routes` on `host:port` until SIGTERM/SIGINT; `listening` hears the port actually bound
    /// (port 0 picks a free one).
    public static func run(_ routes: ConsoleRoutes, host: String, port: Int, logger: Logger,
                           listening: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        routes.register(on: router)
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "muelle"),
            onServerRunning: { channel in listening(channel.localAddress?.port ?? port) }, logger: logger)
        try await application.runService()
    }
}
