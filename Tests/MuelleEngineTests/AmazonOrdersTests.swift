import Foundation
import Testing

/// Amazon's order report through the real binary: a tab-separated flat file with no quoting at all.
@Suite(.serialized) struct AmazonOrdersTests {
    static let report = "44712018830.txt"

    @Test func aProductNameStartingWithAQuoteImportsWithItsNameIntact() throws {
        let bench = try Workbench(mappings: ["amazon-orders"])
        defer { bench.remove() }
        try bench.dropExample("amazon-orders", Self.report)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let orders = try bench.orders()
        #expect(orders.compactMap { $0["id"] as? String }.sorted() == ["amazon:es:403-0098125-3378712", "amazon:es:407-5531024-8830711"],
                "the seller-fulfilled orders to ship; Amazon-fulfilled, pending and cancelled ones are filtered")
        let order = try #require(orders.first { $0["external_id"] as? String == "407-5531024-8830711" })
        let lines = try #require(order["lines"] as? [[String: Any]])
        #expect(lines.map { $0["title"] as? String } == ["\"Moka Express\" cafetera italiana 6 tazas - aluminio", "Bandeja de servir 14\" bambú natural"])
        #expect(lines.map { $0["unit_price"] as? String } == ["19.90", "24.95"], "item-price is the row's total: 39.80 for 2")
        #expect(lines.map { $0["total"] as? String } == ["39.80", "24.95"])
        #expect(order["customer"] is NSNull, "the report has no buyer")

        let partly = try #require(orders.first { $0["external_id"] as? String == "403-0098125-3378712" })
        #expect((partly["lines"] as? [[String: Any]])?.map { $0["sku"] as? String } == ["LECH-350"], "only the item still to ship")

        let reportName = try #require(bench.files("outbox/reports").first)
        let report = try bench.report(reportName)
        #expect((report["counts"] as? [String: Any])?["filtered"] as? Int == 3, "\(report)")
    }

    @Test func anOrderWhoseRowsAreApartIsNeverTwoPartialOrders() throws {
        let bench = try Workbench(mappings: ["amazon-orders"])
        defer { bench.remove() }
        let text = try String(contentsOfFile: Workbench.repository + "/examples/inbox/amazon-orders/\(Self.report)", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The second row of order 407-5531024-8830711 moved to the end of the report.
        lines.append(lines.remove(at: 2))
        lines.removeAll { $0.isEmpty }
        try bench.drop("amazon-orders", "split.txt", lines.joined(separator: "\n") + "\n")

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(bench.files("outbox/orders").isEmpty, "nothing of the file is emitted")
        let quarantined = bench.files("quarantine/amazon-orders")
        let original = try #require(quarantined.first { $0.hasSuffix("-split.txt") })
        let readable = try bench.read("quarantine/amazon-orders/\(original).error.txt")
        #expect(readable.contains("line 8, field \"amazon-order-id\": \"407-5531024-8830711\" appeared earlier in this file"), "\(readable)")
    }
}
