/// A file's modification time exactly as the file system keeps it (seconds and nanoseconds since the
/// Unix epoch), so that two observations compare equal only when nothing touched the file in between.
public struct FileTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: Int

    public init(seconds: Int, nanoseconds: Int = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: FileTimestamp, rhs: FileTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// How long before `now` this time lies; negative when it lies after `now` (a file written by a
    /// machine whose clock is ahead).
    public func age(at now: FileTimestamp) -> Duration {
        .seconds(now.seconds - seconds) + .nanoseconds(now.nanoseconds - nanoseconds)
    }

    /// `1762071322.123456789`
    public var description: String {
        let fraction = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: max(0, 9 - fraction.count)))\(fraction)"
    }
}
