import Synchronization

/// What the consuming side tells a running watch loop: stop, or offer these files again.
/// Shared between the consumer's task and the loop's thread, hence the lock.
final class WatchSession: Sendable {
    private struct Requests {
        var stop = false
        var forget: [InboxFile] = []
    }

    private let requests = Mutex(Requests())

    func requestStop() {
        requests.withLock { $0.stop = true }
    }

    var isStopRequested: Bool {
        requests.withLock { $0.stop }
    }

    func requestForget(_ file: InboxFile) {
        requests.withLock { $0.forget.append(file) }
    }

    /// The files to forget since the last call.
    func takeForgetRequests() -> [InboxFile] {
        requests.withLock { requests in
            defer { requests.forget = [] }
            return requests.forget
        }
    }
}
