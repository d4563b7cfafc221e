import Foundation
import Testing

/// The print batch of a large input comes out as print jobs of the route's `labels_per_print_job`:
/// each a PDF a printer takes (pages, barcodes a scanner reads), every label in exactly one of them.
@Suite(.serialized) struct PrintJobTests {
    @Test func aLargeBatchIsSplitIntoPrintJobsOfTheConfiguredSize() throws {
        let bench = try ShippingTests.shippingBench()
        defer { bench.remove() }
        let mapping = try bench.read("mappings/shopify-orders.yaml")
        try bench.write("mappings/shopify-orders.yaml", mapping.replacingOccurrences(of: "  box_cm: 30x20x10\n", with: "  box_cm: 30x20x10\n  labels_per_print_job: 4\n"))
        let orders = 10
        let rows = (0..<orders).map { RejectionTests.shopifyRow("#\(6000 + $0)") }.joined()
        try bench.drop("shopify-orders", "large.csv", RejectionTests.shopifyHeader + rows)
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let numbers = try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String }
        #expect(numbers.count == orders)
        let jobs = bench.files("outbox/labels").filter { $0.hasPrefix("batch-") }.sorted()
        #expect(jobs.count == 3, "10 labels in jobs of 4: 4 + 4 + 2, got \(jobs)")
        #expect(jobs.map { $0.hasSuffix("-001.pdf") || $0.hasSuffix("-002.pdf") || $0.hasSuffix("-003.pdf") } == [true, true, true])
        var printed: [String] = []
        for (index, job) in jobs.enumerated() {
            let path = bench.root + "/outbox/labels/" + job
            #expect(try ShippingTests.tool("pdfinfo", [path]).contains("Pages:           \(index < 2 ? 4 : 2)"), "\(job) is a whole PDF")
            let prefix = bench.root + "/job\(index + 1)"
            _ = try ShippingTests.tool("pdftoppm", ["-r", "203", "-png", path, prefix])
            let pages = bench.files("").filter { $0.hasPrefix("job\(index + 1)-") && $0.hasSuffix(".png") }.sorted()
            for page in pages {
                let decoded = try ShippingTests.tool("zbarimg", ["--raw", "-q", bench.root + "/" + page]).split(separator: "\n").map(String.init)
                printed += decoded.filter { !$0.hasPrefix("http") }
            }
        }
        #expect(printed.sorted() == numbers.sorted(), "every label in exactly one print job")
        #expect(bench.files("outbox/labels").filter { $0.hasPrefix("shopify_main_") }.count == orders)
    }
}
