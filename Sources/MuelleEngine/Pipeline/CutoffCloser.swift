import Foundation
import MuelleCore

/// Closes each carrier's manifest by itself once its daily cut-off has passed, while `muelle run`
/// watches: once per carrier and day (a manifest already closed that day, by hand or before a
/// restart, counts), and only when there is something to hand over.
struct CutoffCloser {
    let runner: Runner
    private var closedOn: [String: String] = [:]

    init(runner: Runner) { self.runner = runner }

    mutating func closeDue(at now: Date) {
        for (code, profile) in runner.processor.profiles.sorted(by: { $0.key < $1.key }) {
            guard let cutoff = profile.pickupCutoff else { continue }
            let (day, passed) = cutoff.status(at: now)
            guard passed, closedOn[code] != day else { continue }
            do {
                if try runner.ledger.hasManifest(carrier: code, date: day) {
                    closedOn[code] = day
                    continue
                }
                let closed = try ShippingDesk.closeManifests(runner: runner, carrier: code, date: day)
                guard !closed.isEmpty else { continue }
                closedOn[code] = day
                for manifest in closed {
                    runner.logger.info("closed the pickup manifest at the cut-off", metadata: [
                        "muelle.carrier": "\(code)", "manifest": "\(manifest.id)", "parcels": "\(manifest.parcels)",
                    ])
                }
            } catch {
                runner.logger.error("could not close the pickup manifest", metadata: ["muelle.carrier": "\(code)", "error": "\(error)"])
            }
        }
    }
}
