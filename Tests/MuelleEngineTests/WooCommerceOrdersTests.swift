import Foundation
import Testing

/// The `woocommerce-orders` route through the binary: the REST API's orders array as WooCommerce writes it.
@Suite(.serialized) struct WooCommerceOrdersTests {
    static func line(_ order: [String: Any]?, _ index: Int) -> [String: Any]? {
        (order?["lines"] as? [[String: Any]]).flatMap { index < $0.count ? $0[index] : nil }
    }

    @Test func processingOrdersImportWithDecodedNamesAndExactTotals() throws {
        let bench = try Workbench(mappings: ["woocommerce-orders"])
        defer { bench.remove() }
        try bench.dropExample("woocommerce-orders", "orders_2026-11-03.json")
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")

        let orders = try bench.orders()
        let byID = Dictionary(uniqueKeysWithValues: orders.compactMap { o in (o["id"] as? String).map { ($0, o) } })
        // processing only: on-hold (awaiting a transfer) and completed are counted as filtered.
        #expect(Set(byID.keys) == ["woocommerce:main:1041", "woocommerce:main:1043"])
        let hoodie = byID["woocommerce:main:1041"]
        #expect(Self.line(hoodie, 0)?["title"] as? String == "Hoodie – Blue, XL")
        #expect(Self.line(hoodie, 1)?["title"] as? String == "Gorro con logo – edición café")
        // date_created_gmt has no offset; the mapping reads it as UTC.
        #expect(hoodie?["created_at"] as? String == "2026-11-03T09:15:42+00:00")
        let totals = hoodie?["totals"] as? [String: String]
        // Shipping: the flat rate 4.13 plus the "Recargo envío urgente" fee 2.48, not the gift wrap.
        #expect(totals == ["items": "89.26", "shipping": "6.61", "discount": "8.93", "tax": "18.61", "grand_total": "107.20"])
        // 10.00 for 3 pairs of socks: the unit price is rounded half-even, as the mapping declares, and counted.
        let socks = byID["woocommerce:main:1043"]
        #expect(Self.line(socks, 0)?["unit_price"] as? String == "3.33")
        #expect(Self.line(socks, 0)?["total"] as? String == "10.00")
        let reportName = try #require(bench.files("outbox/reports").first { $0.hasPrefix("woocommerce-orders-") })
        let report = try bench.report(reportName)
        #expect(report["rounded"] as? [String: Int] == ["lines.unit_price": 1])
        #expect((report["counts"] as? [String: Any])?["filtered"] as? Int == 2)
        #expect(run.stderr.contains("rounded=lines.unit_price 1"))
    }

    @Test func extraDecimalPlacesRejectTheFileUnlessTheMappingRoundsThatField() throws {
        let bench = try Workbench(mappings: ["woocommerce-orders"])
        defer { bench.remove() }
        let sample = try String(contentsOfFile: Workbench.repository + "/examples/inbox/woocommerce-orders/orders_2026-11-03.json", encoding: .utf8)
        // Asked for with `dp=6`: the beanie's subtotal has more places than EUR.
        let sixPlaces = sample.replacingOccurrences(of: "\"subtotal\": \"14.88\"", with: "\"subtotal\": \"14.876033\"")
        #expect(sixPlaces != sample)
        try bench.drop("woocommerce-orders", "orders_dp6.json", sixPlaces)
        let rejected = try bench.muelle(["run", "--once"])
        #expect(rejected.status == 1)
        #expect(try bench.orders().isEmpty, "nothing of a rejected file is emitted")
        let quarantined = bench.files("quarantine/woocommerce-orders")
        let reason = try bench.read("quarantine/woocommerce-orders/" + (try #require(quarantined.first { $0.hasSuffix(".error.txt") })))
        #expect(reason.contains("record 3"))
        #expect(reason.contains("field \"lines[2].total\": \"14.876033\" has 6 decimal places, more than the 2 of EUR"))

        // The merchant decides these amounts may be rounded: the same file now imports, and the report says so.
        let mapping = try bench.read("mappings/woocommerce-orders.yaml")
        let rounding = mapping.replacingOccurrences(of: "total: { decimal: subtotal }", with: "total: { decimal: subtotal, round: half_even }")
        #expect(rounding != mapping)
        try bench.write("mappings/woocommerce-orders.yaml", rounding)
        let original = try #require(quarantined.first { !$0.hasSuffix(".error.txt") })
        let replay = try bench.muelle(["replay", "quarantine/woocommerce-orders/" + original])
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
        let hoodie = try bench.orders().first { $0["id"] as? String == "woocommerce:main:1041" }
        #expect(Self.line(hoodie, 1)?["total"] as? String == "14.88")
        #expect((hoodie?["totals"] as? [String: String])?["items"] == "89.26")
        let report = try bench.report(try #require(bench.files("outbox/reports").first { name in
            (try? bench.report(name))?["state"] as? String == "processed"
        }))
        #expect(report["rounded"] as? [String: Int] == ["lines.total": 1, "lines.unit_price": 2])
    }
}
