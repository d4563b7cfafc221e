import Foundation
import Testing

/// A route with files in quarantine says so until each one is replayed or dismissed: the next good
/// file (or a duplicate) does not turn its card back to a green `synced`.
@Suite struct QuarantineCardTests {
    @Test func theCardShowsAttentionUntilTheQuarantinedFileIsDismissedOrReplayed() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let page = try String(contentsOfFile: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json", encoding: .utf8)
        try bench.drop("mercadolibre-orders", "broken.json", "{\"results\": [ {\"id\": 1,, } ]}\n")
        try bench.drop("mercadolibre-orders", "bad-currency.json", page.replacingOccurrences(of: "\"COP\"", with: "\"PESOS\""))
        #expect(try bench.muelle(["run", "--once"]).status == 1)

        // A good file, then the same good file again (a duplicate): the quarantine still holds two.
        try bench.drop("mercadolibre-orders", "page.json", page)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        try bench.drop("mercadolibre-orders", "page-again.json", page)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        var shown = try bench.statusCard("mercadolibre-orders")
        #expect(shown["state"] as? String == "attention")
        #expect(shown["quarantined"] as? Int == 2)
        let newest = try #require(shown["last_error"] as? String)
        #expect(newest.contains("bad-currency.json") || newest.contains("broken.json"))
        let text = try bench.muelle(["status"]).stdout
        #expect(text.contains("attention"))
        #expect(text.contains("in quarantine: 2 file(s)"))

        // `quarantine list` names each file and its reason.
        let listed = try bench.muelle(["quarantine", "list", "--json"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let items = try #require(root["quarantined"] as? [[String: Any]])
        #expect(items.count == 2)
        let broken = try #require(items.first { $0["name"] as? String == "broken.json" })
        let brokenPath = try #require(broken["file"] as? String)
        #expect(brokenPath.hasPrefix("quarantine/mercadolibre-orders/"))
        #expect((broken["reason"] as? String)?.isEmpty == false)

        // Dismissing keeps the file and records who did it; the card counts one.
        let dismissed = try bench.muelle(["quarantine", "dismiss", brokenPath, "--by", "ana"])
        #expect(dismissed.status == 0, "\(dismissed.stderr)")
        #expect(bench.exists(brokenPath), "a dismissed file stays in quarantine")
        shown = try bench.statusCard("mercadolibre-orders")
        #expect(shown["quarantined"] as? Int == 1)
        #expect(shown["state"] as? String == "attention")
        let all = try bench.muelle(["quarantine", "list", "--all"]).stdout
        #expect(all.contains("dismissed by ana"))

        // Fixing and replaying the other file empties the quarantine: back to synced.
        let other = try #require(items.first { $0["name"] as? String == "bad-currency.json" }?["file"] as? String)
        try bench.write(other, page.replacingOccurrences(of: "\"PESOS\"", with: "\"COP\"").replacingOccurrences(of: "2000009876543210", with: "2000009876543299"))
        let replay = try bench.muelle(["replay", other])
        #expect(replay.status == 0, "\(replay.stderr)")
        shown = try bench.statusCard("mercadolibre-orders")
        #expect(shown["state"] as? String == "synced")
        #expect(shown["quarantined"] as? Int == 0)
        #expect(shown["last_error"] is NSNull)

        // An unknown file is refused with a readable message.
        let unknown = try bench.muelle(["quarantine", "dismiss", "quarantine/mercadolibre-orders/nothing.json"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("is not a file waiting in quarantine/"))
    }
}
