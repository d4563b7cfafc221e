import Foundation
import MuelleCore

/// Draws prepared labels and writes each shipment's own PDF on threads of its own while the caller goes on
/// with the next order (ledger, tracking numbers, JSON): drawing and writing a label is most of a label's
/// cost, and the machine has a second core. Every drawn label also goes into the print jobs, strictly in
/// the order the labels were handed on, so a print job is page for page what one thread writes.
///
/// At most `maxInFlight` labels are between `submit` and their print job at any time: memory stays flat
/// however many labels an input makes. Whoever finishes the next label in order appends it (and any that
/// were waiting behind it) to the print jobs; only one thread appends at a time.
public final class LabelPress: @unchecked Sendable {
    // @unchecked: everything below is read and written under `condition`, except `started` (the caller's
    // only) and `jobs`, which belongs to the one thread holding the `appending` role (then to the caller in
    // `finish()`, once the threads have ended).
    private let jobs: PrintJobs
    private let threadCount: Int
    private let condition = NSCondition()
    private var queue: [(sequence: Int, label: PreparedLabel, path: String)] = []
    private var drawn: [Int: DrawnLabel] = [:]
    /// Files handed on and not yet written: a second label for the same file waits for the first, so the
    /// later one replaces it whole, as it would on one thread.
    private var unwritten: Set<String> = []
    private var submitted = 0
    private var appended = 0
    private var appending = false
    private var finishedJobs: [PrintJobs.Job] = []
    private var running = 0
    private var started = false
    private var closed = false
    private var failure: (any Error)?

    /// Labels handed on but not yet in a print job, at most.
    static let maxInFlight = 8

    /// Two drawing threads on a machine of two cores or more: with the caller's thread, both cores stay busy.
    public static var defaultThreads: Int { max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)) }

    public init(jobs: PrintJobs, threads: Int = LabelPress.defaultThreads) {
        self.jobs = jobs
        threadCount = max(1, threads)
    }

    /// Hands a label on, to be drawn, written to `path` and appended to the print jobs. Returns the print
    /// jobs filled since the last call, in order; throws a drawing thread's error once it has stopped.
    public func submit(_ label: PreparedLabel, to path: String) throws -> [PrintJobs.Job] {
        if !started { start() }
        condition.lock()
        defer { condition.unlock() }
        while submitted - appended >= Self.maxInFlight || unwritten.contains(path), failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append((submitted, label, path))
        unwritten.insert(path)
        submitted += 1
        condition.broadcast()
        return takeFinishedJobs()
    }

    /// Waits until every label handed on is written and in a print job, then finishes the last, partly
    /// filled job. Returns the print jobs filled since the last `submit`, in order.
    public func finish() throws -> [PrintJobs.Job] {
        condition.lock()
        closed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        let failure = self.failure
        var filled = takeFinishedJobs()
        condition.unlock()
        if let failure { throw failure }
        if let last = try jobs.finish() { filled.append(last) }
        return filled
    }

    /// Stops without finishing (the caller failed): labels not yet drawn are dropped, and this returns once
    /// no thread is drawing any more. Does nothing after `finish()`.
    public func stop() {
        condition.lock()
        closed = true
        queue.removeAll()
        if failure == nil { failure = CancellationError() }
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func takeFinishedJobs() -> [PrintJobs.Job] {
        defer { finishedJobs = [] }
        return finishedJobs
    }

    private func start() {
        started = true
        condition.lock()
        running = threadCount
        condition.unlock()
        for index in 1...threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "muelle-labels-\(index)"
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while queue.isEmpty, !closed, failure == nil { condition.wait() }
            guard failure == nil, !queue.isEmpty else { break }
            let next = queue.removeFirst()
            condition.unlock()
            var appender = false
            do {
                let label = try LabelRenderer.draw(next.label)
                try label.write(to: next.path)
                condition.lock()
                unwritten.remove(next.path)
                drawn[next.sequence] = label
                condition.broadcast()
                guard !appending else { continue }
                appender = true
                try appendInOrder()
            } catch {
                // Thrown with the lock released (drawing, writing, or `appendInOrder` appending).
                condition.lock()
                if appender { appending = false }
                if failure == nil { failure = error }
                drawn.removeAll()
                condition.broadcast()
            }
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// With the lock held: takes the `appending` role and appends every drawn label that is next in order,
    /// releasing the lock while cairo writes. Returns with the lock held, or throws with it released.
    private func appendInOrder() throws {
        appending = true
        while let label = drawn.removeValue(forKey: appended) {
            condition.unlock()
            let job = try jobs.add(label)
            condition.lock()
            if let job { finishedJobs.append(job) }
            appended += 1
            condition.broadcast()
        }
        appending = false
    }
}
