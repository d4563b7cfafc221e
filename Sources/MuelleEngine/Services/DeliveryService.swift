import ServiceLifecycle

/// Sends pending partner files every rescan interval while `muelle run` watches, until a graceful shutdown.
struct DeliveryService: Service {
    let runner: Runner
    let interval: Duration

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await Deliveries.deliverPending(runner)
                try? await Task.sleep(for: interval)
            }
        }
    }
}
