import Foundation
import Testing

/// A mapping is bound to each file it reads: a column or filter path the file lacks refuses the file,
/// naming it; records the filter turns away are explained; `check` knows what each contract requires.
@Suite(.serialized) struct MappingBindingTests {
    static func example(_ route: String, _ name: String) throws -> String {
        try String(contentsOfFile: Workbench.repository + "/examples/inbox/\(route)/\(name)", encoding: .utf8)
    }

    /// The header of a Shopify export with its columns renamed (the rows stay as they are).
    static func shopifyExport(renaming renames: [String: String]) throws -> String {
        let text = try example("shopify-orders", "orders_export_1.csv")
        let end = try #require(text.firstIndex(of: "\n"))
        var header = String(text[..<end])
        for (old, new) in renames { header = header.replacingOccurrences(of: ",\(old),", with: ",\(new),") }
        return header + text[end...]
    }

    @Test func aRenamedColumnQuarantinesTheExportNamingItTheMappingLineAndTheRealHeader() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let export = try Self.shopifyExport(renaming: ["Financial Status": "Financial status", "Lineitem sku": "Lineitem SKU"])
        try bench.drop("shopify-orders", "orders_export_1.csv", export)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1, "a refused file makes `run --once` exit 1: \(run.stderr)")
        #expect(bench.files("outbox/orders").isEmpty, "nothing of the file is emitted")
        let quarantined = bench.files("quarantine/shopify-orders")
        let original = try #require(quarantined.first { $0.hasSuffix("-orders_export_1.csv") })
        let readable = try bench.read("quarantine/shopify-orders/\(original).error.txt")
        #expect(readable.contains("orders_export_1.csv: line 1, field \"Financial Status\": the file's header has no such column, but mappings/shopify-orders.yaml:33:17 reads it (filter;"))
        #expect(readable.contains("did you mean \"Financial status\"?"))
        #expect(readable.contains("field \"Lineitem sku\""), "every missing column is listed, not only the first")
        #expect(readable.contains("did you mean \"Lineitem SKU\"?"))

        let reportName = try #require(bench.files("outbox/reports").first)
        let errors = try #require(try bench.report(reportName)["errors"] as? [[String: Any]])
        #expect(errors.map { $0["code"] as? String } == ["missing_column", "missing_column"])
        #expect(errors.map { $0["field"] as? String } == ["Financial Status", "Lineitem sku"])
        #expect(errors.first?["line"] as? Int == 1)
    }

    @Test func aColumnTheMappingMarksOptionalMayBeAbsent() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let mapping = try bench.read("mappings/shopify-orders.yaml")
            .replacingOccurrences(of: "discount: { decimal: Discount Amount }", with: "discount: { optional: { decimal: Discount Amount } }")
        try bench.write("mappings/shopify-orders.yaml", mapping)
        try bench.drop("shopify-orders", "orders_export_1.csv", try Self.shopifyExport(renaming: ["Discount Amount": "Discount"]))

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let orders = try bench.orders()
        #expect(orders.compactMap { $0["external_id"] as? String }.sorted() == ["1050", "1052"])
        #expect(orders.allSatisfy { ($0["totals"] as? [String: Any])?["discount"] as? String == "0.00" })
    }

    @Test func aJSONPageWhoseRecordsLackTheFilterPathIsQuarantinedNamingIt() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        // The page's own "status" of each order is spelled differently; nested payment statuses are not.
        let page = try Self.example("mercadolibre-orders", "orders_search_2026-11-03.json")
            .replacingOccurrences(of: "\n      \"status\": ", with: "\n      \"Status\": ")
        try bench.drop("mercadolibre-orders", "orders_search_2026-11-03.json", page)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(bench.files("outbox/orders").isEmpty)
        let original = try #require(bench.files("quarantine/mercadolibre-orders").first { $0.hasSuffix(".json") })
        let readable = try bench.read("quarantine/mercadolibre-orders/\(original).error.txt")
        #expect(readable.contains("orders_search_2026-11-03.json: field \"status\": no record of the file has this field, but mappings/mercadolibre-orders.yaml:18:17 reads it (filter), so the filter would turn every record away; did you mean \"Status\"?"), "\(readable)")
    }

    @Test func aFileWhoseOrdersAreAllFilteredSaysWhichClauseTurnedThemAway() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        // Nothing is paid yet: a legitimate reason to import nothing, which the report must give.
        let export = try Self.example("shopify-orders", "orders_export_1.csv").replacingOccurrences(of: ",paid,", with: ",pending,")
        try bench.drop("shopify-orders", "orders_export_1.csv", export)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try bench.orders().isEmpty)
        #expect(run.stderr.contains("the filter turned every record away"))
        #expect(run.stderr.contains("filtered_by=5 by mappings/shopify-orders.yaml:33:7 { equals: Financial Status, value: paid } (e.g. \"pending\")"), "\(run.stderr)")
        let reportName = try #require(bench.files("outbox/reports").first)
        let report = try bench.report(reportName)
        #expect((report["counts"] as? [String: Any])?["filtered"] as? Int == 5)
        let why = try #require((report["filtered_by"] as? [[String: Any]])?.first)
        #expect(why["rule"] as? String == "{ equals: Financial Status, value: paid }")
        #expect(why["mapping"] as? String == "mappings/shopify-orders.yaml:33:7")
        #expect(why["count"] as? Int == 5)
        #expect(why["example"] as? String == "pending")
    }

    @Test func checkNamesEveryMissingRequiredFieldOfEveryRoute() throws {
        let bench = try Workbench(mappings: ["shopify-orders", "coordinadora-tracking", "mercadolibre-orders"])
        defer { bench.remove() }
        let orders = try bench.read("mappings/shopify-orders.yaml")
        try bench.write("mappings/shopify-orders.yaml", orders.replacingOccurrences(of: "  currency: Currency\n", with: ""))
        let events = try bench.read("mappings/coordinadora-tracking.yaml")
        try bench.write("mappings/coordinadora-tracking.yaml", events.replacingOccurrences(of: "  occurred_at: { datetime: fecha_hora, format: \"yyyy-MM-dd HH:mm:ss\" }\n", with: ""))

        let check = try bench.muelle(["check"])
        #expect(check.status == 2)
        // At the `fields:` object of each mapping (the line after `fields:`, where its first field is).
        #expect(check.stdout.contains("mappings/shopify-orders.yaml:38:3: error: an order needs 'currency', but the mapping produces no value for it"), "\(check.stdout)")
        #expect(check.stdout.contains("mappings/coordinadora-tracking.yaml:14:3: error: an order event needs 'occurred_at', but the mapping produces no value for it"), "\(check.stdout)")
        #expect(check.stdout.contains("ok  mappings/mercadolibre-orders.yaml"), "the healthy route is checked too")
        #expect(!check.stdout.contains("ok  mappings/shopify-orders.yaml"))
    }
}
