#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the `errno` it left, captured at once (before any other call can change it).
///
/// Callers turn it into a `MuelleError` with their own words ("cannot open the file: …"); `reason` is the
/// C library's text for the code, the part of those messages a merchant or an operator reads.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` value.
    public let code: Int32

    public init(code: Int32) { self.code = code }

    /// The error the last failed call left in `errno`.
    static func last() -> SystemError { SystemError(code: errno) }

    /// `strerror`'s text, e.g. "No such file or directory".
    public var reason: String { String(cString: strerror(code)) }
    public var description: String { reason }

    /// Nothing by that name (ENOENT).
    public var isNoSuchFile: Bool { code == ENOENT }
    /// A part of the path is not a folder (ENOTDIR): as good as missing for a path that was just listed.
    public var isNotADirectory: Bool { code == ENOTDIR }
    /// The name is taken (EEXIST).
    public var isAlreadyExisting: Bool { code == EEXIST }
    /// The call would have to wait (EAGAIN / EWOULDBLOCK: a lock or lease held by someone else).
    public var wouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }
    /// The call was interrupted by a signal (EINTR); the layer retries these itself.
    var isInterrupted: Bool { code == EINTR }

    /// Connection refused (ECONNREFUSED).
    public var isConnectionRefused: Bool { code == ECONNREFUSED }
    /// Timed out (ETIMEDOUT).
    public var isTimedOut: Bool { code == ETIMEDOUT }
    /// Connection refused (ECONNREFUSED).
    public static var connectionRefused: SystemError { SystemError(code: ECONNREFUSED) }
    /// A descriptor that is not open (EBADF).
    public static var badDescriptor: SystemError { SystemError(code: EBADF) }
    /// Timed out (ETIMEDOUT).
    public static var timedOut: SystemError { SystemError(code: ETIMEDOUT) }
}

/// Calls `call` until it is not interrupted by a signal; a negative result becomes the `errno` it left.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: () -> T) throws(SystemError) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        let error = SystemError.last()
        if !error.isInterrupted { throw error }
    }
}
