import Foundation
import Testing

/// Catalogue feeds: each full feed becomes only its changes (upserts and deletions); a feed that would
/// remove too much of the catalogue is held back, not applied.
@Suite(.serialized) struct CatalogueTests {
    static let header = "SKU,Barcode,Price,Active,Quantity,Vendors,Exclude\r\n"

    static func feed(_ rows: [(String, String)]) -> String {
        header + rows.map { sku, price in "\(sku),779000\(sku.count)000015,\(price),true,10,1042,false\r\n" }.joined()
    }

    @Test func feedsBecomeUpsertsAndDeletionsAndATruncatedFeedIsHeldBack() throws {
        let bench = try Workbench(mappings: ["deliveryapp-catalogue"])
        defer { bench.remove() }
        let full = [("A", "100.00"), ("B", "200.00"), ("C", "300.00"), ("D", "400.00"), ("E", "500.00")]
        try bench.drop("deliveryapp-catalogue", "catalogue_1042.csv", Self.feed(full))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let first = try bench.ndjson("outbox/catalogue")
        #expect(first.count == 5)
        #expect(first.allSatisfy { $0["kind"] as? String == "product_upsert" })
        #expect((first.first?["product"] as? [String: Any])?["price"] as? String == "100.00")
        // The whole catalogue again in the delivery app's own file, as the store's partner expects it.
        let partner = try bench.read("outbox/partner/catalogue_1042.csv").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(partner.first == "SKU,Barcode,Price,Active,Quantity,Vendors,Exclude")
        #expect(partner.count == 6)
        #expect(partner.contains("A,7790001000015,100.00,true,10,1042,false"))

        // Next day: B's price changed, E is gone, the rest is the same.
        try FileManager.default.removeItem(atPath: bench.root + "/outbox/catalogue")
        try bench.drop("deliveryapp-catalogue", "catalogue_1042.csv", Self.feed([("A", "100.00"), ("B", "210.00"), ("C", "300.00"), ("D", "400.00")]))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let second = try bench.ndjson("outbox/catalogue")
        #expect(second.count == 2)
        let upsert = try #require(second.first { $0["kind"] as? String == "product_upsert" }?["product"] as? [String: Any])
        #expect(upsert["key"] as? String == "B" && upsert["price"] as? String == "210.00")
        #expect(second.contains { $0["kind"] as? String == "product_delete" && $0["key"] as? String == "E" })
        let report = try bench.report(try #require(bench.files("outbox/reports").first { (try? bench.report($0)["deleted"] as? Int) == 1 }))
        #expect((report["counts"] as? [String: Any])?["skipped"] as? Int == 3)

        // A truncated export: only A left, 3 of 4 products would go. Held back; nothing applied — and the
        // partner's own file keeps the whole catalogue, or the truncated one would be delivered to the partner.
        try FileManager.default.removeItem(atPath: bench.root + "/outbox/catalogue")
        let partnerBefore = try bench.read("outbox/partner/catalogue_1042.csv")
        let stagingBefore = bench.files(".muelle/staging")
        try bench.drop("deliveryapp-catalogue", "catalogue_1042.csv", Self.feed([("A", "100.00")]))
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        #expect(!bench.exists("outbox/catalogue") || bench.files("outbox/catalogue").isEmpty)
        #expect(try bench.read("outbox/partner/catalogue_1042.csv") == partnerBefore, "a held-back feed must not replace the partner file")
        #expect(bench.files(".muelle/staging") == stagingBefore, "nothing of it is left behind in staging")
        let held = try #require(bench.files("quarantine/deliveryapp-catalogue").first { $0.hasSuffix(".error.txt") })
        let why = try bench.read("quarantine/deliveryapp-catalogue/" + held)
        #expect(why.contains("would remove 3 of the 4 products known (75%), more than the 20%"))

        // Yesterday's feed again (the same bytes as day one): not a duplicate for a full feed, since the
        // catalogue changed in between — B's old price and E come back.
        try bench.drop("deliveryapp-catalogue", "catalogue_1042 (day one).csv", Self.feed(full))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let back = try bench.ndjson("outbox/catalogue").compactMap { ($0["product"] as? [String: Any])?["key"] as? String }
        #expect(Set(back) == ["B", "E"])
        try FileManager.default.removeItem(atPath: bench.root + "/outbox/catalogue")
        // And the same feed once more right after: that is a duplicate, nothing changes.
        try bench.drop("deliveryapp-catalogue", "catalogue_1042 (copy).csv", Self.feed(full))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(!bench.exists("outbox/catalogue") || bench.files("outbox/catalogue").isEmpty)
        #expect(bench.files("outbox/reports").contains { $0.contains("-duplicate-") })
        try bench.drop("deliveryapp-catalogue", "catalogue_1042 (day two).csv", Self.feed([("A", "100.00"), ("B", "210.00"), ("C", "300.00"), ("D", "400.00")]))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        try FileManager.default.removeItem(atPath: bench.root + "/outbox/catalogue")

        // The catalogue is untouched: the same day-two feed again changes nothing.
        try bench.drop("deliveryapp-catalogue", "catalogue_1042 (again).csv", Self.feed([("D", "400.00"), ("C", "300.00"), ("B", "210.00"), ("A", "100.00")]))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(!bench.exists("outbox/catalogue") || bench.files("outbox/catalogue").isEmpty)
    }

    @Test func badProductRecordsNameTheirField() throws {
        let bench = try Workbench(mappings: ["deliveryapp-catalogue"])
        defer { bench.remove() }
        try bench.drop("deliveryapp-catalogue", "bad.csv", Self.header + "A,1,12.50,maybe,3,1042,false\r\n")
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        let held = try #require(bench.files("quarantine/deliveryapp-catalogue").first { $0.hasSuffix(".error.txt") })
        #expect(try bench.read("quarantine/deliveryapp-catalogue/" + held).contains("bad.csv: record 1, line 2, field \"active\": \"maybe\" is not true or false"))
    }

    @Test func anXMLMerchantFeedIsStreamedIntoProducts() throws {
        let bench = try Workbench(mappings: ["merchant-feed-catalogue"])
        defer { bench.remove() }
        try bench.dropExample("merchant-feed-catalogue", "products.xml")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let products = try bench.ndjson("outbox/catalogue").compactMap { $0["product"] as? [String: Any] }
        #expect(products.map { $0["key"] as? String } == ["TSH-AZ-M", "CAP-LANA"])
        let cap = try #require(products.last)
        #expect(cap["title"] as? String == "Gorra de lana \"Montaña\"")
        #expect(cap["price"] as? String == "14.90" && cap["currency"] as? String == "EUR")
        #expect(cap["stock"] as? Int == 0 && cap["barcode"] as? String == "8412345678912")
    }
}
