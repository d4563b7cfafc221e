import Foundation
import Testing

/// A ledger that forgot the workspace's history is refused, never silently replaced: re-sent files would
/// import again. Missing, empty, damaged, or behind the archive (its -wal lost after a crash): exit 2
/// with what is missing and how to restore it; `run --new-ledger` is the explicit way to start over.
@Suite(.serialized) struct LedgerGuardTests {
    static let route = "mercadolibre-orders"

    /// One file processed, so the workspace has history.
    func benchWithHistory() throws -> Workbench {
        let bench = try Workbench(mappings: [Self.route])
        try bench.drop(Self.route, "page-1.json", ExactlyOnceTests.page(1))
        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)
        return bench
    }

    @Test func aDeletedLedgerIsRefusedAndNewLedgerStartsOver() throws {
        let bench = try benchWithHistory()
        defer { bench.remove() }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: bench.root + "/.muelle/ledger.sqlite" + suffix) }
        // The partner sends the same file again: with a new ledger it would be imported a second time.
        try bench.drop(Self.route, "page-1-again.json", ExactlyOnceTests.page(1))

        let refused = try bench.muelle(["run", "--once"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("the ledger .muelle/ledger.sqlite is missing, but this workspace has taken files before"), "\(refused.stderr)")
        #expect(refused.stderr.contains("copy the ledger back to .muelle/ledger.sqlite, together with its ledger.sqlite-wal"))
        #expect(refused.stderr.contains("muelle run --new-ledger"))
        #expect(!bench.exists(".muelle/ledger.sqlite"), "no new ledger is made behind the merchant's back")
        #expect(bench.files("inbox/\(Self.route)") == ["page-1-again.json"], "nothing was taken")
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)

        // An empty file where the ledger was is no better.
        try bench.write(".muelle/ledger.sqlite", "")
        let empty = try bench.muelle(["run", "--once"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("the ledger .muelle/ledger.sqlite is empty"), "\(empty.stderr)")

        // Starting over is an explicit decision, and it sticks: the next plain run goes on.
        let startOver = try bench.muelle(["run", "--once", "--new-ledger"])
        #expect(startOver.status == 0, "\(startOver.stderr)")
        #expect(startOver.stderr.contains("started over with a new ledger"))
        try bench.drop(Self.route, "page-2.json", ExactlyOnceTests.page(2))
        let next = try bench.muelle(["run", "--once"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(bench.files("inbox/\(Self.route)").isEmpty)
    }

    @Test func aGarbageLedgerIsReportedWithSQLitesOwnError() throws {
        let bench = try benchWithHistory()
        defer { bench.remove() }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: bench.root + "/.muelle/ledger.sqlite" + suffix) }
        try bench.write(".muelle/ledger.sqlite", String(repeating: "not a ledger, just text\n", count: 400))
        try bench.drop(Self.route, "page-2.json", ExactlyOnceTests.page(2))

        for arguments in [["run", "--once"], ["run", "--once", "--new-ledger"]] {
            let result = try bench.muelle(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("the ledger .muelle/ledger.sqlite is damaged: SQLite error 26 (SQLITE_NOTADB): file is not a database"), "\(result.stderr)")
            #expect(result.stderr.contains("move it away"))
        }
        #expect(try bench.read(".muelle/ledger.sqlite").hasPrefix("not a ledger"), "a damaged ledger is never replaced")
        #expect(bench.files("inbox/\(Self.route)") == ["page-2.json"])
    }

    @Test func corruptPagesAreFoundByQuickCheck() throws {
        let bench = try benchWithHistory()
        defer { bench.remove() }
        let path = bench.root + "/.muelle/ledger.sqlite"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 3 * 4096)
        // Scribble over every page but the first (the header stays valid, so SQLite opens it).
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: size - 4096))
        try handle.close()

        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("the ledger .muelle/ledger.sqlite is damaged: "), "\(result.stderr)")
        #expect(result.stderr.contains("SQLite error 11 (SQLITE_CORRUPT)") || result.stderr.contains("PRAGMA quick_check found"), "\(result.stderr)")
    }

    @Test func aLedgerThatLostItsWALAfterACrashIsRefused() throws {
        let bench = try benchWithHistory()
        defer { bench.remove() }
        // Commits of a run killed before any checkpoint live only in ledger.sqlite-wal.
        let watching = bench.start(["run", "--quiet-ms", "50"])
        try watching.run()
        try bench.drop(Self.route, "page-2.json", ExactlyOnceTests.page(2))
        #expect(Workbench.eventually(within: 60) { bench.files("archive/\(Self.route)").count == 2 })
        kill(watching.processIdentifier, SIGKILL)
        watching.waitUntilExit()
        #expect(bench.exists(".muelle/ledger.sqlite-wal"))
        try FileManager.default.removeItem(atPath: bench.root + "/.muelle/ledger.sqlite-wal")
        try bench.drop(Self.route, "page-2-again.json", ExactlyOnceTests.page(2))

        let refused = try bench.muelle(["run", "--once"])
        #expect(refused.status == 2)
        let archived = try #require(bench.files("archive/\(Self.route)").first { $0.hasSuffix("page-2.json") })
        #expect(refused.stderr.contains("does not know archive/\(Self.route)/\(archived), which was archived after its commit"), "\(refused.stderr)")
        #expect(refused.stderr.contains("put back ledger.sqlite together with its ledger.sqlite-wal"))
        #expect(bench.files("inbox/\(Self.route)") == ["page-2-again.json"])

        let goOn = try bench.muelle(["run", "--once", "--new-ledger"])
        #expect(goOn.status == 0, "\(goOn.stderr)")
        #expect(try bench.muelle(["run", "--once"]).status == 0, "going on is recorded in the ledger")
    }
}
