import Foundation
import GRDB
import Testing

/// `muelle status` and the other reading commands answer while `muelle run` holds the ledger's write lock
/// (a large file's commit): they used to take the lock themselves at open, wait 10 s, then fail as busy.
@Suite struct ReadWhileCommitTests {
    @Test func statusOrdersAndQuarantineAnswerWhileAWriterHoldsTheLedger() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        // Another process's commit in progress, as `muelle run` holds it while it takes a big file; the
        // commands run while it is held.
        let writer = try DatabaseQueue(path: bench.root + "/.muelle/ledger.sqlite")
        let started = Date()
        let (status, orders, quarantine) = try writer.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return (try bench.muelle(["status", "--json"]), try bench.muelle(["orders", "list"]), try bench.muelle(["quarantine", "list"]))
        }
        #expect(status.status == 0, "\(status.stderr)")
        let cards = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((cards?["routes"] as? [Any])?.count == 1)
        #expect(orders.status == 0 && orders.stdout.contains("mercadolibre:main:"), "\(orders.stderr)")
        #expect(quarantine.status == 0, "\(quarantine.stderr)")
        // Not after the 10 s busy timeout each (30 s for the three): at once, however slow a loaded machine starts them.
        #expect(Date().timeIntervalSince(started) < 25)
    }
}
