import Foundation
import Testing

/// Hostile values through the real binary (issue 10 item 11): a huge value is quoted by a bounded prefix in
/// the log, the error file and the report; an amount too precise to hold is refused, not rounded; a column
/// the mapping reads that the header names twice quarantines the file naming both; a year before 1000 is
/// imported in four digits.
@Suite(.serialized) struct HostileValueTests {
    static let header = RejectionTests.shopifyHeader

    @Test func aHugeValueIsQuotedByABoundedPrefixInLogErrorFileAndReport() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let huge = String(repeating: "7", count: 1_000_000) + "x"
        try bench.drop("shopify-orders", "huge.csv", Self.header + RejectionTests.shopifyRow("#1", price: huge))
        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 1)
        let longest = (result.stdout + "\n" + result.stderr).split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 2_000, "a log line of \(longest) bytes")
        let quoted = "\"" + String(repeating: "7", count: 80) + "…\" (1000001 bytes)"
        #expect(result.stdout.contains(quoted) || result.stderr.contains(quoted))

        let errorFile = try #require(bench.files("quarantine/shopify-orders").first { $0.hasSuffix(".error.txt") })
        let readable = try bench.read("quarantine/shopify-orders/\(errorFile)")
        #expect(readable.utf8.count < 4_000 && readable.contains(quoted), "\(readable.utf8.count) bytes")
        let reportName = try #require(bench.files("outbox/reports").first { (try? bench.report($0)["file"] as? String) == "huge.csv" })
        let reportSize = try #require(try FileManager.default.attributesOfItem(atPath: bench.root + "/outbox/reports/" + reportName)[.size] as? Int)
        #expect(reportSize < 8_000, "a report of \(reportSize) bytes")
    }

    @Test func anAmountWithMoreThan38DigitsIsRefusedNotRounded() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let price = "1234567890123456789012345678901234567890.99"
        try bench.drop("shopify-orders", "precise.csv", Self.header + RejectionTests.shopifyRow("#1", price: price))
        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 1)
        #expect(try bench.orders().isEmpty, "nothing rounded was imported")
        let errorFile = try #require(bench.files("quarantine/shopify-orders").first { $0.hasSuffix(".error.txt") })
        let readable = try bench.read("quarantine/shopify-orders/\(errorFile)")
        #expect(readable.contains("record 1, line 2") && readable.contains("Lineitem price"), "\(readable)")
        #expect(readable.contains("has 42 significant digits, more than the 38 muelle holds exactly"), "\(readable)")
    }

    @Test func aColumnTheMappingReadsTwiceInTheHeaderQuarantinesTheFileNamingBoth() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        // The export gained a second "Lineitem price" at the end: which one is the price?
        let header = Self.header.replacingOccurrences(of: "\r\n", with: ",Lineitem price\r\n")
        try bench.drop("shopify-orders", "twice.csv", header + RejectionTests.shopifyRow("#1"))
        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 1)
        #expect(try bench.orders().isEmpty)
        let errorFile = try #require(bench.files("quarantine/shopify-orders").first { $0.hasSuffix(".error.txt") })
        let readable = try bench.read("quarantine/shopify-orders/\(errorFile)")
        #expect(readable.contains("2 columns named \"Lineitem price\" (columns 14 and 29)"), "\(readable)")
        #expect(readable.contains("mappings/shopify-orders.yaml:"), "\(readable)")
    }

    @Test func aYearBefore1000IsImportedInFourDigits() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.drop("shopify-orders", "old.csv", Self.header + RejectionTests.shopifyRow("#1", created: "0999-11-02 09:15:22 +0100"))
        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let order = try #require(try bench.orders().first)
        #expect(order["created_at"] as? String == "0999-11-02T09:15:22+01:00")
    }
}
