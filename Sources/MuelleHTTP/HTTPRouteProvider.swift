import Hummingbird

/// A part of muelle that serves pages or endpoints on the `--listen` listener (the console, for one). The intake
/// builds the one router and hands it to each provider once before the server starts.
public protocol HTTPRouteProvider: Sendable {
    func addRoutes(to router: Router<BasicRequestContext>)
}
