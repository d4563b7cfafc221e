import MuelleIntake
import Testing

/// Holds a detector by reference, so its mutating calls can sit inside `#expect`.
private final class Probe {
    var detector: StableFileDetector<String>
    init(quietPeriod: Duration) { detector = StableFileDetector(quietPeriod: quietPeriod) }

    func observe(_ key: String, _ signature: FileSignature, at now: ContinuousClock.Instant) -> Bool {
        detector.observe(key, signature, at: now)
    }

    func forget(_ key: String) { detector.forget(key) }
    var nextDeadline: ContinuousClock.Instant? { detector.nextDeadline }
    var trackedKeys: [String] { detector.trackedKeys }
    func settlingKeys(dueBy now: ContinuousClock.Instant) -> [String] { detector.settlingKeys(dueBy: now) }
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
        #expect(detector.settlingKeys(dueBy: at(299)).isEmpty)
        #expect(detector.settlingKeys(dueBy: at(300)) == ["a"])
        #expect(Set(detector.settlingKeys(dueBy: at(400))) == ["a", "b"])
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
}
