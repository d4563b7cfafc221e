import MuelleCore
import MuelleSFTP
import Testing

/// The retry schedule as a value, and the retry loop with a sleep that only records: no test here waits.
@Suite struct BackoffTests {
    @Test func delaysDoubleUpToTheCapThenStop() {
        let backoff = Backoff(initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(5), maximumAttempts: 6, jitter: 0)
        let delays = (1 ... 7).map { backoff.delay(beforeAttempt: $0) }
        #expect(delays == [nil, .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), nil])
    }

    @Test func standardScheduleIsAboutAMinuteOverSixAttempts() {
        let standard = Backoff.standard
        let delays = (2 ... 6).compactMap { standard.delay(beforeAttempt: $0, random: 0) }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32)])
        #expect(standard.delay(beforeAttempt: 7) == nil)
    }

    @Test func jitterOnlyShortensAndStaysWithinItsFraction() {
        let backoff = Backoff(initialDelay: .seconds(10), maximumDelay: .seconds(10), maximumAttempts: 3, jitter: 0.25)
        #expect(backoff.delay(beforeAttempt: 2, random: 0) == .seconds(10))
        #expect(backoff.delay(beforeAttempt: 2, random: 0.5) == .milliseconds(8750))
        #expect(backoff.delay(beforeAttempt: 2, random: 0.999_999) ?? .zero > .milliseconds(7500))
        for _ in 0 ..< 100 {
            let delay = backoff.delay(beforeAttempt: 2) ?? .zero
            #expect(delay > .milliseconds(7499) && delay <= .seconds(10))
        }
    }

    @Test func oneAttemptMeansNoRetry() {
        let once = Backoff(maximumAttempts: 1)
        #expect(once.delay(beforeAttempt: 2) == nil)
        #expect(Backoff(maximumAttempts: 0).maximumAttempts == 1)
    }

    @Test func runRetriesTransientFailuresWithTheScheduledWaits() async throws {
        let backoff = Backoff(initialDelay: .seconds(1), multiplier: 3, maximumDelay: .seconds(60), maximumAttempts: 5, jitter: 0)
        let waits = Shared<[Duration]>([])
        let result = try await backoff.run(sleep: { delay in waits.update { $0.append(delay) } }) { attempt throws(MuelleError) in
            guard attempt == 3 else { throw MuelleError(.sftpConnection, "refused") }
            return "done on \(attempt)"
        }
        #expect(result == "done on 3")
        #expect(waits.current == [.seconds(1), .seconds(3)])
    }

    @Test func runStopsAtOnceOnAFailureRetryingCannotFix() async {
        let waits = Shared<Int>(0)
        let attempts = Shared<Int>(0)
        let error = await #expect(throws: MuelleError.self) {
            try await Backoff.standard.run(sleep: { _ in waits.update { $0 += 1 } }) { _ throws(MuelleError) in
                attempts.update { $0 += 1 }
                throw MuelleError(.sftpHostKeyChanged, "changed")
            }
        }
        #expect(error?.code == .sftpHostKeyChanged)
        #expect(attempts.current == 1 && waits.current == 0)
    }

    @Test func runGivesUpAfterTheLastAttemptWithTheLastError() async {
        let backoff = Backoff(initialDelay: .seconds(1), maximumAttempts: 3, jitter: 0)
        let attempts = Shared<Int>(0)
        let error = await #expect(throws: MuelleError.self) {
            try await backoff.run(sleep: { _ in }) { attempt throws(MuelleError) in
                attempts.update { $0 += 1 }
                throw MuelleError(.sftpTimeout, "attempt \(attempt) timed out")
            }
        }
        #expect(error?.message == "attempt 3 timed out")
        #expect(attempts.current == 3)
    }

    @Test func cancelledWaitEndsTheRetriesWithACancelledError() async {
        let error = await #expect(throws: MuelleError.self) {
            try await Backoff.standard.run(sleep: { _ in throw CancellationError() }) { _ throws(MuelleError) in
                throw MuelleError(.sftpInterrupted, "lost")
            }
        }
        #expect(error?.code == .sftpCancelled)
        #expect(error?.message.contains("lost") == true)
    }

    @Test func transientFailuresAreTheOnesNoOneNeedsToFix() {
        for code in [MuelleError.Code.sftpConnection, .sftpTimeout, .sftpInterrupted, .sftpSizeMismatch] {
            #expect(MuelleError(code, "x").isTransientSFTPFailure)
        }
        for code in [MuelleError.Code.sftpAuthentication, .sftpHostKeyChanged, .sftpHostKeyUnknown, .sftpNotFound,
                     .sftpPermissionDenied, .sftpCredential, .sftpCancelled, .configuration] {
            #expect(!MuelleError(code, "x").isTransientSFTPFailure)
        }
    }
}
