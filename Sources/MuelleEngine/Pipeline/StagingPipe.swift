import Foundation
import MuelleCore
import MuelleMapping

/// Checks mapped drafts against the contract (`ContractStage`) and writes them into `StagedOrders` on a
/// thread of its own while the file is still being read and mapped: the contract and serialising a record
/// (its JSON, fingerprint and index line) cost about a third of its whole way through muelle, and the
/// machine has a second core.
///
/// Records go over in batches through a bounded queue, so memory stays flat whatever the file size, and
/// in order, so the staged files are byte for byte what a single thread writes. A small file never starts
/// the thread: its first `threadAfter` records are written on the caller's thread.
final class StagingPipe: @unchecked Sendable {
    // @unchecked: `staged` and `stage` belong to one thread at a time — the caller's until the writer starts,
    // the writer's until `finish()` has waited for it; `pending`, `started` and `passed` are the caller's
    // only; everything else is read and written under `condition`.
    private let staged: StagedOrders
    private var stage: ContractStage
    private let condition = NSCondition()
    private var queue: [[MappedItem]] = []
    private var closed = false
    private var writerDone = false
    private var failure: (any Error)?
    private var pending: [MappedItem] = []
    private var started = false
    private var passed = 0

    static let threadAfter = 512
    static let batchSize = 128
    static let maxQueued = 16

    init(staged: StagedOrders, contract: ContractStage) {
        self.staged = staged
        self.stage = contract
    }

    /// Whether the writer is about to run out of work (at most one batch waiting): then the caller hands it
    /// groups to map rather than drafts. Before the thread starts everything runs on the caller's thread anyway.
    var isIdle: Bool {
        guard started else { return false }
        condition.lock()
        defer { condition.unlock() }
        return queue.count <= 1
    }

    /// What the contract made of the drafts; read it after `finish()`.
    var contract: ContractStage { stage }

    /// Hands one record or draft on; throws the writer's error (a full disk) once it has stopped.
    func append(_ item: MappedItem) throws {
        guard started else {
            try write(item)
            passed += 1
            if passed >= Self.threadAfter { start() }
            return
        }
        pending.append(item)
        if pending.count >= Self.batchSize { try send() }
    }

    private func write(_ item: MappedItem) throws {
        switch item {
        case .record(let record, let selected):
            try staged.append(record, selected: selected)
        case .draft(let draft, let mark):
            guard let judged = stage.complete(draft, mark: mark) else { return }
            try staged.append(judged.record, selected: judged.selected)
        case .group(let group, let mark):
            for judged in stage.take(group, mark: mark) { try staged.append(judged.record, selected: judged.selected) }
        }
    }

    /// Waits for the writer to write everything handed on; afterwards `staged` is the caller's again.
    /// Must be called once reading has ended, however it ended.
    func finish() throws {
        guard started else { return }
        var sendFailure: (any Error)?
        if !pending.isEmpty {
            do { try send() } catch { sendFailure = error }
        }
        condition.lock()
        closed = true
        condition.broadcast()
        while !writerDone { condition.wait() }
        let failure = self.failure ?? sendFailure
        condition.unlock()
        if let failure { throw failure }
    }

    private func start() {
        started = true
        pending.reserveCapacity(Self.batchSize)
        let thread = Thread { [self] in drain() }
        thread.name = "muelle-staging"
        thread.start()
    }

    private func send() throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.maxQueued, failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(pending)
        pending = []
        pending.reserveCapacity(Self.batchSize)
        condition.broadcast()
    }

    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty, !closed { condition.wait() }
            if queue.isEmpty {
                writerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            do {
                for item in batch { try write(item) }
                TestHooks.point("staging-thread")
            } catch {
                condition.lock()
                failure = error
                queue.removeAll()
                writerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }
}
