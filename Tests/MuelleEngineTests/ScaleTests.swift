import Foundation
import GRDB
import MuelleLedger
import Testing

/// The work per file must not grow with the inbox or the ledger: `run --once` lists a route folder once per
/// pass (not once per file), every per-file lookup of the ledger has an index, and staging keeps nothing.
@Suite(.serialized) struct ScaleTests {
    static let route = "mercadolibre-orders"

    /// The lookups made for every file taken (and at every start), as the ledger makes them.
    static let perFileQueries: [(String, StatementArguments)] = [
        ("SELECT * FROM input WHERE route = ? AND name = ? ORDER BY id DESC LIMIT 1", ["r", "n"]),
        ("SELECT * FROM input WHERE route = ? AND sha256 = ? AND state = 'processed' AND released = 0 ORDER BY id LIMIT 1", ["r", "s"]),
        ("SELECT * FROM input WHERE destination = ? ORDER BY id DESC LIMIT 1", ["archive/r/x"]),
        ("SELECT * FROM input WHERE moved = 0 ORDER BY id", []),
        ("SELECT * FROM input WHERE route = ? ORDER BY id DESC LIMIT ?", ["r", 50]),
        ("SELECT MAX(id) FROM input WHERE state = 'rejected' GROUP BY destination", []),
        ("SELECT * FROM delivery WHERE state = 'pending' ORDER BY updatedAt", []),
        ("SELECT COUNT(*) FROM \"order\" WHERE route = ?", ["r"]),
        ("SELECT * FROM shipment WHERE carrier = ? AND state = 'created' AND manifest IS NULL AND createdOn <= ?", ["c", "2026-11-24"]),
        ("SELECT COUNT(*) FROM manifest WHERE carrier = ? AND date = ?", ["c", "2026-11-24"]),
    ]

    @Test func everyPerFileLookupOfTheLedgerUsesAnIndex() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        _ = try Ledger.open(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            for (sql, arguments) in Self.perFileQueries {
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String? ?? "" }
                // "SCAN t" reads the whole table; "SCAN t USING INDEX" or "SEARCH" do not.
                let fullScans = plan.filter { $0.hasPrefix("SCAN ") && !$0.contains("USING") }
                #expect(fullScans.isEmpty, "\(sql): \(plan)")
            }
        }
    }

    @Test func stagingKeepsNothingOnceAFileIsDone() throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        try bench.drop(Self.route, "page-1.json", ExactlyOnceTests.page(1))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        // The same orders with another total: classified against the ledger (updates), not a first import.
        try bench.drop(Self.route, "page-1-changed.json", ExactlyOnceTests.page(1).replacingOccurrences(of: "\"total_amount\": 1001", with: "\"total_amount\": 1002"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(bench.files("outbox/order-updates").count == 1)
        #expect(bench.files(".muelle/staging") == [], "\(bench.files(".muelle/staging"))")
    }

    /// 40 files beside 30,000 entries run --once does not take (subfolders): listing the folder again after
    /// every file cost 40 listings of 30,000 entries; once per pass costs two.
    @Test func runOnceListsTheRouteFolderOncePerPassNotOncePerFile() throws {
        let files = 40
        let plain = try Workbench(mappings: [Self.route])
        defer { plain.remove() }
        let crowded = try Workbench(mappings: [Self.route])
        defer { crowded.remove() }
        for n in 0..<30_000 { try FileManager.default.createDirectory(atPath: crowded.root + "/inbox/\(Self.route)/d\(n)", withIntermediateDirectories: false) }
        for bench in [plain, crowded] {
            for n in 0..<files { try bench.drop(Self.route, String(format: "page-%03d.json", n), ExactlyOnceTests.page(n)) }
        }
        func timed(_ bench: Workbench) throws -> Double {
            let start = Date()
            let result = try bench.muelle(["run", "--once", "--concurrency", "1"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(bench.files("archive/\(Self.route)").count == files)
            return Date().timeIntervalSince(start)
        }
        let base = try timed(plain)
        let withCrowd = try timed(crowded)
        // One listing of the crowded folder, as the process does it.
        let listingStart = Date()
        let entries = try FileManager.default.contentsOfDirectory(atPath: crowded.root + "/inbox/\(Self.route)")
        for name in entries {
            var info = stat()
            _ = lstat(crowded.root + "/inbox/\(Self.route)/" + name, &info)
        }
        let listing = max(Date().timeIntervalSince(listingStart), 0.01)
        // Once per file would cost `files` listings more than the plain run; once per pass, a few.
        #expect(withCrowd - base < listing * 12 + 1.0, "plain \(base) s, crowded \(withCrowd) s, one listing \(listing) s")
    }
}
