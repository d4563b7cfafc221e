import Dispatch

/// A thread of its own for blocking work — SQLite, fsync, cairo — so it never sits on Swift's cooperative
/// pool, which has one thread per core: two routes reading big files there would leave nothing for the
/// watcher, the signal handler or the other services. Serial, like the work it carries (a route's files
/// go one by one). Work already started finishes even if the awaiting task is cancelled: a file in hand
/// is never abandoned halfway.
struct BlockingLane: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
