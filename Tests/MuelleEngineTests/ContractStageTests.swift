import Foundation
import MuelleCore
import MuelleMapping
import Testing
@testable import MuelleEngine

/// The order contract (and for JSON and XML, `fields:` too) runs on the staging thread (`ContractStage` behind
/// `StagingPipe`) while the reading thread reads the next records. What a file's report says must not depend on that: the same orders staged
/// byte for byte, the same counts, the rejections listed in the file's order whichever thread rejected them,
/// and the same filter and import-rule tally.
@Suite struct ContractStageTests {
    /// A Shopify export of `orders` orders where paid ones are kept, authorized ones are refused by the import
    /// rules, pending ones are filtered, every 7th has a currency the contract rejects and every 11th a price
    /// `fields:` cannot read.
    static func export(orders: Int) -> String {
        let header = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,"
            + "Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
            + "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,"
            + "Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
            + "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,"
            + "Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Id,Tags,Risk Level,Source,Lineitem discount,"
            + "Tax 1 Name,Tax 1 Value,Phone,Receipt Number"
        var text = "\u{FEFF}" + header + "\r\n"
        for n in 0 ..< orders {
            let status = n % 5 == 3 ? "authorized" : n % 5 == 4 ? "pending" : "paid"
            let currency = n % 7 == 6 ? "EURO" : "EUR"
            let price = n % 11 == 10 ? "diecinueve" : "19.90"
            text += "#\(10_000 + n),ana\(n)@example.com,\(status),2026-11-02 09:15:22 +0100,,,no,\(currency),34.80,4.90,6.89,39.70,,0.00,Standard,"
                + "2026-11-02 09:15:22 +0100,1,Camiseta - Azul / M,\(price),,TSH-AZ-M,true,true,pending,Ana Pérez,\"Calle de Alcalá, 48\","
                + "\"Calle de Alcalá, 48\",,,Madrid,28014,,ES,+34 600 111 222,Ana Pérez,\"Calle de Alcalá, 48\",\"Calle de Alcalá, 48\",3º izq.,,"
                + "Madrid,'28014,M,ES,+34 600 111 222,,,,Shopify Payments,,0.00,,5001,,Low,web,0.00,IVA 21%,6.89,,\r\n"
            text += "#\(10_000 + n),,,,,,,,,,,,,,,,1,Gorra de lana,14.90,,CAP-LANA,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0.00,,,,\r\n"
        }
        return text
    }

    static func mapping() throws -> RouteMapping {
        var yaml = try String(contentsOfFile: Workbench.repository + "/bench/mappings/shopify-orders-import.yaml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "- { equals: Financial Status, value: paid }", with: "- { in: Financial Status, values: [paid, authorized] }")
        yaml += "\nimport:\n  exclude_statuses: [on_hold]\n"
        return try MappingLoader.compile(yaml: yaml, route: "shopify-orders", file: "mappings/shopify-orders.yaml")
    }

    private struct Staging {
        var orders: Data
        var index: Data
        var summary: MappingSummary
    }

    private func stage(_ mapping: RouteMapping, _ input: String, placement: ContractPlacement) throws -> Staging {
        let folder = FileManager.default.temporaryDirectory.path + "/muelle-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let staged = try StagedOrders(directory: folder)
        let pipe = StagingPipe(staged: staged, contract: ContractStage(mapping: mapping, typed: true))
        var summary = FileMapper(mapping: mapping).run(path: input, fileName: "orders_export.csv", sha256: "0123abcd",
                                                       contract: placement) { item in
            try pipe.append(item)
        }
        try pipe.finish()
        summary.absorb(pipe.contract.summary, rejectionMarks: pipe.contract.rejectionMarks, ruleMarks: pipe.contract.ruleMarks)
        try staged.sync()
        return Staging(orders: try Data(contentsOf: URL(fileURLWithPath: staged.ordersPath)),
                       index: try Data(contentsOf: URL(fileURLWithPath: staged.indexPath)), summary: summary)
    }

    @Test func aFileSaysTheSameWhicheverThreadRunsTheContract() throws {
        let input = FileManager.default.temporaryDirectory.path + "/muelle-contract-\(UUID().uuidString).csv"
        // Past the pipe's threshold, so the staging thread runs the contract for most of the file.
        let orders = StagingPipe.threadAfter * 3
        try Self.export(orders: orders).write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let mapping = try Self.mapping()

        let inline = try stage(mapping, input, placement: .inline(typed: true))
        var alternate = false
        let contractOnly = ContractPlacement.balanced { false }, fieldsToo = ContractPlacement.balanced { true }
        let everyOther = ContractPlacement.balanced {
            alternate.toggle()
            return alternate
        }
        for (name, placement) in [("the contract there", contractOnly), ("fields: there too", fieldsToo), ("alternating", everyOther)] {
            let deferred = try stage(mapping, input, placement: placement)
            #expect(deferred.orders == inline.orders, "\(name)")
            #expect(deferred.index == inline.index, "\(name)")
            #expect(deferred.summary.kept == inline.summary.kept, "\(name)")
            #expect(deferred.summary.filtered == inline.summary.filtered, "\(name)")
            #expect(deferred.summary.rejectedCount == inline.summary.rejectedCount, "\(name)")
            #expect(deferred.summary.errors.map(\.description) == inline.summary.errors.map(\.description), "\(name)")
            #expect(deferred.summary.filteredBy == inline.summary.filteredBy, "\(name)")
            #expect(deferred.summary.rounded == inline.summary.rounded, "\(name)")
        }

        // The comparison means something: both kinds of rejection, interleaved, and both kinds of turning away.
        #expect(Set(inline.summary.rejections.map { $0.position.field ?? "" }).isSuperset(of: ["currency", "Lineitem price"]),
                "\(Set(inline.summary.rejections.map { $0.position.field ?? "" }))")
        #expect(inline.summary.filteredBy.entries.count == 2, "\(inline.summary.filteredBy.description)")
        #expect(inline.summary.kept > StagingPipe.threadAfter)
    }
}
