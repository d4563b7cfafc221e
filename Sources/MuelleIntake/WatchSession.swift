import Synchronization

/// What the consuming side tells a running watch loop: stop, offer these files again, or hold these.
/// Shared between the consumer's task and the loop's thread, hence the lock.
final class WatchSession: Sendable {
    private struct Requests {
        var stop = false
        var forget: [InboxFile] = []
        var hold: [(file: InboxFile, retryAfter: Duration)] = []
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

    func requestHold(_ file: InboxFile, retryAfter: Duration) {
        requests.withLock { $0.hold.append((file, retryAfter)) }
    }

    /// The files to hold since the last call, each with how long to wait before offering it again.
    func takeHoldRequests() -> [(file: InboxFile, retryAfter: Duration)] {
        requests.withLock { requests in
            defer { requests.hold = [] }
            return requests.hold
        }
    }

    /// The files to forget since the last call.
    func takeForgetRequests() -> [InboxFile] {
        requests.withLock { requests in
            defer { requests.forget = [] }
            return requests.forget
        }
    }
}
