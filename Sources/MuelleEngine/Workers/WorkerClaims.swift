import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleSystem
import Synchronization

/// This process as one of several `muelle run` workers on a workspace whose ledger they share (PostgreSQL): its
/// id, its claims on inputs (`WorkerCoordination`), its heartbeat, and whether it can reach the ledger. Nil on a
/// runner whose ledger is the SQLite file, which admits one worker (`WorkspaceLock`).
///
/// The protocol: a worker claims an input by route and name before it reads a byte of it; the claim carries a lease
/// that the worker's heartbeat renews; the file's commit locks the claim row and fails unless this worker still
/// holds it; the claim is released once the original is archived. A worker that finds a file claimed by a live
/// worker leaves it; a claim whose lease ran out (its worker killed or stopped) is taken over, and the file is done
/// again from the start under the same deterministic names.
public final class WorkerClaims: Sendable {
    /// `host-pid-random`: the name of its staging folder (`.muelle/staging/<id>/`) and of its rows.
    public let id: String
    public let host: String
    public let pid: Int64
    /// How long a claim stands without a heartbeat; heartbeats come three times per lease.
    public let lease: Duration
    let coordination: any WorkerCoordination
    private let logger: Logger
    private let reach = Mutex(LedgerReach())
    /// The claims this worker holds now: the ones its heartbeat renews.
    private let held = Mutex<Set<ClaimKey>>([])

    /// Registers the worker (its first heartbeat) when the ledger is one several workers share, else nil.
    public static func join(_ ledger: any LedgerStore, lease: Duration, logger: Logger) throws -> WorkerClaims? {
        guard let coordination = ledger as? any WorkerCoordination else { return nil }
        let host = ProcessInfo.processInfo.hostName
        let pid = Int64(Posix.processID)
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let id = "\(host.prefix(40).map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }.reduce(into: "") { $0.append($1) })-\(pid)-\(random)"
        let claims = WorkerClaims(id: id, host: host, pid: pid, lease: lease, coordination: coordination, logger: logger)
        coordination.limitIdleTransactions(to: lease)
        try coordination.heartbeat(worker: id, host: host, pid: pid, fileInHand: nil, holds: [], lease: lease)
        return claims
    }

    private init(id: String, host: String, pid: Int64, lease: Duration, coordination: any WorkerCoordination, logger: Logger) {
        self.id = id
        self.host = host
        self.pid = pid
        self.lease = lease
        self.coordination = coordination
        self.logger = logger
    }

    /// A worker that sends no heartbeat for this long is taken for lost: `muelle run --worker-lease`.
    public static let defaultLease: Duration = .seconds(30)

    public var heartbeatInterval: Duration { lease / 3 }

    /// False while the ledger cannot be reached: route workers take no new file until a heartbeat gets through.
    public var takesFiles: Bool { reach.withLock { $0.takesFiles } }

    /// Claims an input before it is read; nil when another live worker has it.
    func claim(route: String, name: String) throws -> ClaimTicket? {
        let key = ClaimKey(route: route, name: name)
        // Held before it is asked for, so a heartbeat in between renews it.
        held.withLock { _ = $0.insert(key) }
        let taken: Bool
        do {
            taken = try coordination.claim(key, worker: id, lease: lease)
        } catch {
            held.withLock { _ = $0.remove(key) }
            lostLedger(error)
            throw FileHeld(reason: MuelleError(.ledger, "the shared ledger cannot be reached, so the file cannot be claimed: \(error)",
                                               at: InputPosition(file: name)), retryAfter: heartbeatInterval)
        }
        guard taken else {
            held.withLock { _ = $0.remove(key) }
            return nil
        }
        return ClaimTicket(key: key, claims: self)
    }

    fileprivate func release(_ key: ClaimKey) {
        held.withLock { _ = $0.remove(key) }
        try? coordination.releaseClaim(key, worker: id)
    }

    /// One heartbeat: the worker's row and the leases of its claims renewed, with the file it has in hand.
    /// Returns whether the ledger answered.
    @discardableResult
    public func beat(inHand: FilesInHand) -> Bool {
        let file = inHand.current.first.map { "\($0.route)/\($0.name)" }
        do {
            try coordination.heartbeat(worker: id, host: host, pid: pid, fileInHand: file, holds: Array(held.withLock { $0 }), lease: lease)
        } catch {
            lostLedger(error)
            return false
        }
        if reach.withLock({ $0.succeeded() }) == .resume {
            logger.notice("the shared ledger is reachable again: taking files", metadata: ["muelle.worker": "\(id)"])
        }
        return true
    }

    private func lostLedger(_ error: any Error) {
        if case .stopTaking(let reason) = reach.withLock({ $0.failed("\(error)") }) {
            logger.error("the shared ledger cannot be reached: no new file is taken until it answers again (tried every \(FileHeld.words(heartbeatInterval)))",
                         metadata: ["muelle.worker": "\(id)", "error": "\(reason)"])
        }
    }

    /// Workers whose heartbeat is older than the lease are forgotten, with their claims, once any commit of theirs
    /// still holding a claim row has ended; then what they committed and did not publish is published (the rows are
    /// in the ledger, the files in their staging folder) and their staging folder removed. Idempotent: two workers
    /// reaping at once publish each file once (a rename) and forget each worker once.
    /// Returns how many workers it reaped.
    @discardableResult
    func reapLost(_ workspace: Workspace, ledger: any LedgerStore) -> Int {
        guard let workers = try? coordination.workers() else { return 0 }
        var reaped = 0
        for worker in workers where !worker.reaped && worker.id != id {
            // A worker of this host whose process is gone (SIGKILLed, then restarted as a new worker) need not be
            // waited for until its lease runs out. A pid reused by another process only means waiting for the lease.
            let ended = worker.host == host && !Posix.processExists(Int32(clamping: worker.pid))
            guard worker.lost || ended else { continue }
            do {
                guard try ended ? coordination.forgetEndedWorker(worker.id) : coordination.forgetLostWorker(worker.id) else { continue }
                reaped += 1
                logger.warning(ended ? "a worker of this host has ended: its claims are released and its files taken by others"
                               : "a worker stopped sending heartbeats: its claims are released and its files taken by others",
                               metadata: ["muelle.worker": "\(worker.id)", "last_heartbeat": "\(worker.heartbeat)"])
                try clearStaging(of: worker.id, workspace: workspace, ledger: ledger)
            } catch {
                logger.error("could not take over a lost worker's leftovers; tried again at the next heartbeat",
                             metadata: ["muelle.worker": "\(worker.id)", "error": "\(error)"])
            }
        }
        return reaped
    }

    /// Start-up: staging folders of workers the ledger no longer knows (forgotten, or from before several workers)
    /// are finished and removed; this worker's own (new) folder is made.
    func recover(_ workspace: Workspace, ledger: any LedgerStore) throws {
        reapLost(workspace, ledger: ledger)
        // Reaped just now or before: what they committed is published by `clearStaging` (again: idempotent).
        let known = Set(try coordination.workers().filter { !$0.reaped }.map(\.id))
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: workspace.stagingRoot)) ?? []
        for name in entries where !known.contains(name) {
            try clearStaging(of: name, workspace: workspace, ledger: ledger)
        }
        try FileSystem.makeDirectory(workspace.staging)
    }

    private func clearStaging(of name: String, workspace: Workspace, ledger: any LedgerStore) throws {
        let folder = workspace.relative(workspace.stagingRoot + "/" + name)
        let published = try Publication.finishPending(workspace: workspace, ledger: ledger) {
            $0.staged == folder || $0.staged.hasPrefix(folder + "/")
        }
        if published > 0 { logger.notice("published \(published) output(s) a lost worker had committed", metadata: ["muelle.worker": "\(name)"]) }
        FileSystem.removeTree(workspace.stagingRoot + "/" + name)
    }

    /// A graceful stop: the worker's row and claims go at once, not after the lease.
    public func leave() {
        try? coordination.forgetWorker(id)
    }
}

/// One claim this worker holds on an input, from before its first read until it is released after the archive.
final class ClaimTicket: Sendable {
    let key: ClaimKey
    let claims: WorkerClaims
    private let released = Mutex(false)

    init(key: ClaimKey, claims: WorkerClaims) {
        self.key = key
        self.claims = claims
    }

    /// In the file's commit transaction: refuses the commit when another worker took the file over meanwhile (this
    /// one was stopped or cut off past its lease). The transaction rolls back; staging is dropped with the file.
    func confirm(in tx: any LedgerWriting) throws {
        guard try tx.confirmClaim(key, worker: claims.id, lease: claims.lease) else {
            throw FileHeld(reason: MuelleError(.inUse, "this worker's claim on the file ran out (no heartbeat for \(FileHeld.words(claims.lease))) and "
                                               + "another worker took the file over; nothing of this attempt was committed",
                                               at: InputPosition(file: key.name)), retryAfter: claims.lease)
        }
    }

    func release() {
        guard !released.withLock({ let was = $0; $0 = true; return was }) else { return }
        claims.release(key)
    }
}
