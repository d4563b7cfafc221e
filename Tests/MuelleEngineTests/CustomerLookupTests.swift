import Foundation
import Testing

/// A customers feed is reference data as well as a feed: an order mapping looks its buyer up by the
/// feed's customer key (here the email), and an order whose buyer the feed has not brought yet waits.
@Suite(.serialized) struct CustomerLookupTests {
    /// Marketplace orders that carry only the buyer's email; the company and tax id come from the shop's
    /// customers export.
    static let ordersMapping = """
    route: { kind: orders, platform: market, account: main, product_key: sku }
    reader: { format: json }
    fields:
      external_id: { string: id }
      created_at: { datetime: created }
      status: { const: ready_to_ship }
      currency: { const: EUR }
      customer:
        email: { lower: email }
        name: { lookup: { lower: email }, in: shopify-customers, field: name }
        tax_id: { lookup: { lower: email }, in: shopify-customers, field: company }
      lines:
        each: items
        fields:
          sku: sku
          quantity: { integer: qty }
          unit_price: { decimal: price }
    """

    static let order = """
    [{"id": 501, "created": "2026-11-03T10:00:00+01:00", "email": "Jordi.Puig@botiga.test",
      "items": [{"sku": "TEE-M", "qty": 1, "price": "19.90"}]}]
    """

    func bench() throws -> Workbench {
        let bench = try Workbench(mappings: ["shopify-customers"])
        try bench.write("mappings/market-orders.yaml", Self.ordersMapping)
        return bench
    }

    @Test func anOrderReadsItsBuyerFromTheCustomersFeedWhicheverArrivesFirst() throws {
        let bench = try bench()
        defer { bench.remove() }
        #expect(try bench.muelle(["check"]).status == 0)
        try bench.drop("market-orders", "orders.json", Self.order)
        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("held 1"), "the order waits for its buyer: \(first.stderr)")
        #expect(try bench.orders().isEmpty)

        try bench.dropExample("shopify-customers", "customers_export.csv")
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        let order = try #require(try bench.orders().first)
        let customer = order["customer"] as? [String: Any] ?? [:]
        #expect(customer["name"] as? String == "Jordi Puig")
        #expect(customer["tax_id"] as? String == "Puig i Fills SL")
    }

    @Test func aLookupIntoAFieldTheFeedDoesNotKeepIsACheckError() throws {
        let bench = try bench()
        defer { bench.remove() }
        try bench.write("mappings/market-orders.yaml", Self.ordersMapping.replacingOccurrences(of: "field: company", with: "field: vat_number"))
        let check = try bench.muelle(["check"])
        #expect(check.status == 2)
        #expect(check.stdout.contains("keeps no field 'vat_number'"), "\(check.stdout)")
    }
}
