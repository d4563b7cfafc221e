import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleMapping
import MuelleShipping
import ServiceLifecycle

/// Watches for what needs a person (quarantined files, late feeds, failing deliveries, orders cancelled
/// after handover) and tells the `alerts:` receiver, once per cause and once more when it clears.
///
/// The ledger holds each alert and whether its POSTs arrived, so a restart neither repeats nor loses one.
public struct AlertService: Service {
    let runner: Runner
    let settings: WorkspaceSettings.Alerts
    let sender: AlertSender

    public init(runner: Runner, settings: WorkspaceSettings.Alerts) throws(MuelleError) {
        self.runner = runner
        self.settings = settings
        self.sender = AlertSender(url: settings.url, secret: try MuelleShipping.SecretReference(settingsText: settings.secret), workspace: runner.workspace)
    }

    public func run() async throws {
        runner.logger.info("alerts on", metadata: ["alerts.url": "\(settings.url.absoluteString)"])
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await round()
                try? await Task.sleep(for: settings.checkEvery)
            }
        }
    }

    /// The once-only work of looking and sending: one worker at a time, so each cause is sent once.
    static let workName = "alerts"

    /// One look: record what changed, then send what the receiver has not taken yet, oldest first. Skipped while
    /// another worker on the same ledger has its round.
    public func round(now: Date = Date()) async {
        do {
            if try await runner.ledger.withExclusiveWork(Self.workName, { hold in await round(now: now, hold: hold) }) == nil {
                runner.logger.debug("alerts: another worker has this round")
            }
        } catch {
            runner.logger.warning("alerts: \(error)")
        }
    }

    private func round(now: Date, hold: any ExclusiveWorkHold) async {
        let ledger = runner.ledger
        let failingAfter = settings.deliveriesFailingAfter
        let book = AlertBook(holdFor: { $0 == .deliveriesFailing ? failingAfter : .zero })
        do {
            let observed = try AlertCause.observe(workspace: runner.workspace, catalog: runner.catalog.snapshot, ledger: ledger, now: now)
            let stamp = TimeText.iso(now)
            for action in book.actions(stored: try ledger.unsettledAlerts(), observed: observed, now: now) {
                switch action {
                case .open(var entry, let fireNow):
                    if fireNow { entry.firedAt = stamp }
                    try ledger.openAlert(entry)
                case .fire(let id): try ledger.fireAlert(id: id, at: stamp)
                case .resolve(let id): try ledger.resolveAlert(id: id, at: stamp)
                case .drop(let id): try ledger.dropUnfiredAlert(id: id)
                }
            }
            for entry in try ledger.unsettledAlerts() where entry.firedAt != nil {
                guard let id = entry.id else { continue }
                // A worker that lost its ledger session leaves the sending to the one that took over.
                guard hold.isHeld else { return }
                if !entry.firingSent {
                    try await sender.send(entry, resolved: false)
                    try ledger.markAlertSent(id: id, resolved: false)
                    runner.logger.notice("alert sent", metadata: ["alert.kind": "\(entry.kind)", "muelle.route": "\(entry.route)", "alert.subject": "\(entry.subject)"])
                }
                if entry.resolvedAt != nil, !entry.resolvedSent {
                    try await sender.send(entry, resolved: true)
                    try ledger.markAlertSent(id: id, resolved: true)
                    runner.logger.notice("alert resolved", metadata: ["alert.kind": "\(entry.kind)", "muelle.route": "\(entry.route)", "alert.subject": "\(entry.subject)"])
                }
            }
        } catch {
            // Kept in the ledger as not sent: the next round tries again.
            runner.logger.warning("alerts: \(error)")
        }
    }
}
