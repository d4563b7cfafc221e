import Foundation
import Hummingbird
import Metrics
import MuelleEngine
import Prometheus

/// `/metrics`: the Prometheus registry behind swift-metrics. The pipeline counts as it goes (`RunMetrics` in the
/// engine); what is a state rather than an event — the inbox backlog, quarantine, pending deliveries — is read
/// from the status cards at each scrape, so it cannot drift from `muelle status`.
enum IntakeMetrics {
    /// Bootstrapped once per process, on first use (only `muelle run --listen` uses it).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func bootstrap() { _ = registry }

    /// The text exposition, with the per-route states read now.
    static func scrape(_ runner: Runner) -> String {
        if let cards = try? StatusCards.cards(workspace: runner.workspace, catalog: runner.catalog.snapshot, ledger: runner.ledger) {
            for card in cards {
                let route = [("route", card.route)]
                Metrics.Gauge(label: "muelle_inbox_backlog", dimensions: route).record(card.waiting)
                Metrics.Gauge(label: "muelle_quarantine_files", dimensions: route).record(card.quarantined)
                Metrics.Gauge(label: "muelle_deliveries_pending", dimensions: route).record(card.pendingDeliveries)
            }
        }
        return registry.emitToString()
    }

    static func countRequest(status: Int) {
        Metrics.Counter(label: "muelle_http_requests_total", dimensions: [("status", String(status))]).increment()
    }
}

/// Counts every answer by its status code (`muelle_http_requests_total`), the console's too.
struct RequestCounter<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            IntakeMetrics.countRequest(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            IntakeMetrics.countRequest(status: error.status.code)
            throw error
        } catch {
            IntakeMetrics.countRequest(status: 500)
            throw error
        }
    }
}
