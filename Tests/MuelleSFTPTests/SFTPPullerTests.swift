import Foundation
import MuelleCore
@testable import MuelleSFTP
import Testing

/// Pulling a partner's folder into an inbox against a real sshd: every file once, never half, whatever the
/// server does meanwhile.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct SFTPPullerTests {
    /// A server with a feed folder, an inbox and a puller between them.
    struct Setup {
        let server: TestSSHServer
        let local: TemporaryFolder
        let store = InMemorySeenStore()
        var feed: String { server.dataFolder + "/feed" }
        var inbox: String { local.child("inbox/partner-feed") }

        init() throws {
            server = try TestSSHServer()
            try server.start()
            local = try TemporaryFolder()
            try FileManager.default.createDirectory(atPath: local.child("inbox"), withIntermediateDirectories: true)
            try TestSSHServer.makeFolder(server.dataFolder + "/feed", owner: TestAccounts.user)
        }

        func puller(pattern: String = "*.csv", after action: SFTPAfterDownload = .leave,
                    settle: Duration = .zero) -> SFTPPuller {
            SFTPPuller(client: server.client(), source: SFTPPullSource(
                remoteFolder: feed, pattern: pattern, afterDownload: action, inboxFolder: inbox, settleTime: settle),
                seen: store)
        }
    }

    @Test func takesMatchingFilesAndNeverShowsAPartialOne() async throws {
        let setup = try Setup()
        let bigSize = 48 << 20
        try makeFile(setup.feed + "/big.csv", size: bigSize, seed: 3)
        try write(setup.feed + "/small.csv", "id\n1\n")
        try write(setup.feed + "/notes.txt", "not a csv")
        try write(setup.feed + "/.hidden.csv", "hidden")
        try write(setup.feed + "/upload.csv.filepart", "still uploading")
        let expected: [String: Int64] = ["big.csv": Int64(bigSize), "small.csv": 5]

        // A reader racing the pull, as the intake would: any visible file must already be complete.
        let inbox = setup.inbox
        let seen = Shared<[String]>([])
        let watcher = Watcher {
            for name in names(in: inbox) where !name.hasPrefix(".") {
                let size = fileSize(inbox + "/" + name)
                if size != expected[name] { seen.update { $0.append("\(name) at \(size ?? -1) bytes") } }
            }
        }
        let report = try await setup.puller().pullOnce()
        await watcher.stop()

        #expect(seen.current == [], "partial files were visible")
        #expect(watcher.count > 10)
        #expect(report.taken.map(\.localName).sorted() == ["big.csv", "small.csv"])
        #expect(report.failures.isEmpty && report.interruption == nil)
        #expect(names(in: inbox) == ["big.csv", "small.csv"], "no temporary file left")
        #expect(sameBytes(inbox + "/big.csv", setup.feed + "/big.csv"))
        #expect(names(in: setup.feed).contains("big.csv"), ".leave leaves the file")
    }

    @Test func deleteRemovesEachTakenFileFromTheServer() async throws {
        let setup = try Setup()
        try write(setup.feed + "/a.csv", "a\n")
        try write(setup.feed + "/b.csv", "b\n")
        let puller = setup.puller(after: .delete)
        let first = try await puller.pullOnce()
        #expect(first.taken.map(\.localName) == ["a.csv", "b.csv"] || first.taken.map(\.localName) == ["b.csv", "a.csv"])
        #expect(names(in: setup.feed) == [])
        let second = try await puller.pullOnce()
        #expect(second.taken.isEmpty)
        #expect(names(in: setup.inbox) == ["a.csv", "b.csv"])
    }

    @Test func moveFilesIntoADoneFolderAndRetryABlockedMoveWithoutDownloadingAgain() async throws {
        let setup = try Setup()
        try write(setup.feed + "/a.csv", "a\n")
        try write(setup.feed + "/b.csv", "b\n")
        try TestSSHServer.makeFolder(setup.feed + "/done", owner: TestAccounts.user)
        try write(setup.feed + "/done/b.csv", "an older b\n")
        let puller = setup.puller(after: .move(toFolder: "done"))

        let first = try await puller.pullOnce()
        #expect(Set(first.taken.map(\.localName)) == ["a.csv", "b.csv"])
        #expect(first.failures.map(\.name) == ["b.csv"])
        #expect(first.failures.first?.error.message.contains("already exists") == true)
        #expect(names(in: setup.feed) == ["b.csv", "done"])
        #expect(names(in: setup.feed + "/done") == ["a.csv", "b.csv"])

        let blocked = try await puller.pullOnce()
        #expect(blocked.taken.isEmpty && blocked.failures.map(\.name) == ["b.csv"])

        try FileManager.default.removeItem(atPath: setup.feed + "/done/b.csv")
        let unblocked = try await puller.pullOnce()
        #expect(unblocked.taken.isEmpty)
        #expect(unblocked.finishedLater == ["b.csv"])
        #expect(String(decoding: contents(setup.feed + "/done/b.csv") ?? Data(), as: UTF8.self) == "b\n")
        #expect(names(in: setup.inbox) == ["a.csv", "b.csv"], "each file downloaded once")
    }

    @Test func leaveRemembersNameSizeAndTimeAndTakesARewrittenFileAgain() async throws {
        let setup = try Setup()
        try write(setup.feed + "/stock.csv", "sku,qty\nA,1\n")
        let puller = setup.puller(after: .leave)
        #expect(try await puller.pullOnce().taken.count == 1)

        let again = try await puller.pullOnce()
        #expect(again.taken.isEmpty)
        #expect(again.alreadyTaken == ["stock.csv"])

        // The partner rewrites the feed; the first copy is still waiting in the inbox.
        try write(setup.feed + "/stock.csv", "sku,qty\nA,1\nB,2\n")
        let rewritten = try await puller.pullOnce()
        #expect(rewritten.taken.map(\.localName) == ["stock-2.csv"])
        #expect(contents(setup.inbox + "/stock.csv") == Data("sku,qty\nA,1\n".utf8), "never replaced")
        #expect(contents(setup.inbox + "/stock-2.csv") == Data("sku,qty\nA,1\nB,2\n".utf8))
        #expect(setup.store.count == 2)
    }

    @Test func fileStillBeingWrittenUnderItsFinalNameWaits() async throws {
        let setup = try Setup()
        let path = setup.feed + "/growing.csv"
        try write(path, "id\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        let writer = Watcher(every: .milliseconds(50)) { handle.write(Data("row\n".utf8)) }

        let whileWriting = try await setup.puller(settle: .milliseconds(500)).pullOnce()
        await writer.stop()
        try handle.close()
        #expect(whileWriting.taken.isEmpty)
        #expect(whileWriting.changing == ["growing.csv"])
        #expect(names(in: setup.inbox) == [])

        let afterwards = try await setup.puller(settle: .milliseconds(300)).pullOnce()
        #expect(afterwards.taken.map(\.localName) == ["growing.csv"])
        #expect(sameBytes(setup.inbox + "/growing.csv", path))
    }

    @Test func serverKilledMidTransferLeavesNothingAndALaterPullTakesTheFileOnce() async throws {
        let setup = try Setup()
        try makeFile(setup.feed + "/big.csv", size: 128 << 20, seed: 5)
        let puller = setup.puller(after: .delete)

        // Kill the server once a few MiB of the download have arrived.
        let inbox = setup.inbox
        let server = setup.server
        let killedAt = Shared<Int64?>(nil)
        let killer = Watcher {
            guard killedAt.current == nil else { return }
            for name in names(in: inbox) where name.hasSuffix(".sftp-part") {
                if let size = fileSize(inbox + "/" + name), size > 4 << 20 {
                    server.kill()
                    killedAt.update { $0 = size }
                }
            }
        }
        let interrupted = try await puller.pullOnce()
        await killer.stop()

        #expect(killedAt.current != nil, "the server was killed during the download")
        #expect(interrupted.taken.isEmpty)
        #expect(interrupted.interruption?.code == .sftpInterrupted)
        #expect(interrupted.interruption?.message.contains("was lost while muelle was trying to download") == true)
        #expect(names(in: inbox) == [], "no partial file, not even a temporary one")
        #expect(names(in: setup.feed) == ["big.csv"])

        try server.start()
        let resumed = try await puller.pullOnce()
        #expect(resumed.taken.map(\.localName) == ["big.csv"])
        #expect(names(in: inbox) == ["big.csv"])
        #expect(fileSize(inbox + "/big.csv") == 128 << 20)
        #expect(names(in: setup.feed) == [])
        #expect(try await puller.pullOnce().taken.isEmpty)
    }

    @Test func serverThatStopsAnsweringMidTransferTimesOutAndLeavesNothing() async throws {
        let setup = try Setup()
        try makeFile(setup.feed + "/big.csv", size: 128 << 20, seed: 6)
        var endpoint = setup.server.endpoint
        // Short, but long enough for sshd to set up a session on a busy two-core machine.
        endpoint.timeout = .seconds(3)
        let puller = SFTPPuller(client: setup.server.client(endpoint), source: SFTPPullSource(
            remoteFolder: setup.feed, afterDownload: .delete, inboxFolder: setup.inbox, settleTime: .zero),
            seen: setup.store)
        let inbox = setup.inbox
        let server = setup.server
        let frozen = Shared<Bool>(false)
        let freezer = Watcher {
            guard !frozen.current else { return }
            for name in names(in: inbox) where name.hasSuffix(".sftp-part") && (fileSize(inbox + "/" + name) ?? 0) > 4 << 20 {
                server.freezeSessions()
                frozen.update { $0 = true }
            }
        }
        let report = try await puller.pullOnce()
        await freezer.stop()
        server.thawSessions()

        #expect(frozen.current)
        #expect(report.interruption?.code == .sftpTimeout)
        #expect(report.interruption?.message.contains("stopped answering for 3.0 seconds") == true)
        #expect(names(in: inbox) == [])
        #expect(names(in: setup.feed) == ["big.csv"])
    }

    @Test func runPullsOnScheduleUntilCancelled() async throws {
        let setup = try Setup()
        try write(setup.feed + "/first.csv", "1\n")
        let puller = setup.puller(after: .delete)
        let results = Shared<[Result<SFTPPullReport, MuelleError>]>([])
        let loop = Task {
            await puller.run(every: .milliseconds(200)) { result in results.update { $0.append(result) } }
        }
        #expect(await eventually { results.current.count >= 1 })
        try write(setup.feed + "/second.csv", "2\n")
        #expect(await eventually { names(in: setup.inbox) == ["first.csv", "second.csv"] })
        loop.cancel()
        await loop.value
        let taken = results.current.compactMap { try? $0.get() }.flatMap { $0.taken.map(\.localName) }
        #expect(taken == ["first.csv", "second.csv"])
    }

    @Test func pullReconnectsWithBackoffUntilTheServerIsBack() async throws {
        let setup = try Setup()
        try write(setup.feed + "/a.csv", "a\n")
        setup.server.stop()
        let server = setup.server
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.6)
            try? server.start()
        }
        let waits = Shared<[Duration]>([])
        let report = try await setup.puller().pull(
            backoff: Backoff(initialDelay: .milliseconds(200), maximumDelay: .seconds(1), maximumAttempts: 10, jitter: 0),
            sleep: { delay in
                waits.update { $0.append(delay) }
                try await Task.sleep(for: delay)
            })
        #expect(report.taken.map(\.localName) == ["a.csv"])
        #expect(waits.current.count >= 1, "failed while the server was down, then retried")
        #expect(waits.current.first == .milliseconds(200))
    }

    @Test func missingRemoteFolderThrowsAndTakesNothing() async throws {
        let setup = try Setup()
        let puller = SFTPPuller(client: setup.server.client(), source: SFTPPullSource(
            remoteFolder: setup.server.dataFolder + "/nope", afterDownload: .delete, inboxFolder: setup.inbox),
            seen: setup.store)
        let error = try await #require(throws: MuelleError.self) { try await puller.pullOnce() }
        #expect(error.code == .sftpNotFound)
        #expect(!error.isTransientSFTPFailure)
        #expect(names(in: setup.inbox) == [])
    }

    @Test func unreadableFileIsReportedAndTheOthersAreTaken() async throws {
        let setup = try Setup()
        try write(setup.feed + "/secret.csv", "x\n")
        chmod(setup.feed + "/secret.csv", 0o000)
        chown(setup.feed + "/secret.csv", 0, 0)
        try write(setup.feed + "/open.csv", "y\n")
        let report = try await setup.puller().pullOnce()
        #expect(report.taken.map(\.localName) == ["open.csv"])
        #expect(report.failures.map(\.name) == ["secret.csv"])
        #expect(report.failures.first?.error.code == .sftpPermissionDenied)
        #expect(names(in: setup.inbox) == ["open.csv"])
    }
}
