import Metrics
import MuelleMapping

/// What `muelle run` counts for `/metrics`, through swift-metrics: nothing is kept unless a metrics backend
/// was bootstrapped (`muelle run --listen`), so `run --once` and the commands pay nothing for it.
enum RunMetrics {
    /// One input taken: its outcome, the records it held, what it did to orders, its labels and how long it took.
    /// `worker`: with several workers, its id labels the inputs and records it took.
    static func record(_ outcome: FileOutcome, kind: RecordKind, duration: Duration, worker: String? = nil) {
        let route = ("route", outcome.route)
        let by = worker.map { [("worker", $0)] } ?? []
        Counter(label: "muelle_inputs_total", dimensions: [route, ("state", outcome.state.rawValue)] + by).increment()
        Counter(label: "muelle_records_total", dimensions: [route] + by).increment(by: outcome.records)
        if kind == .orders || kind == .orderEvents, outcome.state == .processed {
            for (result, count) in [("imported", outcome.entry.kept), ("updated", outcome.entry.updated), ("stale", outcome.entry.stale)] {
                Counter(label: "muelle_orders_total", dimensions: [route, ("result", result)]).increment(by: count)
            }
        }
        if outcome.labels > 0 { Counter(label: "muelle_labels_printed_total", dimensions: [route]).increment(by: outcome.labels) }
        Timer(label: "muelle_processing_duration_seconds", dimensions: [route]).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// A pull from a partner's SFTP server failed.
    static func pullFailed(route: String) {
        Counter(label: "muelle_sftp_pull_failures_total", dimensions: [("route", route)]).increment()
    }
}
