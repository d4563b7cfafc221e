import Foundation
import Testing

/// A file that stays in the inbox because it cannot be taken shows on its route's card as waiting, with
/// the reason, not as `synced`; once it is taken (or removed) the card says so.
@Suite struct StuckInputCardTests {
    func card(_ bench: Workbench, _ route: String) throws -> [String: Any] {
        let out = try bench.muelle(["status", "--json"]).stdout
        let root = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let cards = try #require(root["routes"] as? [[String: Any]])
        return try #require(cards.first { $0["route"] as? String == route })
    }

    /// As root every file is readable, so the failure is the archive's: `archive/<route>` is a plain file
    /// (as a full or read-only archive volume would), and the original cannot be moved there.
    @Test func aFileThatCannotBeArchivedShowsAsWaitingWithItsReason() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.write("archive/shopify-orders", "not a folder\n")
        try bench.dropExample("shopify-orders", "orders_export_1.csv")

        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 1)
        #expect(bench.exists("inbox/shopify-orders/orders_export_1.csv"))
        var shown = try card(bench, "shopify-orders")
        #expect(shown["state"] as? String == "attention")
        #expect(shown["waiting"] as? Int == 1)
        #expect(shown["stuck"] as? Int == 1)
        let reason = try #require(shown["stuck_reason"] as? String)
        #expect(reason.hasPrefix("orders_export_1.csv: ") && reason.contains("Not a directory"), "\(reason)")
        let text = try bench.muelle(["status"]).stdout
        #expect(text.contains("waiting: 1 file(s), 1 cannot be taken: orders_export_1.csv: "), "\(text)")

        // Tried again, still stuck: still one file, one reason.
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        #expect(try card(bench, "shopify-orders")["stuck"] as? Int == 1)

        // The archive is fixed: the file is taken, and the card is green again.
        try FileManager.default.removeItem(atPath: bench.root + "/archive/shopify-orders")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        shown = try card(bench, "shopify-orders")
        #expect(shown["state"] as? String == "synced")
        #expect(shown["stuck"] as? Int == 0)
        #expect(shown["waiting"] as? Int == 0)
    }

    @Test func aStuckFileRemovedByHandIsNoLongerShown() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.write("archive/shopify-orders", "not a folder\n")
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        #expect(try card(bench, "shopify-orders")["stuck"] as? Int == 1)
        try FileManager.default.removeItem(atPath: bench.root + "/inbox/shopify-orders/orders_export_1.csv")
        let shown = try card(bench, "shopify-orders")
        #expect(shown["stuck"] as? Int == 0)
        #expect(shown["state"] as? String == "synced")
    }
}
