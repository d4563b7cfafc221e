import Foundation
@testable import MuelleIntake
import Testing

/// Real folders, real inotify, real time: assertions are about order ("not before the last write"),
/// never about exact durations, and every wait is generous.
/// Serialized because some tests count the process's inotify descriptors.
@Suite(.serialized) struct InboxWatcherTests {
    @Test func aGrowingFileIsYieldedOnceAfterWritingStops() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        // Ten times the pause between chunks: a busy machine cannot make the writer look finished.
        let quiet = Duration.seconds(1)
        let collector = Collector(try inbox.watcher(.init(quietPeriod: quiet)))
        defer { collector.stop() }

        let chunk = Data(repeating: UInt8(ascii: "x"), count: 4096)
        try Data().write(to: URL(fileURLWithPath: inbox.path("shop/big.csv")))
        let handle = try #require(FileHandle(forWritingAtPath: inbox.path("shop/big.csv")))
        // The writer runs on a thread of its own: a cooperative pool busy with other suites must not
        // stretch its pauses past the quiet period and make it look finished.
        let writes = WriteLog()
        let writer = Thread {
            for _ in 0 ..< 10 {
                Thread.sleep(forTimeInterval: 0.1)
                writes.record(yieldedSoFar: collector.names.count)
                handle.write(chunk)
            }
            try? handle.close()
            writes.finish()
        }
        writer.start()
        #expect(await eventually { writes.finished })
        let lastWriteStarted = writes.lastWrite
        #expect(writes.yieldedWhileGrowing == 0, "yielded while still growing")

        #expect(await eventually { !collector.received.isEmpty })
        let arrival = try #require(collector.received.first)
        #expect(arrival.file.size == Int64(chunk.count * 10))
        // The quiet time counts from the file's mtime, which the kernel stamps from its coarse clock (up to a tick,
        // 4 ms at 250 Hz, behind the monotonic clock the test reads): a tick of slack, not of quiet.
        #expect(arrival.at >= lastWriteStarted + quiet - .milliseconds(10))
        try await Task.sleep(for: .seconds(1.5))
        #expect(collector.names == ["shop/big.csv"])
    }

    @Test func aBacklogIsFollowedAWindowAtATimeOldestFirst() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.writeAged(10, in: "shop")
        let configuration = InboxWatcher.Configuration(quietPeriod: .milliseconds(100), rescanInterval: .seconds(3600), window: 4)
        let collector = Collector(try inbox.watcher(configuration))
        defer { collector.stop() }

        // Only the window's four oldest are handed over while nothing leaves the folder.
        #expect(await eventually { collector.distinctNames.count == 4 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(collector.distinctNames == ["shop/0.csv", "shop/1.csv", "shop/2.csv", "shop/3.csv"])

        // A file arriving now is newer than the backlog: it waits its turn behind it.
        try inbox.write("shop/late.csv")
        // Taking files away as they are handed over (as processing archives them) frees the window for the next
        // oldest. How many come per refill depends on when the removals are noticed; the order does not.
        var removed = Set<String>()
        let deadline = ContinuousClock.now + .seconds(60)
        var mostInHand = 0
        while collector.distinctNames.count < 11, ContinuousClock.now < deadline {
            mostInHand = max(mostInHand, collector.distinctNames.count - removed.count)
            for name in collector.distinctNames where removed.insert(name).inserted {
                try FileManager.default.removeItem(atPath: inbox.path(name))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(collector.distinctNames == (0 ..< 10).map { "shop/\($0).csv" } + ["shop/late.csv"])
        #expect(mostInHand <= 4, "more files handed over at once than the window holds")
    }

    @Test func aPartFileRenamedIntoPlaceIsYieldedOnceUnderItsFinalName() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        let collector = Collector(try inbox.watcher(.init(quietPeriod: .milliseconds(300))))
        defer { collector.stop() }

        try inbox.write("shop/x.csv.part", "id\n")
        for row in 1 ... 5 {
            try await Task.sleep(for: .milliseconds(150))
            let handle = try #require(FileHandle(forWritingAtPath: inbox.path("shop/x.csv.part")))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\(row)\n".utf8))
            try handle.close()
        }
        // Left alone as .part well past the quiet period: still never yielded.
        try await Task.sleep(for: .seconds(1))
        #expect(collector.received.isEmpty)
        inbox.rename("shop/x.csv.part", "shop/x.csv")

        #expect(await eventually { !collector.received.isEmpty })
        try await Task.sleep(for: .seconds(1))
        #expect(collector.names == ["shop/x.csv"])
        #expect(collector.received.first?.file.size == 13)
    }

    @Test func routeFoldersCreatedAfterStartAreWatched() async throws {
        let inbox = try TemporaryInbox()
        // A rescan an hour away: only inotify can find these in time.
        let configuration = InboxWatcher.Configuration(quietPeriod: .milliseconds(200), rescanInterval: .seconds(3600))
        let collector = Collector(try inbox.watcher(configuration))
        defer { collector.stop() }

        try inbox.makeFolder("first")
        try inbox.write("first/a.csv")
        #expect(await eventually { collector.names == ["first/a.csv"] })
        // The loop is surely running by now, so this folder can only be noticed through the inbox watch.
        try inbox.makeFolder("second")
        try inbox.write("second/b.csv")
        #expect(await eventually { collector.names == ["first/a.csv", "second/b.csv"] })
    }

    @Test func symbolicLinksAreNeverYielded() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.link("shop/passwd.csv", to: "/etc/passwd")
        let collector = Collector(try inbox.watcher(.init(quietPeriod: .milliseconds(200))))
        defer { collector.stop() }

        try inbox.link("shop/later.csv", to: "/etc/passwd")
        try await Task.sleep(for: .milliseconds(300))
        try inbox.write("shop/real.csv")
        #expect(await eventually { collector.names == ["shop/real.csv"] })
        try await Task.sleep(for: .seconds(1))
        #expect(collector.names == ["shop/real.csv"])
    }

    @Test func filesAlreadyThereComeInArrivalOrder() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.makeFolder("woo")
        for (relative, second) in [("shop/c.csv", 300), ("woo/a.csv", 100), ("shop/b.csv", 200)] {
            try inbox.write(relative)
            inbox.setModificationTime(relative, seconds: 1_700_000_000 + second, nanoseconds: 0)
        }
        let collector = Collector(try inbox.watcher(.init(quietPeriod: .milliseconds(200))))
        defer { collector.stop() }
        #expect(await eventually { collector.received.count == 3 })
        #expect(collector.names == ["woo/a.csv", "shop/b.csv", "shop/c.csv"])
    }

    @Test func onlyTheConfiguredRoutesAreWatched() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("other")
        let configuration = InboxWatcher.Configuration(
            routes: ["shop"], quietPeriod: .milliseconds(200), rescanInterval: .seconds(3600))
        let collector = Collector(try inbox.watcher(configuration))
        defer { collector.stop() }

        try inbox.write("other/ignored.csv")
        try await Task.sleep(for: .milliseconds(300))
        // The route's folder does not exist at start: it is picked up when it appears.
        try inbox.makeFolder("shop")
        try inbox.write("shop/wanted.csv")
        #expect(await eventually { collector.names == ["shop/wanted.csv"] })
        try await Task.sleep(for: .seconds(1))
        #expect(collector.names == ["shop/wanted.csv"])
    }

    @Test func aFileIsOfferedAgainAfterForgetOrAChange() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.write("shop/a.csv", "v1\n")
        let watcher = try inbox.watcher(.init(quietPeriod: .milliseconds(200)))
        let collector = Collector(watcher)
        defer { collector.stop() }

        #expect(await eventually { collector.received.count == 1 })
        let first = try #require(collector.received.first?.file)
        watcher.forget(first)
        #expect(await eventually { collector.received.count == 2 })
        #expect(collector.received.last?.file == first)

        try inbox.write("shop/a.csv", "version 2\n")
        #expect(await eventually { collector.received.count == 3 })
        #expect(collector.received.last?.file.size == 10)
        try await Task.sleep(for: .seconds(1))
        #expect(collector.received.count == 3)
    }

    @Test func aHeldFileIsOfferedAgainWhenItsWriterClosesIt() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.write("shop/a.csv", "id\n1\n")
        let writer = try #require(FileHandle(forWritingAtPath: inbox.path("shop/a.csv")))
        // A rescan an hour away and a retry an hour away: only the close-after-write event can bring it back.
        let watcher = try inbox.watcher(.init(quietPeriod: .milliseconds(200), rescanInterval: .seconds(3600)))
        let collector = Collector(watcher)
        defer { collector.stop() }

        #expect(await eventually { collector.received.count == 1 })
        let first = try #require(collector.received.first?.file)
        watcher.hold(first, retryAfter: .seconds(3600))
        try await Task.sleep(for: .seconds(1))
        #expect(collector.received.count == 1, "held: not offered again while nothing happens")

        try writer.close()
        #expect(await eventually(within: .seconds(60)) { collector.received.count == 2 })
        #expect(collector.received.last?.file == first)
    }

    @Test func aHeldFileIsOfferedAgainAfterItsRetryInterval() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.write("shop/a.csv", "id\n1\n")
        let watcher = try inbox.watcher(.init(quietPeriod: .milliseconds(200), rescanInterval: .seconds(3600)))
        let collector = Collector(watcher)
        defer { collector.stop() }

        #expect(await eventually { collector.received.count == 1 })
        let first = try #require(collector.received.first?.file)
        let held = ContinuousClock.now
        watcher.hold(first, retryAfter: .milliseconds(700))
        #expect(await eventually(within: .seconds(60)) { collector.received.count == 2 })
        #expect(try #require(collector.received.last).at >= held + .milliseconds(700))
        try await Task.sleep(for: .seconds(1))
        #expect(collector.received.count == 2, "offered once per hold, not in a loop")
    }

    /// Held files (still being written, failing) wait on their own timers: they must not keep a full window's
    /// backlog out, and once their hold ends they count again.
    @Test func heldFilesLeaveTheirWindowPlacesToTheBacklog() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.writeAged(4, in: "shop")
        let watcher = try inbox.watcher(.init(quietPeriod: .milliseconds(100), rescanInterval: .seconds(3600), window: 2))
        let collector = Collector(watcher)
        defer { collector.stop() }

        #expect(await eventually { collector.distinctNames.count == 2 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(collector.distinctNames == ["shop/0.csv", "shop/1.csv"])
        for arrival in collector.received { watcher.hold(arrival.file, retryAfter: .seconds(3600)) }
        #expect(await eventually(within: .seconds(60)) { collector.distinctNames.count == 4 },
                "held files kept the backlog out: \(collector.distinctNames)")
        #expect(collector.distinctNames == ["shop/0.csv", "shop/1.csv", "shop/2.csv", "shop/3.csv"])
    }

    @Test func aFileThatLeavesAndComesBackIsOfferedAgain() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.makeFolder("archive")
        try inbox.write("shop/a.csv")
        let collector = Collector(try inbox.watcher(.init(routes: ["shop"], quietPeriod: .milliseconds(200))))
        defer { collector.stop() }

        #expect(await eventually { collector.received.count == 1 })
        // Same inode, size and time when it comes back, and maybe before the watcher looked:
        // only the departure event makes it new again.
        inbox.rename("shop/a.csv", "archive/a.csv")
        inbox.rename("archive/a.csv", "shop/a.csv")
        #expect(await eventually { collector.received.count == 2 })
        #expect(collector.received[0].file == collector.received[1].file)
    }

    @Test func rescansAloneFindFilesWithoutInotify() async throws {
        let inbox = try TemporaryInbox()
        let configuration = InboxWatcher.Configuration(
            quietPeriod: .milliseconds(200), rescanInterval: .milliseconds(250), usesInotify: false)
        let collector = Collector(try inbox.watcher(configuration))
        defer { collector.stop() }

        try inbox.makeFolder("shop")
        try inbox.write("shop/a.csv.part")
        try inbox.write("shop/b.csv")
        #expect(await eventually { collector.names == ["shop/b.csv"] })
    }

    @Test func cancellingTheConsumerClosesTheDescriptor() async throws {
        let inbox = try TemporaryInbox()
        let baseline = inotifyDescriptors()
        let collector = Collector(try inbox.watcher(.init()))
        #expect(await eventually { !inotifyDescriptors().subtracting(baseline).isEmpty })
        let ours = inotifyDescriptors().subtracting(baseline)
        collector.stop()
        #expect(await eventually(within: .seconds(60)) { inotifyDescriptors().isDisjoint(with: ours) })
    }

    @Test func leavingTheLoopClosesTheDescriptor() async throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.write("shop/a.csv")
        let baseline = inotifyDescriptors()
        let watcher = try inbox.watcher(.init(quietPeriod: .milliseconds(100)))
        var ours: Set<String> = []
        for await file in watcher {
            #expect(file.name == "a.csv")
            ours = inotifyDescriptors().subtracting(baseline)
            #expect(!ours.isEmpty)
            break
        }
        #expect(await eventually(within: .seconds(60)) { inotifyDescriptors().isDisjoint(with: ours) })
    }
}

/// What the writer thread saw, read by the test after it finished.
final class WriteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _last = ContinuousClock.now
    private var _yielded = 0
    private var _finished = false

    func record(yieldedSoFar: Int) {
        lock.withLock {
            _last = .now
            _yielded = max(_yielded, yieldedSoFar)
        }
    }

    func finish() { lock.withLock { _finished = true } }
    var finished: Bool { lock.withLock { _finished } }
    var lastWrite: ContinuousClock.Instant { lock.withLock { _last } }
    var yieldedWhileGrowing: Int { lock.withLock { _yielded } }
}
