#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MuelleCore
import MuelleSystem
import Synchronization

/// A connected TCP socket, closed when the last owner lets go of it.
final class ConnectedSocket: Sendable {
    let fd: Int32

    fileprivate init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Wakes whatever is blocked on the socket (connect, or a libssh2 read) with an error, from any thread.
    /// The descriptor stays open until `deinit`, so it can never be a reused number by then.
    fileprivate func shutDown() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// Lets task cancellation interrupt blocking socket work running on another thread: the connection arms the
/// switch with its socket, and tripping it shuts the socket down.
final class CancelSwitch: Sendable {
    private enum State {
        case idle
        case armed(ConnectedSocket)
        case tripped
        case finished
    }

    private let state = Mutex<State>(.idle)

    /// Hands the socket to the switch; `false` when cancellation came first (the caller should give up).
    func arm(_ socket: ConnectedSocket) -> Bool {
        state.withLock { state in
            switch state {
            case .tripped:
                socket.shutDown()
                return false
            case .idle, .armed, .finished:
                state = .armed(socket)
                return true
            }
        }
    }

    func trip() {
        state.withLock { state in
            if case .armed(let socket) = state { socket.shutDown() }
            state = .tripped
        }
    }

    var isTripped: Bool {
        state.withLock { if case .tripped = $0 { true } else { false } }
    }

    /// Lets go of the socket once the work is over, so that it can be closed.
    func finish() {
        state.withLock { state in
            if case .armed = state { state = .finished }
        }
    }
}

/// Opens TCP connections with a deadline, which plain blocking `connect(2)` does not have. muelle's only
/// socket calls, so they stay here rather than in `MuelleSystem` (whose calls are about files).
enum SocketConnector {
    static func connect(to endpoint: SFTPEndpoint, cancel: CancelSwitch) throws(MuelleError) -> ConnectedSocket {
        guard (1 ... 65535).contains(endpoint.port) else {
            throw MuelleError(.configuration, "\(endpoint.port) is not a TCP port (1–65535) for \(endpoint)")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &found)
        guard status == 0, let first = found else {
            let reason = String(cString: gai_strerror(status))
            throw MuelleError(.sftpConnection, "cannot find the host \(endpoint.host): \(reason); check the host name")
        }
        defer { freeaddrinfo(first) }

        let deadline = ContinuousClock.now + endpoint.timeout
        var lastErrno: Int32 = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let info = address.pointee
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard fd >= 0 else { lastErrno = errno; continue }
            let socket = ConnectedSocket(fd: fd)
            guard cancel.arm(socket) else { throw SFTPFailures.cancelled(endpoint) }
            let result = attempt(fd: fd, address: info.ai_addr, length: info.ai_addrlen, deadline: deadline)
            if cancel.isTripped { throw SFTPFailures.cancelled(endpoint) }
            if result == 0 {
                var on: Int32 = 1
                // SSH sends many small packets; waiting to coalesce them only adds latency.
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
                return socket
            }
            lastErrno = result
            if result == ETIMEDOUT { break }
        }
        throw SFTPFailures.connectFailed(endpoint, SystemError(code: lastErrno))
    }

    /// Connects without blocking and waits in `poll` until `deadline`; returns 0 or an errno value.
    private static func attempt(fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
                                deadline: ContinuousClock.Instant) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { return errno }
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS else { return errno }
            while true {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { return ETIMEDOUT }
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&poller, 1, Int32(clamping: max(1, remaining.wholeMilliseconds)))
                if ready < 0, errno == EINTR { continue }
                if ready < 0 { return errno }
                if ready > 0 { break }
            }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else { return errno }
            if failure != 0 { return failure }
        }
        // libssh2 runs the socket in blocking mode, with its own timeout on each call.
        guard fcntl(fd, F_SETFL, flags) == 0 else { return errno }
        return 0
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down; for C APIs that take milliseconds.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
