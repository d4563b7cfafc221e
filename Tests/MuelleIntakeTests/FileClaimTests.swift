import Foundation
import Glibc
@testable import MuelleIntake
import Testing

/// Real files on the test machine's /tmp (ext4 here, where the kernel grants leases), with this process
/// as the writer: the claim must see its write descriptors like anyone else's.
@Suite struct FileClaimTests {
    private func claim(_ path: String, usesLease: Bool = true) throws -> FileClaim? {
        if case .claimed(let claim) = try FileClaim.take(path, usesLease: usesLease) { return claim }
        return nil
    }

    private func isInUse(_ path: String, usesLease: Bool) throws -> Bool {
        if case .inUse = try FileClaim.take(path, usesLease: usesLease) { return true }
        return false
    }

    @Test func aFileNobodyWritesIsClaimedWithALease() throws {
        let inbox = try TemporaryInbox()
        try inbox.write("done.csv")
        let claim = try #require(try claim(inbox.path("done.csv")))
        defer { claim.release() }
        #expect(claim.method == .lease)
        #expect(claim.isIntact)
    }

    @Test(arguments: [true, false])
    func aFileOpenForWritingIsInUse(usesLease: Bool) throws {
        let inbox = try TemporaryInbox()
        try inbox.write("half.csv", "id,total\n1,9.")
        let writer = try #require(FileHandle(forWritingAtPath: inbox.path("half.csv")))
        #expect(try isInUse(inbox.path("half.csv"), usesLease: usesLease))
        try writer.close()
        let claim = try #require(try claim(inbox.path("half.csv"), usesLease: usesLease), "claimed once the writer closed it")
        claim.release()
    }

    @Test func aWriterOpeningTheFileBreaksTheLease() throws {
        let inbox = try TemporaryInbox()
        try inbox.write("x.csv")
        let claim = try #require(try claim(inbox.path("x.csv")))
        // A non-blocking open for writing fails while the lease stands, but starts breaking it.
        let descriptor = open(inbox.path("x.csv"), O_WRONLY | O_NONBLOCK)
        #expect(descriptor < 0 && errno == EWOULDBLOCK)
        #expect(!claim.isIntact)
        claim.release()
        let again = open(inbox.path("x.csv"), O_WRONLY | O_NONBLOCK)
        #expect(again >= 0, "the writer may open it once the claim is released")
        if again >= 0 { close(again) }
    }

    @Test func releasingTheClaimLetsABlockedWriterGoOnAtOnce() async throws {
        let inbox = try TemporaryInbox()
        try inbox.write("x.csv")
        let claim = try #require(try claim(inbox.path("x.csv")))
        let path = inbox.path("x.csv")
        let opened = WriteLog()
        let writer = Thread {
            // Blocks in open(2) until the lease is released (or the kernel's lease-break time, 45 s, passes).
            let descriptor = open(path, O_WRONLY)
            // When open(2) returned, stamped on this thread: the test's own task may be resumed late.
            opened.record(yieldedSoFar: 0)
            if descriptor >= 0 { close(descriptor) }
            opened.finish()
        }
        let started = ContinuousClock.now
        writer.start()
        #expect(await eventually(within: .seconds(60)) { !claim.isIntact })
        // Unless the kernel's lease-break time (45 s) has passed, which a machine starved by other suites can take.
        let finishedWhileHeld = opened.finished
        #expect(!finishedWhileHeld || ContinuousClock.now - started >= .seconds(40), "the writer waits while the lease is held")
        let released = ContinuousClock.now
        claim.release()
        #expect(await eventually(within: .seconds(60)) { opened.finished })
        #expect(opened.lastWrite - released < .seconds(5), "not held up for the lease-break time")
    }

    @Test func theSearchOfProcSeesAWriterThatOpensTheFileLater() throws {
        let inbox = try TemporaryInbox()
        try inbox.write("x.csv")
        let claim = try #require(try claim(inbox.path("x.csv"), usesLease: false))
        #expect(claim.method == .openWriterSearch(leaseRefused: "not tried"))
        #expect(claim.isIntact)
        let writer = try #require(FileHandle(forWritingAtPath: inbox.path("x.csv")))
        #expect(!claim.isIntact)
        try writer.close()
        #expect(claim.isIntact)
    }

    @Test func aFileThatIsGoneIsSaidToBeGone() throws {
        let inbox = try TemporaryInbox()
        guard case .gone = try FileClaim.take(inbox.path("nothing.csv")) else {
            Issue.record("expected .gone")
            return
        }
    }
}
