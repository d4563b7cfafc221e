import MuelleCore

/// How long to wait between attempts: exponential growth from `initialDelay`, capped at `maximumDelay`,
/// for at most `maximumAttempts` attempts in all. A pure value, so its schedule is tested without sleeping.
public struct Backoff: Sendable, Hashable {
    /// The wait before the second attempt.
    public var initialDelay: Duration
    /// Each wait is this many times the previous one.
    public var multiplier: Double
    /// No wait is longer than this.
    public var maximumDelay: Duration
    /// Attempts in all, the first one included; at least 1.
    public var maximumAttempts: Int
    /// The fraction (0...1) of each wait that is random, so that pollers restarted together do not all
    /// reconnect to a recovering server at the same instant. Jitter only ever shortens a wait.
    public var jitter: Double

    public init(initialDelay: Duration = .seconds(2), multiplier: Double = 2, maximumDelay: Duration = .seconds(120),
                maximumAttempts: Int = 6, jitter: Double = 0.2) {
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maximumDelay = maximumDelay
        self.maximumAttempts = max(1, maximumAttempts)
        self.jitter = min(1, max(0, jitter))
    }

    /// 2 s, 4 s, 8 s, 16 s, 32 s between six attempts: about a minute of patience for a server restart.
    public static let standard = Backoff()

    /// The wait before attempt number `attempt` (2 is the first retry), or `nil` when there is no such
    /// attempt. `random` (in 0..<1) chooses the jitter; pass a fixed value for a predictable delay.
    public func delay(beforeAttempt attempt: Int, random: Double = Double.random(in: 0 ..< 1)) -> Duration? {
        guard attempt >= 2, attempt <= maximumAttempts else { return nil }
        var seconds = initialDelay.seconds
        for _ in 2 ..< attempt where seconds < maximumDelay.seconds { seconds *= multiplier }
        seconds = min(seconds, maximumDelay.seconds)
        seconds *= 1 - jitter * min(max(random, 0), 1)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Runs `operation` (given the attempt number, from 1) until it succeeds, fails with an error
    /// `isRetryable` rejects, or the attempts run out; then throws the last error. `sleep` waits between
    /// attempts (tests pass one that only records); `willRetry` hears of each failure that will be retried.
    public func run<T: Sendable>(
        isRetryable: @Sendable (MuelleError) -> Bool = { $0.isTransientSFTPFailure },
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        willRetry: @Sendable (_ attempt: Int, _ error: MuelleError, _ delay: Duration) -> Void = { _, _, _ in },
        _ operation: @Sendable (_ attempt: Int) async throws(MuelleError) -> T
    ) async throws(MuelleError) -> T {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch let failure {
                guard isRetryable(failure), let delay = delay(beforeAttempt: attempt + 1) else { throw failure }
                willRetry(attempt, failure, delay)
                do {
                    try await sleep(delay)
                } catch {
                    throw MuelleError(.sftpCancelled, "stopped while waiting to try again; last error: \(failure.message)")
                }
                attempt += 1
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
