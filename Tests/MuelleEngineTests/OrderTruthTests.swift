import Foundation
import Testing

/// Order truth across sources: an order's state follows the evidence (the sources' own clocks and
/// the status progression), not the order in which files arrive.
@Suite(.serialized) struct OrderTruthTests {
    static let delivered = "mercadolibre:main:2000009876543210"

    static func example(_ step: String, _ route: String, _ name: String) throws -> String {
        try String(contentsOfFile: Workbench.repository + "/examples/\(step)/\(route)/\(name)", encoding: .utf8)
    }

    /// The first Mercado Libre page, its order 2000009876543210 changed as an older copy would have it:
    /// another spelling of the buyer, and a `last_updated` before the page muelle imported (10:05:12).
    static func olderPage() throws -> String {
        let page = try example("inbox", "mercadolibre-orders", "orders_search_2026-11-03.json")
        let older = page.replacingOccurrences(of: "\"last_updated\": \"2026-11-01T10:05:12.000-05:00\"", with: "\"last_updated\": \"2026-11-01T10:03:00.000-05:00\"")
            .replacingOccurrences(of: "\"last_name\": \"Núñez\"", with: "\"last_name\": \"Nuñez\"")
        #expect(older != page)
        return older
    }

    /// Each order's status, as `orders list --json` gives it.
    static func statuses(_ bench: Workbench) throws -> [String: String] {
        let out = try bench.muelle(["orders", "list", "--json"]).stdout
        let root = try JSONSerialization.jsonObject(with: Data(out.utf8))
        let orders = (root as? [[String: Any]]) ?? ((root as? [String: Any])?["orders"] as? [[String: Any]]) ?? []
        return Dictionary(uniqueKeysWithValues: orders.compactMap { order in
            (order["id"] as? String).flatMap { id in (order["status"] as? String).map { (id, $0) } }
        })
    }

    static func report(_ bench: Workbench, file: String) throws -> [String: Any] {
        let name = try #require(bench.files("outbox/reports").first { (try? bench.report($0)["file"] as? String) == file })
        return try bench.report(name)
    }

    @Test(arguments: [true, false])
    func deliveredStaysDeliveredAfterAnOlderPageWhateverTheArrivalOrder(_ eventFirst: Bool) throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders", "coordinadora-tracking"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let event = try Self.example("later", "coordinadora-tracking", "evento-73940000123-entregada.json")
        let steps: [(String, String, String)] = [("coordinadora-tracking", "evento.json", event), ("mercadolibre-orders", "older.json", try Self.olderPage())]
        for (route, name, contents) in eventFirst ? steps : steps.reversed() {
            try bench.drop(route, name, contents)
            #expect(try bench.muelle(["run", "--once"]).status == 0)
        }

        #expect(try Self.statuses(bench)[Self.delivered] == "delivered")
        // The older copy changed nothing: no update of it, nothing moved back, counted as stale.
        let updates = try bench.ndjson("outbox/order-updates")
        #expect(updates.count == 1, "only the carrier's event: \(updates)")
        let update = try #require(updates.first)
        #expect((update["status"] as? [String: Any])?["to"] as? String == "delivered")
        #expect(update["changed"] as? [String] == ["status"])
        let counts = try #require(try Self.report(bench, file: "older.json")["counts"] as? [String: Any])
        #expect(counts["stale"] as? Int == 1)
        #expect(counts["skipped"] as? Int == 1, "the other imported order came again unchanged")
        #expect(counts["updated"] as? Int == 0)

        // A copy as new as the delivery that still says "paid": the status stays delivered, and
        // since it brings nothing else, it is stale too.
        let equal = try Self.example("inbox", "mercadolibre-orders", "orders_search_2026-11-03.json")
            .replacingOccurrences(of: "\"last_updated\": \"2026-11-01T10:05:12.000-05:00\"", with: "\"last_updated\": \"2026-11-05T14:22:10.000-05:00\"")
        try bench.drop("mercadolibre-orders", "equal.json", equal)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(try Self.statuses(bench)[Self.delivered] == "delivered")
        #expect((try Self.report(bench, file: "equal.json")["counts"] as? [String: Any])?["stale"] as? Int == 1)
        #expect(try bench.ndjson("outbox/order-updates").count == 1)
        let status = try bench.muelle(["status", "--json"]).stdout
        #expect(status.contains("\"stale\": 2"), "the card counts what was not applied: \(status)")
    }

    @Test func aNewerPageBringsItsNewsButCannotUndoDelivered() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders", "coordinadora-tracking"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        try bench.drop("coordinadora-tracking", "evento.json", try Self.example("later", "coordinadora-tracking", "evento-73940000123-entregada.json"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        // The page of 11-04 (a partial refund) is older than the delivery of 11-05 but newer than the page imported.
        try bench.drop("mercadolibre-orders", "later.json", try Self.example("later", "mercadolibre-orders", "orders_search_2026-11-04.json"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        #expect(try Self.statuses(bench)[Self.delivered] == "delivered")
        let refund = try #require(try bench.ndjson("outbox/order-updates").first { ($0["changed"] as? [String]) == ["payment_status"] })
        #expect((refund["status"] as? [String: Any])?["from"] as? String == "delivered")
        #expect((refund["status"] as? [String: Any])?["to"] as? String == "delivered")
        let order = try #require(refund["order"] as? [String: Any])
        #expect(order["payment_status"] as? String == "partially_refunded")
        #expect(order["status"] as? String == "delivered", "the update carries the order as muelle now holds it")
        #expect(order["updated_at"] as? String == "2026-11-04T09:30:00-05:00")
    }

    @Test func anUpdateWhoseStatusChangedListsStatus() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders", "coordinadora-tracking"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        // The carrier reports an incident on 11-03: the order is on hold.
        let incident = try Self.example("later", "coordinadora-tracking", "evento-73940000123-entregada.json")
            .replacingOccurrences(of: "\"ENTREGADA\"", with: "\"NOVEDAD\"").replacingOccurrences(of: "2026-11-05 14:22:10", with: "2026-11-03 09:00:00")
        try bench.drop("coordinadora-tracking", "novedad.json", incident)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(try Self.statuses(bench)[Self.delivered] == "on_hold")
        // Mercado Libre's page of 11-04 says it is to ship again (and partially refunded): newer, so it
        // moves the order back to ready_to_ship, and the update says the status changed.
        try bench.drop("mercadolibre-orders", "later.json", try Self.example("later", "mercadolibre-orders", "orders_search_2026-11-04.json"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let update = try #require(try bench.ndjson("outbox/order-updates").first { $0["order"] != nil })
        #expect((update["status"] as? [String: Any])?["from"] as? String == "on_hold")
        #expect((update["status"] as? [String: Any])?["to"] as? String == "ready_to_ship")
        #expect(update["changed"] as? [String] == ["status", "payment_status"])
        #expect(try Self.statuses(bench)[Self.delivered] == "ready_to_ship")
    }
}
