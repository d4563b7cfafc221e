import Foundation
import Testing

/// Shopify's products export through the binary: one product per variant with its handle's product-level
/// values; and Shopify's customers export as a full customer feed (`kind: customers`).
@Suite(.serialized) struct ShopifyProductsAndCustomersTests {
    @Test func everyVariantGetsItsHandlesTitleAndActiveFlagAndTheOversoldOneHasNoStock() throws {
        let bench = try Workbench(mappings: ["shopify-products"])
        defer { bench.remove() }
        try bench.dropExample("shopify-products", "products_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let products = try bench.ndjson("outbox/catalogue").compactMap { $0["product"] as? [String: Any] }
        let bySKU = Dictionary(uniqueKeysWithValues: products.map { ($0["key"] as? String ?? "", $0) })
        // Three tee variants, the mug, two hoodie variants: image-only rows and gift cards make none.
        #expect(Set(bySKU.keys) == ["CAM-LIN-S-CRU", "CAM-LIN-M-CRU", "CAM-LIN-L-NEG", "TAZ-350", "SUD-CAP-M", "SUD-CAP-L"])
        #expect(bySKU["CAM-LIN-L-NEG"]?["title"] as? String == "Camiseta de lino – L / Negro")
        #expect(bySKU["CAM-LIN-M-CRU"]?["active"] as? Bool == true)
        #expect(bySKU["CAM-LIN-L-NEG"]?["active"] as? Bool == true)
        #expect(bySKU["TAZ-350"]?["title"] as? String == "Taza de cerámica 350 ml", "no \"Default Title\" in a title")
        #expect(bySKU["TAZ-350"]?["active"] as? Bool == false, "a draft product is not for sale")
        #expect(bySKU["SUD-CAP-L"]?["active"] as? Bool == false, "not published on the online store, even on its second row")
        #expect(bySKU["CAM-LIN-M-CRU"]?["stock"] as? Int == 0, "oversold (-3, policy continue): nothing to sell")
        #expect(bySKU["CAM-LIN-S-CRU"]?["stock"] as? Int == 12)
        // The oversold variant's own row, after the multi-line HTML of the first one.
        #expect((bySKU["CAM-LIN-M-CRU"]?["source"] as? [String: Any])?["line"] as? Int == 7)
        let reportName = try #require(bench.files("outbox/reports").first)
        let report = try bench.report(reportName)
        let counts = try #require(report["counts"] as? [String: Any])
        #expect(counts["filtered"] as? Int == 0, "rows without a variant are not filtered: they make no product")
        #expect(counts["rejected"] as? Int == 0)
        #expect(report["products"] as? Int == 6)
    }

    @Test func customersAreUpsertedAndDeletedAgainstTheLastFeed() throws {
        let bench = try Workbench(mappings: ["shopify-customers"])
        defer { bench.remove() }
        try bench.dropExample("shopify-customers", "customers_export.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let first = try bench.ndjson("outbox/customers")
        #expect(first.count == 2)
        #expect(first.allSatisfy { $0["kind"] as? String == "customer_upsert" })
        let customers = first.compactMap { $0["customer"] as? [String: Any] }
        let lucia = try #require(customers.first { $0["key"] as? String == "lucia.fernandez@correo.test" })
        #expect(lucia["platform_id"] as? String == "7210448301122")
        #expect(lucia["tags"] as? [String] == ["vip", "newsletter"])
        #expect(lucia["accepts_marketing"] as? Bool == true)
        let jordi = try #require(customers.first { $0["key"] as? String == "jordi.puig@botiga.test" })
        #expect((jordi["address"] as? [String: Any])?["postal_code"] as? String == "08013")
        #expect(jordi["tax_exempt"] as? Bool == true)

        // The next export lacks Jordi and changes Lucía's tags. Removing one of two customers is 50%, over
        // the route's 20%: held back as a truncated export, nothing applied.
        try FileManager.default.removeItem(atPath: bench.root + "/outbox/customers")
        let header = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags\n"
        let row = "'7210448301122,Lucía,Fernández Ruiz,Lucia.Fernandez@correo.test,yes,,Calle de Atocha 27,3º izq.,Madrid,M,ES,28012,+34 612 345 678,+34612345678,no,412.60,5,,no,vip\n"
        try bench.drop("shopify-customers", "customers_export (1).csv", header + row)
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        #expect(!bench.exists("outbox/customers") || bench.files("outbox/customers").isEmpty)
        let held = try #require(bench.files("quarantine/shopify-customers").first { $0.hasSuffix(".error.txt") })
        #expect(try bench.read("quarantine/shopify-customers/" + held).contains("would remove 1 of the 2 customers known (50%)"))

        // The merchant really did delete Jordi: with the limit raised, the same export is one upsert and one deletion.
        let mapping = try bench.read("mappings/shopify-customers.yaml")
        try bench.write("mappings/shopify-customers.yaml", mapping.replacingOccurrences(of: "max_removed_share: 20%", with: "max_removed_share: 100%"))
        try bench.drop("shopify-customers", "customers_export (2).csv", header + row)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let changes = try bench.ndjson("outbox/customers")
        #expect(changes.count == 2)
        let upsert = try #require(changes.first { $0["kind"] as? String == "customer_upsert" }?["customer"] as? [String: Any])
        #expect(upsert["key"] as? String == "lucia.fernandez@correo.test" && upsert["tags"] as? [String] == ["vip"])
        #expect(changes.contains { $0["kind"] as? String == "customer_delete" && $0["key"] as? String == "jordi.puig@botiga.test" })
    }
}
