import Hummingbird
import MuelleHTTP

/// The console served by `muelle run --listen`, beside the pushes, /metrics and /healthz: one listener.
extension ConsoleRoutes: HTTPRouteProvider {
    public func addRoutes(to router: Router<BasicRequestContext>) {
        register(on: router)
    }
}
