import Foundation
import Testing

/// Promotion feeds: each promotion checked, and no product with two promotions at the same time.
@Suite(.serialized) struct PromotionTests {
    static let header = "Barcode,SKU,Campaign Name,Reason,Start Date,End Date,Promotion Type,Promotion Sub Type,Discounted Price,Max No. of Orders,Discount Usage Limit,Bundle Details,Bundle Discount,Campaign Status\r\n"

    static func row(_ sku: String, _ campaign: String, _ start: String, _ end: String, sub: String = "discounted_price", price: String = "100.00") -> String {
        "1,\(sku),\(campaign),r,\(start),\(end),strikethrough,\(sub),\(price),,,,,active\r\n"
    }

    @Test func theExampleFeedBecomesNormalisedPromotions() throws {
        let bench = try Workbench(mappings: ["deliveryapp-promotions"])
        defer { bench.remove() }
        try bench.dropExample("deliveryapp-promotions", "promotions_1042.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let promotions = try bench.ndjson("outbox/promotions")
        #expect(promotions.map { $0["product_key"] as? String } == ["CAFE-500", "YERBA-1K", "ALFAJOR-12"])
        let alfajor = try #require(promotions.last)
        #expect(alfajor["type"] as? String == "fixed_amount")
        #expect(alfajor["starts_at"] as? String == "2026-12-20T00:00:00-03:00")
        #expect(promotions[1]["campaign"] as? String == "Yerba, 2x1 de verano")
        // The partner's own file, in its columns and naming.
        let partner = try bench.read("outbox/partner/promotions_1042.csv").components(separatedBy: "\r\n")
        #expect(partner.first == "Barcode,SKU,Campaign Name,Reason,Start Date,End Date,Promotion Type,Promotion Sub Type,Discounted Price,Max No. of Orders,Discount Usage Limit,Bundle Details,Bundle Discount,Campaign Status")
        #expect(partner.contains("7790001000022,YERBA-1K,\"Yerba, 2x1 de verano\",stock clearance,2026-12-01T00:00:00-03:00,2026-12-31T23:59:00-03:00,same_item_bundle,discounted_price,3990.50,200,,,,active"))
    }

    @Test func overlappingPromotionsOfOneProductAreRejectedWithBothNamed() throws {
        let bench = try Workbench(mappings: ["deliveryapp-promotions"])
        defer { bench.remove() }
        try bench.drop("deliveryapp-promotions", "promos.csv", Self.header
            + Self.row("CAFE-500", "Semana del café", "2026-12-01 00:00", "2026-12-07 23:59")
            + Self.row("YERBA-1K", "Verano", "2026-12-01 00:00", "2026-12-31 23:59")
            + Self.row("CAFE-500", "Fin de año", "2026-12-05 00:00", "2026-12-31 23:59"))
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        #expect(!bench.exists("outbox/promotions") || bench.files("outbox/promotions").isEmpty)
        let report = try #require(bench.files("quarantine/deliveryapp-promotions").first { $0.hasSuffix(".error.txt") })
        let why = try bench.read("quarantine/deliveryapp-promotions/" + report)
        #expect(why.contains("promos.csv: record 3, line 4, field \"starts_at\": product CAFE-500 has two promotions at the same time"))
        #expect(why.contains("\"Semana del café\" (record 1, line 2"))
        #expect(why.contains("\"Fin de año\""))
    }

    @Test(arguments: [
        ("2026-12-07 00:00", "2026-12-01 00:00", "percentage_off", "10", "not after it starts"),
        ("2026-12-01 00:00", "2026-12-07 00:00", "percentage_off", "120", "at most 100"),
    ])
    func badPromotionsNameTheirField(_ start: String, _ end: String, _ sub: String, _ value: String, _ message: String) throws {
        let bench = try Workbench(mappings: ["deliveryapp-promotions"])
        defer { bench.remove() }
        try bench.drop("deliveryapp-promotions", "bad.csv", Self.header + Self.row("CAFE-500", "X", start, end, sub: sub, price: value))
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        let report = try #require(bench.files("quarantine/deliveryapp-promotions").first { $0.hasSuffix(".error.txt") })
        let why = try bench.read("quarantine/deliveryapp-promotions/" + report)
        #expect(why.contains("bad.csv: record 1, line 2"))
        #expect(why.contains(message), "\(why)")
    }
}
