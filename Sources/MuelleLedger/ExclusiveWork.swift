/// Work that is not tied to one input file and must run on one worker at a time: an SFTP source's pull, the
/// deliveries to partners, the alerts' rounds. Several `muelle run` workers share one ledger; the ledger decides
/// which of them does it (`LedgerStore.holdExclusiveWork`).
///
/// A hold lasts until `release()` or until the worker's session with the ledger ends (PostgreSQL frees a session's
/// advisory locks when the session ends, so a worker that dies or loses its connection loses the work too). The
/// work's effects outside the ledger are therefore made safe to redo: a worker asks `isHeld` before each step
/// that reaches a partner and stops when it no longer holds the work.
public protocol ExclusiveWorkHold: Sendable {
    /// The work's name (`sftp-pull:<route>`, `deliveries`, `alerts`).
    var name: String { get }
    /// Whether this worker still holds the work: false once its ledger session ended and another may have taken it.
    var isHeld: Bool { get }
    /// Lets another worker take the work. Idempotent.
    func release()
}

/// The SQLite ledger's hold: one worker per workspace (`.muelle/run.lock`), so the work is always its own.
public struct SoleWorkerHold: ExclusiveWorkHold {
    public let name: String
    public var isHeld: Bool { true }
    public init(name: String) { self.name = name }
    public func release() {}
}

extension LedgerStore {
    /// Runs `body` if this worker can take the named work now, releasing it afterwards; nil (without running
    /// `body`) while another worker holds it.
    public func withExclusiveWork<T>(_ name: String, _ body: (any ExclusiveWorkHold) async throws -> T) async throws -> T? {
        guard let hold = try holdExclusiveWork(name) else { return nil }
        defer { hold.release() }
        return try await body(hold)
    }

}
