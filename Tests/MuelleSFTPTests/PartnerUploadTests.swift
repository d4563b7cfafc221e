import Foundation
import MuelleCore
import MuelleIntake
@testable import MuelleSFTP
import Synchronization
import Testing

/// Partners uploading with the stock OpenSSH `sftp` client into their jailed inbox folder, set up by
/// `SSHDConfigSnippet`, while muelle's own inbox watcher looks on: it never takes a partial file and takes
/// each completed one once — a slow upload under the final name, a chunked upload under WinSCP's
/// `.filepart` name resumed with `reput`, and a dot-prefixed upload renamed at the end.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct PartnerUploadTests {
    @Test func uploadsIntoTheJailedInboxAreTakenOnceAndOnlyWhenComplete() async throws {
        let route = "carrier-events"
        let server = try TestSSHServer(partnerRoutes: [route])
        try server.start()
        let jail = try #require(server.partnerJail)
        let drop = jail + "/inbox/" + route
        let local = try TemporaryFolder()

        let watcher = try InboxWatcher(inboxPath: jail + "/inbox", configuration: .init(
            routes: [route], quietPeriod: .milliseconds(1500), rescanInterval: .milliseconds(200)))
        let arrivals = Shared<[InboxFile]>([])
        let consumer = Task {
            for await file in watcher { arrivals.update { $0.append(file) } }
        }
        defer { consumer.cancel() }

        // The jail: the partner sees only /inbox, and starts in its route folder.
        let listing = try await onThread { try server.stockSFTP(user: TestAccounts.partner, ["pwd", "ls -a /"]) }
        #expect(listing.contains("Remote working directory: /inbox/\(route)"))
        #expect(!listing.contains("/tmp") && !listing.contains("/etc"))

        // 1. A slow upload straight under its final name (FileZilla's way): 160 KiB at about 50 KB/s, in
        //    8 KiB writes about 0.16 s apart, well inside the watcher's quiet period.
        try makeFile(local.child("slow.csv"), size: 160 << 10, seed: 21)
        let growing = Shared<Set<Int64>>([])
        let observer = Watcher(every: .milliseconds(20)) {
            if let size = fileSize(drop + "/slow.csv") { growing.update { _ = $0.insert(size) } }
        }
        try await onThread { try server.stockSFTP(user: TestAccounts.partner, ["put \(local.child("slow.csv")) slow.csv"], limitKbps: 400) }
        await observer.stop()
        #expect(growing.current.filter { $0 < 160 << 10 }.count >= 2, "the upload was seen growing: \(growing.current.sorted())")
        #expect(!arrivals.current.contains { $0.name == "slow.csv" && $0.size != 160 << 10 })

        // 2. WinSCP's way, in chunks across connections: `.filepart`, resumed with `reput`, renamed at the end.
        let chunked = local.child("events.csv")
        try makeFile(local.child("whole.csv"), size: 300_000, seed: 22)
        let whole = try #require(contents(local.child("whole.csv")))
        for end in [100_000, 200_000, 300_000] {
            try whole.prefix(end).write(to: URL(fileURLWithPath: chunked))
            let command = end == 100_000 ? "put" : "reput"
            try await onThread { try server.stockSFTP(user: TestAccounts.partner, ["\(command) \(chunked) events.csv.filepart"]) }
            #expect(InboxScanner.isTemporaryName("events.csv.filepart"))
            // Stable for longer than the quiet period, yet never taken: the name says it is unfinished.
            try await Task.sleep(for: .milliseconds(1800))
            #expect(!arrivals.current.contains { $0.name.hasPrefix("events.csv") })
        }
        try await onThread { try server.stockSFTP(user: TestAccounts.partner, ["rename events.csv.filepart events.csv"]) }

        // 3. A dot-prefixed temporary name, uploaded slowly, renamed at the end.
        try makeFile(local.child("tracking.csv"), size: 40 << 10, seed: 23)
        try await onThread {
            try server.stockSFTP(user: TestAccounts.partner, [
                "put \(local.child("tracking.csv")) .tracking.csv", "rename .tracking.csv tracking.csv",
            ], limitKbps: 160)
        }

        let expected: [String: Int64] = ["slow.csv": 160 << 10, "events.csv": 300_000, "tracking.csv": 40 << 10]
        #expect(await eventually(within: .seconds(60)) { arrivals.current.count >= 3 })
        try await Task.sleep(for: .seconds(2))
        let taken = arrivals.current
        #expect(taken.map(\.name).sorted() == ["events.csv", "slow.csv", "tracking.csv"], "each file once")
        for file in taken {
            #expect(file.size == expected[file.name], "\(file.name) taken at \(file.size) bytes")
        }
        #expect(sameBytes(drop + "/slow.csv", local.child("slow.csv")))
        #expect(contents(drop + "/events.csv") == whole)
        #expect(sameBytes(drop + "/tracking.csv", local.child("tracking.csv")))
        #expect(server.logText.contains("Accepted publickey for \(TestAccounts.partner)"))
    }

    @Test func aJailedPartnerCannotLeaveItsInbox() async throws {
        let server = try TestSSHServer(partnerRoutes: ["orders"])
        try server.start()
        let local = try TemporaryFolder()
        try write(local.child("x.csv"), "x\n")
        // `-` lets the batch go on after a refused command, so that the output shows each refusal.
        let output = try await onThread {
            try server.stockSFTP(user: TestAccounts.partner, ["-put \(local.child("x.csv")) /x.csv", "-cd /etc", "ls /"])
        }
        #expect(output.contains("Permission denied") || output.contains("Failure"), "\(output)")
        #expect(output.contains("No such file or directory"), "\(output)")
        #expect(names(in: try #require(server.partnerJail)) == ["inbox"])
    }
}
