import Foundation
import Testing

/// Bad input gets a clear error naming file, record, line/column and field; the file is
/// quarantined beside a readable report; nothing else stops flowing; nothing is lost.
@Suite(.serialized) struct RejectionTests {
    static let shopifyHeader = "Name,Email,Financial Status,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Shipping Name,Shipping Address1,Shipping City,Shipping Zip,Shipping Country,Cancelled at,"
        // The export's other columns the mapping reads, empty (rows shorter than the header are padded).
        + "Billing Name,Billing Phone,Phone,Shipping Company,Shipping Address2,Shipping Province,Shipping Phone\r\n"

    static func shopifyRow(_ name: String, price: String = "19.90", created: String = "2026-11-02 09:15:22 +0100", sku: String = "TSH-1", first: Bool = true) -> String {
        first
            ? "\(name),a@example.com,paid,,EUR,19.90,4.90,0.00,24.80,0.00,\(created),1,Camiseta,\(price),\(sku),Ana Pérez,\"Calle Mayor, 1\",Madrid,28013,ES,\r\n"
            : "\(name),,,,,,,,,,,1,Camiseta,\(price),\(sku),,,,,,\r\n"
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let route: String
        let file: String
        let contents: String
        /// Substrings the report's first error must contain (message and position).
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "bad number", route: "shopify-orders", file: "bad-price.csv",
             contents: shopifyHeader + shopifyRow("#1", price: "19.90") + shopifyRow("#2", price: "\"12,5x\""),
             expected: ["bad-price.csv: record 2, line 3", "field \"Lineitem price\"", "\"12,5x\" is not a decimal number"]),
        Case(name: "bad date", route: "shopify-orders", file: "bad-date.csv",
             contents: shopifyHeader + shopifyRow("#1", created: "2026-13-45 09:15:22 +0100"),
             expected: ["record 1, line 2", "field \"Created at\"", "is not a date/time"]),
        Case(name: "missing required field", route: "shopify-orders", file: "no-sku.csv",
             contents: shopifyHeader + shopifyRow("#1", sku: ""),
             expected: ["record 1, line 2", "lines[1].sku", "has no value, but sku is this route's product key"]),
        Case(name: "malformed CSV quote", route: "shopify-orders", file: "broken-quote.csv",
             contents: shopifyHeader + shopifyRow("#1") + "#2,a@example.com,paid,,EUR,\"19.90\"x,4.90\r\n",
             expected: ["broken-quote.csv", "line 3"]),
        Case(name: "malformed JSON", route: "mercadolibre-orders", file: "cut.json",
             contents: "{\"results\": [\n  {\"id\": 1, \"status\": \"paid\",\n   \"x\": tru }\n]}",
             expected: ["cut.json", "line 3"]),
        Case(name: "invalid XML", route: "cdiscount-orders", file: "mismatch.xml",
             contents: "<OrderList>\n<Order><OrderNumber>1</OrderNumber>\n<OrderState>X</Order>\n</OrderList>",
             expected: ["mismatch.xml", "line 3"]),
        Case(name: "XXE attempt", route: "cdiscount-orders", file: "xxe.xml",
             contents: "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<OrderList><Order><OrderNumber>&x;</OrderNumber></Order></OrderList>",
             expected: ["xxe.xml", "DTD"]),
    ]

    @Test(arguments: cases) func badFileIsQuarantinedWithAPreciseReport(_ c: Case) throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.drop(c.route, c.file, c.contents)
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json", as: "good.json")

        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 1, "a rejected input makes `run --once` exit 1")

        // Everything else kept flowing.
        #expect(try bench.orders().allSatisfy { ($0["id"] as? String)?.hasPrefix("mercadolibre:") == true })
        #expect(try bench.orders().count == 2)
        // Nothing of the bad file was emitted, and the file is not lost.
        #expect(bench.files("inbox/\(c.route)").isEmpty)
        let quarantined = bench.files("quarantine/\(c.route)")
        let original = try #require(quarantined.first { $0.hasSuffix("-" + c.file) })
        #expect(quarantined.contains(original + ".error.txt"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: bench.root + "/quarantine/\(c.route)/" + original)) == Data(c.contents.utf8))

        let reportName = try #require(bench.files("outbox/reports").first { (try? bench.report($0)["file"] as? String) == c.file })
        let report = try bench.report(reportName)
        #expect(report["state"] as? String == "rejected")
        let firstError = try #require((report["errors"] as? [[String: Any]])?.first)
        let text = try #require(firstError["text"] as? String)
        for fragment in c.expected { #expect(text.contains(fragment), "\(text) should mention \(fragment)") }
        let readable = try bench.read("quarantine/\(c.route)/\(original).error.txt")
        #expect(readable.contains(c.expected[0]))
        #expect(!readable.contains("root:x:0:0"), "no external entity may be read")
    }

    @Test func skipRecordPolicyEmitsTheGoodRecordsAndListsTheBadOnes() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let mapping = try bench.read("mappings/shopify-orders.yaml").replacingOccurrences(of: "on_error: reject_file", with: "on_error: skip_record")
        try bench.write("mappings/shopify-orders.yaml", mapping)
        try bench.drop("shopify-orders", "mixed.csv", Self.shopifyHeader + Self.shopifyRow("#1") + Self.shopifyRow("#2", price: "abc") + Self.shopifyRow("#3"))

        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 0)
        #expect(Set(try bench.orders().compactMap { $0["external_id"] as? String }) == ["1", "3"])
        let report = try bench.report(try #require(bench.files("outbox/reports").first))
        #expect((report["counts"] as? [String: Any])?["rejected"] as? Int == 1)
        let error = try #require((report["errors"] as? [[String: Any]])?.first)
        #expect(error["line"] as? Int == 3)
        #expect(error["field"] as? String == "Lineitem price")
    }

    /// A status the table does not know rejects the record, naming the value and the table's line:
    /// it never falls through to a wrong status. Once the table learns it, `replay` imports the file.
    @Test func unknownStatusIsRejectedThenReplayedAfterTheTableIsFixed() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        // This merchant also imports orders in mediation, but the status table has no line for them yet.
        var mapping = try bench.read("mappings/mercadolibre-orders.yaml")
            .replacingOccurrences(of: "    - { equals: status, value: paid }", with: "    - { in: status, values: [paid, in_mediation] }")
        try bench.write("mappings/mercadolibre-orders.yaml", mapping)
        let body = #"{"results":[{"id":7,"status":"in_mediation","date_created":"2026-11-01T10:01:50.000-05:00","currency_id":"COP","order_items":[{"item":{"seller_sku":"A"},"quantity":1,"unit_price":5}],"total_amount":5,"buyer":{},"tags":[]}]}"#
        try bench.drop("mercadolibre-orders", "m.json", body)
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        let quarantined = try #require(bench.files("quarantine/mercadolibre-orders").first { $0.hasSuffix("m.json") })
        let readable = try bench.read("quarantine/mercadolibre-orders/\(quarantined).error.txt")
        #expect(readable.contains("m.json: record 1"))
        #expect(readable.contains("the value \"in_mediation\" is not in the table at mappings/mercadolibre-orders.yaml:"))
        #expect(try bench.orders().isEmpty)

        mapping = mapping.replacingOccurrences(of: "      cancelled: cancelled\n      invalid: cancelled", with: "      cancelled: cancelled\n      invalid: cancelled\n      in_mediation: on_hold")
            .replacingOccurrences(of: "      cancelled: voided\n      invalid: failed", with: "      cancelled: voided\n      invalid: failed\n      in_mediation: paid")
        try bench.write("mappings/mercadolibre-orders.yaml", mapping)

        let replay = try bench.muelle(["replay", "quarantine/mercadolibre-orders/" + quarantined])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try bench.orders().map { $0["status"] as? String } == ["on_hold"])
        #expect(bench.files("quarantine/mercadolibre-orders").isEmpty)
        #expect(bench.files("archive/mercadolibre-orders").count == 1)
    }

    @Test func configurationErrorsExitTwoAndCheckListsThemAll() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.write("mappings/broken.yaml", """
            route: { kind: orders, platform: x, account: main }
            reader: { format: csv }
            fields:
              external_id: { uper: Name }
              currency: { decimal: X, decimal_separator: ",,"}
            """)
        let check = try bench.muelle(["check"])
        #expect(check.status == 2)
        #expect(check.stdout.contains("mappings/broken.yaml:4:18: error: unknown function 'uper'"))
        #expect(check.stdout.contains("mappings/broken.yaml:5:"))
        #expect(try bench.muelle(["run", "--once"]).status == 2)
    }
}
