import Foundation
import MuelleCore
import MuelleLedger
import MuelleMapping
import MuelleSFTP

/// Sends partner files (`output: deliver:`) to the partners' SFTP servers: after `run --once` has
/// processed the inbox, and every rescan interval while `run` watches. A file stays pending in the
/// ledger until it sits complete on the server under its name (uploaded under a temporary name,
/// size-checked, renamed); a server that is down leaves it pending for the next attempt.
public enum Deliveries {
    static func destination(_ settings: SFTPSettings) -> String {
        "sftp://\(settings.user)@\(settings.host):\(settings.port)" + (settings.folder.hasPrefix("/") ? "" : "/") + settings.folder
    }

    /// The once-only work of sending pending files: one worker at a time sends them.
    static let workName = "deliveries"

    /// Delivers every pending file; returns how many are still pending afterwards. While another worker on the
    /// same ledger is delivering, this one leaves the files to it and only counts them.
    ///
    /// What several workers guarantee: a file is uploaded by one worker at a time, and the pending list is read
    /// after the work is taken, so a file one worker recorded as delivered is not sent again by another. A file is
    /// sent twice only when its worker ends (or loses its ledger session) after the upload's final rename and
    /// before recording it: the next worker sends it again under the same name, as one worker does after a crash
    /// there. Each file is checked against the hold before it is sent, so a worker that lost the work stops.
    @discardableResult
    public static func deliverPending(_ runner: Runner, backoff: Backoff = Backoff(maximumAttempts: 2)) async -> Int {
        do {
            let left = try await runner.ledger.withExclusiveWork(workName) { hold in
                await deliverPending(runner, hold: hold, backoff: backoff)
            }
            if let left { return left }
            return (try? runner.ledger.pendingDeliveries(route: nil).count) ?? 0
        } catch {
            runner.logger.warning("deliveries wait: the ledger cannot share out the work", metadata: ["error": "\(error)"])
            return (try? runner.ledger.pendingDeliveries(route: nil).count) ?? 0
        }
    }

    private static func deliverPending(_ runner: Runner, hold: any ExclusiveWorkHold, backoff: Backoff) async -> Int {
        guard let pending = try? runner.ledger.pendingDeliveries(route: nil) else { return 0 }
        var left = 0
        for (index, delivery) in pending.enumerated() {
            guard hold.isHeld else {
                runner.logger.warning("this worker lost its ledger session while delivering; another worker sends the rest")
                return left + pending.count - index
            }
            guard let route = runner.route(named: delivery.route) else { continue }
            let isPartnerFile = delivery.file.hasPrefix("outbox/partner/")
            guard let settings = isPartnerFile ? route.output?.deliver : route.deliver else { continue }
            do {
                let client = SFTPClient(endpoint: try SFTPPulls.endpoint(settings), logger: runner.logger)
                let deliverer = SFTPDeliverer(client: client, remoteFolder: settings.folder, delivered: AlwaysDeliver(), backoff: backoff, logger: runner.logger)
                _ = try await deliverer.deliver(runner.workspace.root + "/" + delivery.file)
                try runner.ledger.recordDeliveryAttempt(file: delivery.file, delivered: true, error: nil, at: Timestamp.now())
                runner.logger.info("delivered", metadata: ["muelle.route": "\(route.name)", "muelle.file": "\(delivery.file)", "sftp.host": "\(settings.host)"])
            } catch {
                left += 1
                try? runner.ledger.recordDeliveryAttempt(file: delivery.file, delivered: false, error: "\(error)", at: Timestamp.now())
                runner.logger.warning("delivery still pending", metadata: ["muelle.route": "\(route.name)", "muelle.file": "\(delivery.file)", "error": "\(error)"])
            }
        }
        return left
    }
}

/// Once-only is the ledger's job here (a new version of the file is pending again even with the same
/// name and size), so the deliverer's own memory always says "not yet".
private struct AlwaysDeliver: SFTPDeliveredStore {
    func wasDelivered(_ delivery: SFTPDelivery) throws(MuelleError) -> Bool { false }
    func recordDelivered(_ delivery: SFTPDelivery) throws(MuelleError) {}
}
