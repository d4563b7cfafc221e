import MuelleIntake
import Testing

/// Holds a detector by reference, so its mutating calls can sit inside `#expect`.
private final class Probe {
    var detector: StableFileDetector<String>
    init(quietPeriod: Duration) { detector = StableFileDetector(quietPeriod: quietPeriod) }

    func observe(_ key: String, _ signature: FileSignature, modifiedAgo: Duration? = nil, at now: ContinuousClock.Instant) -> Bool {
        detector.observe(key, signature, modifiedAgo: modifiedAgo, at: now)
    }

    func hold(_ key: String, _ signature: FileSignature, for retryAfter: Duration, at now: ContinuousClock.Instant) {
        detector.hold(key, signature, for: retryAfter, at: now)
    }
    func wake(_ key: String, at now: ContinuousClock.Instant) { detector.wake(key, at: now) }

    func forget(_ key: String) { detector.forget(key) }
    var nextDeadline: ContinuousClock.Instant? { detector.nextDeadline }
    var trackedKeys: [String] { detector.trackedKeys }
    func dueKeys(by now: ContinuousClock.Instant) -> [String] { detector.dueKeys(by: now) }
}

@Suite struct StableFileDetectorTests {
    let start = ContinuousClock.now
    let quiet = Duration.milliseconds(300)

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    func signature(size: Int64 = 10, seconds: Int = 1_000, nanoseconds: Int = 0, inode: UInt64 = 7) -> FileSignature {
        let time = FileTimestamp(seconds: seconds, nanoseconds: nanoseconds)
        return FileSignature(inode: inode, size: size, modificationTime: time)
    }

    @Test func stableOnceUnchangedForTheQuietPeriod() {
        let detector = Probe(quietPeriod: quiet)
        #expect(!detector.observe("a", signature(), at: at(0)))
        #expect(!detector.observe("a", signature(), at: at(299)))
        #expect(detector.observe("a", signature(), at: at(300)))
    }

    @Test func announcedOnlyOncePerSignature() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(), at: at(0))
        #expect(detector.observe("a", signature(), at: at(400)))
        #expect(!detector.observe("a", signature(), at: at(800)))
        #expect(!detector.observe("a", signature(), at: at(60_000)))
        #expect(detector.nextDeadline == nil)
    }

    @Test func aChangeRestartsTheWait() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(size: 10), at: at(0))
        #expect(!detector.observe("a", signature(size: 20), at: at(250)))
        #expect(!detector.observe("a", signature(size: 20), at: at(400)))
        #expect(detector.nextDeadline == at(550))
        #expect(detector.observe("a", signature(size: 20), at: at(550)))
    }

    @Test(arguments: [
        FileSignature(inode: 7, size: 10, modificationTime: FileTimestamp(seconds: 1_000, nanoseconds: 1)),
        FileSignature(inode: 8, size: 10, modificationTime: FileTimestamp(seconds: 1_000, nanoseconds: 0)),
        FileSignature(inode: 7, size: 11, modificationTime: FileTimestamp(seconds: 1_000, nanoseconds: 0)),
    ])
    func anyPartOfTheSignatureCountsAsAChange(changed: FileSignature) {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(), at: at(0))
        #expect(!detector.observe("a", changed, at: at(300)))
        #expect(detector.observe("a", changed, at: at(600)))
    }

    @Test func aChangeAfterAnnouncingIsAnnouncedAgainOnceStable() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(size: 10), at: at(0))
        #expect(detector.observe("a", signature(size: 10), at: at(300)))
        #expect(!detector.observe("a", signature(size: 30), at: at(1_000)))
        #expect(!detector.observe("a", signature(size: 30), at: at(1_200)))
        #expect(detector.observe("a", signature(size: 30), at: at(1_300)))
    }

    @Test func forgettingStartsOver() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(), at: at(0))
        #expect(detector.observe("a", signature(), at: at(300)))
        detector.forget("a")
        #expect(detector.trackedKeys.isEmpty)
        #expect(!detector.observe("a", signature(), at: at(400)))
        #expect(detector.observe("a", signature(), at: at(700)))
    }

    @Test func filesAreIndependent() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(inode: 1), at: at(0))
        _ = detector.observe("b", signature(inode: 2), at: at(100))
        #expect(detector.nextDeadline == at(300))
        #expect(detector.dueKeys(by: at(299)).isEmpty)
        #expect(detector.dueKeys(by: at(300)) == ["a"])
        #expect(Set(detector.dueKeys(by: at(400))) == ["a", "b"])
        #expect(detector.observe("a", signature(inode: 1), at: at(300)))
        #expect(!detector.observe("b", signature(inode: 2), at: at(300)))
        #expect(detector.nextDeadline == at(400))
        #expect(Set(detector.trackedKeys) == ["a", "b"])
    }

    @Test func aZeroQuietPeriodTrustsTheFirstSighting() {
        let detector = Probe(quietPeriod: .zero)
        #expect(detector.observe("a", signature(), at: at(0)))
        #expect(!detector.observe("a", signature(), at: at(0)))
    }

    // The one rule `run --once` shares with the watcher: the modification time counts as quiet time.

    @Test func aFileLeftAloneLongerThanTheQuietPeriodIsReadyAtFirstSight() {
        let detector = Probe(quietPeriod: quiet)
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(3600), at: at(0)))
        #expect(!detector.observe("a", signature(), modifiedAgo: .seconds(3601), at: at(1_000)))
    }

    @Test func aRecentlyWrittenFileIsReadyOnceItsModificationTimeIsQuietPeriodOld() {
        let detector = Probe(quietPeriod: quiet)
        #expect(!detector.observe("a", signature(), modifiedAgo: .milliseconds(200), at: at(0)))
        #expect(detector.nextDeadline == at(100))
        #expect(detector.dueKeys(by: at(100)) == ["a"])
        #expect(detector.observe("a", signature(), modifiedAgo: .milliseconds(300), at: at(100)))
    }

    @Test func aModificationTimeInTheFutureFallsBackToObservation() {
        let detector = Probe(quietPeriod: quiet)
        // Another machine's clock, an hour ahead: its mtime says nothing about quiet time.
        #expect(!detector.observe("a", signature(), modifiedAgo: .seconds(-3600), at: at(0)))
        #expect(!detector.observe("a", signature(), modifiedAgo: .seconds(-3600), at: at(299)))
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(-3600), at: at(300)))
    }

    @Test func aChangeAfterALongQuietStillWaitsTheQuietPeriod() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(size: 10), modifiedAgo: .seconds(60), at: at(0))
        #expect(!detector.observe("a", signature(size: 20), modifiedAgo: .zero, at: at(50)))
        #expect(detector.observe("a", signature(size: 20), modifiedAgo: .milliseconds(300), at: at(350)))
    }

    // Held files: handed back by the caller (open for writing, content ending early, a failure).

    @Test func aHeldFileIsOfferedAgainWhenItsRetryTimeComes() {
        let detector = Probe(quietPeriod: quiet)
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(60), at: at(0)))
        detector.hold("a", signature(), for: .seconds(5), at: at(0))
        #expect(detector.nextDeadline == at(5_000))
        #expect(!detector.observe("a", signature(), modifiedAgo: .seconds(61), at: at(1_000)))
        #expect(detector.dueKeys(by: at(4_999)).isEmpty)
        #expect(detector.dueKeys(by: at(5_000)) == ["a"])
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(65), at: at(5_000)))
        #expect(!detector.observe("a", signature(), modifiedAgo: .seconds(66), at: at(6_000)), "offered once per retry")
    }

    @Test func aHeldFileWhoseWriterClosesItIsOfferedAtOnce() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(), modifiedAgo: .seconds(60), at: at(0))
        detector.hold("a", signature(), for: .seconds(5), at: at(0))
        detector.wake("a", at: at(1_000))
        #expect(detector.dueKeys(by: at(1_000)) == ["a"])
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(61), at: at(1_000)))
    }

    @Test func aHeldFileThatChangesIsOfferedOnceQuietAgain() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(size: 10), modifiedAgo: .seconds(60), at: at(0))
        detector.hold("a", signature(size: 10), for: .seconds(300), at: at(0))
        #expect(!detector.observe("a", signature(size: 30), modifiedAgo: .zero, at: at(1_000)))
        #expect(detector.observe("a", signature(size: 30), modifiedAgo: .milliseconds(300), at: at(1_300)))
    }

    @Test func wakingAFileThatIsNotHeldChangesNothing() {
        let detector = Probe(quietPeriod: quiet)
        _ = detector.observe("a", signature(), at: at(0))
        detector.wake("a", at: at(100))
        #expect(!detector.observe("a", signature(), at: at(100)))
        #expect(detector.observe("a", signature(), at: at(300)))
    }

    // The caller hands a file back after having it in hand for a while: what the loop saw meanwhile stands.

    @Test func aChangeSeenWhileTheCallerHadTheFileIsNotUndoneByItsHold() {
        let detector = Probe(quietPeriod: quiet)
        #expect(detector.observe("a", signature(size: 10), modifiedAgo: .seconds(60), at: at(0)))
        #expect(!detector.observe("a", signature(size: 30), modifiedAgo: .zero, at: at(1_000)))
        detector.hold("a", signature(size: 10), for: .seconds(300), at: at(1_100))
        #expect(detector.nextDeadline == at(1_300), "the newer sighting still settles")
        #expect(detector.observe("a", signature(size: 30), modifiedAgo: .milliseconds(300), at: at(1_300)))
    }

    @Test func aNewerSightingAlreadyOfferedIsNotHeldForTheOldOne() {
        let detector = Probe(quietPeriod: quiet)
        #expect(detector.observe("a", signature(size: 10), modifiedAgo: .seconds(60), at: at(0)))
        #expect(detector.observe("a", signature(size: 30), modifiedAgo: .seconds(1), at: at(1_000)))
        detector.hold("a", signature(size: 10), for: .seconds(300), at: at(1_100))
        #expect(detector.nextDeadline == nil, "nothing waits on the old sighting's retry")
        #expect(!detector.observe("a", signature(size: 30), modifiedAgo: .seconds(2), at: at(2_000)), "offered once")
    }

    @Test func aWriterThatClosedWhileTheCallerHadTheFileMakesItsHoldDueAtOnce() {
        let detector = Probe(quietPeriod: quiet)
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(60), at: at(0)))
        detector.wake("a", at: at(500))
        detector.hold("a", signature(), for: .seconds(5), at: at(1_000))
        #expect(detector.dueKeys(by: at(1_000)) == ["a"])
        #expect(detector.observe("a", signature(), modifiedAgo: .seconds(61), at: at(1_000)))
    }
}
