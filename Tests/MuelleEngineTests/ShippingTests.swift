import Foundation
import MuelleLedger
import Testing

/// Shipping through the pipeline: each imported order of a shipping route gets one shipment request,
/// one label PDF (decoded back with zbarimg), one tracking update — once, across restarts and kills.
@Suite(.serialized) struct ShippingTests {
    static func shippingBench() throws -> Workbench {
        try Workbench(mappings: ["shopify-orders"])
    }

    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + name)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func importedOrdersGetOneShipmentLabelAndTrackingUpdate() throws {
        let bench = try Self.shippingBench()
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let requests = try bench.ndjson("outbox/shipments")
        #expect(Set(requests.compactMap { $0["reference"] as? String }) == ["shopify:main:1050", "shopify:main:1052"])
        let german = try #require(requests.first { $0["reference"] as? String == "shopify:main:1052" })
        #expect((german["service"] as? [String: Any])?["code"] as? String == "express", "the rule for DE picks express")
        let updates = try bench.ndjson("outbox/tracking")
        #expect(updates.count == 2)
        let update = try #require(updates.first { $0["order_id"] as? String == "shopify:main:1052" })
        let number = try #require(update["tracking_number"] as? String)
        #expect(update["tracking_url"] as? String == "https://track.eu-parcel.example/parcel?number=\(number)")
        #expect(update["carrier"] as? String == "EU Parcel Express")

        let label = bench.root + "/outbox/labels/shopify_main_1052.pdf"
        #expect(try Self.tool("pdfinfo", [label]).contains("Page size:       297.638 x 419.528 pts"), "A6")
        let text = try Self.tool("pdftotext", [label, "-"])
        for fragment in ["Müller, Jürgen", "Bäckerei Müller GmbH", "Königstraße 5", "1/1", number, "shopify:main:1052"] {
            #expect(text.contains(fragment), "label text lacks \(fragment)")
        }
        let png = bench.root + "/label"
        _ = try Self.tool("pdftoppm", ["-r", "203", "-png", label, png])
        let decoded = try Self.tool("zbarimg", ["--raw", "-q", png + "-1.png"])
        #expect(decoded.contains(number))
        #expect(decoded.contains("https://track.eu-parcel.example/parcel?number=\(number)"))
        let batch = try #require(bench.files("outbox/labels").first { $0.hasPrefix("batch-") })
        #expect(try Self.tool("pdfinfo", [bench.root + "/outbox/labels/" + batch]).contains("Pages:           2"))

        // The same orders again (a new export, other bytes): no second shipment.
        let export = try String(contentsOfFile: Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        try bench.drop("shopify-orders", "again.csv", export + "\r\n")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(try bench.ndjson("outbox/shipments").count == 2)
        #expect(try bench.muelle(["labels", "get", number]).stdout.hasSuffix("outbox/labels/shopify_main_1052.pdf\n"))
    }

    @Test(arguments: [0.3, 0.7])
    func shipmentsAndLabelsAreMadeOnceAcrossSigkill(_ fraction: Double) throws {
        let bench = try Self.shippingBench()
        defer { bench.remove() }
        let header = RejectionTests.shopifyHeader
        // Enough files for several groups (a group takes up to FileProcessor.groupLimit files at once), so the kill
        // lands between groups' commits rather than after the last one.
        let files = 240
        for i in 0..<files {
            try bench.drop("shopify-orders", String(format: "order-%03d.csv", i), header + RejectionTests.shopifyRow("#\(9000 + i)"))
        }
        let process = bench.start(["run", "--quiet-ms", "20", "--concurrency", "1"])
        try process.run()
        let threshold = Int(Double(files) * fraction)
        #expect(Workbench.eventually(within: 60) { bench.files("archive/shopify-orders").count >= threshold })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(bench.files("archive/shopify-orders").count < files, "the kill must land mid-batch")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let requests = try bench.ndjson("outbox/shipments").compactMap { $0["reference"] as? String }
        #expect(requests.count == files)
        #expect(Set(requests).count == files, "one shipment per order")
        let numbers = try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String }
        #expect(numbers.count == files && Set(numbers).count == files, "every tracking number once")
        #expect(bench.files("outbox/labels").filter { $0.hasPrefix("shopify_main_") && $0.hasSuffix(".pdf") }.count == files)
        #expect(bench.files("outbox/labels").allSatisfy { !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") })
        let ledger = try Ledger.open(path: bench.root + "/.muelle/ledger.sqlite")
        for number in numbers { #expect(try ledger.shipment(key: number) != nil) }
    }

    @Test func manifestsCloseOnceVoidsAreReportedAndNumbersNeverReused() throws {
        let bench = try Self.shippingBench()
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let before = Set(try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String })

        let void = try bench.muelle(["shipments", "void", "shopify:main:1050"])
        #expect(void.status == 0)
        let voided = try bench.ndjson("outbox/tracking").filter { $0["status"] as? String == "voided" }
        #expect(voided.first?["order_id"] as? String == "shopify:main:1050")

        let day = "2099-12-31"
        let first = try bench.muelle(["manifest", "close", "--date", day])
        #expect(first.status == 0)
        #expect(first.stdout.contains("1 parcel(s)"), "the voided shipment is not handed over")
        let csv = try bench.read("outbox/manifests/eu-parcel-B2C_Spain-\(day)-1.csv")
        #expect(csv.contains("shopify:main:1052") && !csv.contains("shopify:main:1050"))
        let pdf = try Self.tool("pdftotext", [bench.root + "/outbox/manifests/eu-parcel-B2C_Spain-\(day)-1.pdf", "-"])
        #expect(pdf.contains("Müller, Jürgen"))
        #expect(try bench.muelle(["manifest", "close", "--date", day]).stdout.contains("nothing to close"))
        #expect(try bench.muelle(["shipments", "void", "shopify:main:1052"]).status == 1, "handed over: cannot be voided")

        // A new order after closing: a new tracking number, on the next manifest.
        try bench.drop("shopify-orders", "late.csv", RejectionTests.shopifyHeader + RejectionTests.shopifyRow("#2222"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let late = try #require(try bench.ndjson("outbox/tracking").first { $0["order_id"] as? String == "shopify:main:2222" }?["tracking_number"] as? String)
        #expect(!before.contains(late))
        #expect(try bench.muelle(["manifest", "close", "--date", day]).stdout.contains("eu-parcel-B2C_Spain-\(day)-2"))

        let quote = try bench.muelle(["quote", "--carrier", "eu-parcel", "--country", "DE", "--postal-code", "10115", "--weight", "2.5", "--dims", "40x30x20", "--service", "standard"])
        #expect(quote.status == 0)
        #expect(quote.stdout.contains("volumetric 4.8 kg"))

        // Quoting a shipment request file again gives the quote it was created with.
        let request = try #require(try bench.ndjson("outbox/shipments").first { $0["reference"] as? String == "shopify:main:1052" })
        let requestFile = bench.root + "/request.json"
        try JSONSerialization.data(withJSONObject: request).write(to: URL(fileURLWithPath: requestFile))
        let again = try bench.muelle(["quote", "--file", requestFile, "--service", "express", "--json"])
        #expect(again.status == 0)
        let total = (request["quote"] as? [String: Any])?["total"] as? String
        #expect(total != nil && again.stdout.contains("\"total\": \"\(total ?? "-")\""))
    }

    @Test func aHeavyOrderIsSplitIntoParcelsEachWithItsOwnNumber() throws {
        let bench = try Self.shippingBench()
        defer { bench.remove() }
        // 100 items × 0.4 kg = 40 kg, over the carrier's 31.5 kg limit: two parcels of 20 kg.
        let row = RejectionTests.shopifyRow("#7777").replacingOccurrences(of: ",1,Camiseta,", with: ",100,Camiseta,")
        try bench.drop("shopify-orders", "bulk.csv", RejectionTests.shopifyHeader + row)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let update = try #require(try bench.ndjson("outbox/tracking").first)
        let parcels = try #require(update["parcels"] as? [[String: Any]])
        #expect(parcels.map { $0["counter"] as? String } == ["1/2", "2/2"])
        let numbers = parcels.compactMap { $0["number"] as? String }
        #expect(Set(numbers).count == 2)
        let label = bench.root + "/outbox/labels/shopify_main_7777.pdf"
        #expect(try Self.tool("pdfinfo", [label]).contains("Pages:           2"))
        let text = try Self.tool("pdftotext", [label, "-"])
        #expect(text.contains("1/2") && text.contains("2/2") && text.contains("20 kg"))
        _ = try Self.tool("pdftoppm", ["-r", "203", "-png", label, bench.root + "/bulk"])
        for (page, number) in numbers.enumerated() {
            #expect(try Self.tool("zbarimg", ["--raw", "-q", bench.root + "/bulk-\(page + 1).png"]).contains(number))
        }
    }

    @Test func theManifestClosesByItselfAtTheCutoffWhileWatching() throws {
        let bench = try Self.shippingBench()
        defer { bench.remove() }
        // A cut-off that has always passed: the first shipments of the day are handed over at once.
        let profile = try bench.read("mappings/carriers/eu-parcel.yaml")
            .replacingOccurrences(of: #"pickup: { cutoff: "17:00", timezone: Europe/Madrid }"#, with: #"pickup: { cutoff: "00:00", timezone: UTC }"#)
        try bench.write("mappings/carriers/eu-parcel.yaml", profile)
        let process = bench.start(["run", "--quiet-ms", "50", "--rescan-seconds", "1"])
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(Workbench.eventually(within: 60) { bench.files("outbox/manifests").contains { $0.hasSuffix("-1.pdf") } })
        Thread.sleep(forTimeInterval: 2)
        #expect(bench.files("outbox/manifests").filter { $0.hasSuffix(".pdf") }.count == 1, "once per carrier and day")
        kill(process.processIdentifier, SIGTERM)
        #expect(Workbench.eventually(within: 60) { !process.isRunning })
        let csv = try #require(bench.files("outbox/manifests").first { $0.hasSuffix(".csv") })
        #expect(try bench.read("outbox/manifests/" + csv).contains("shopify:main:1052"))
    }

    /// A manifest's files appear only with its commit: killed before it, nothing is visible and closing again
    /// makes the one manifest; killed after it, the next start publishes the files and nothing closes twice.
    @Test(arguments: ["manifest-staged", "manifest-committed"])
    func aManifestCloseKilledMidwayNeverLeavesFilesTheLedgerDoesNotKnow(point: String) throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let day = "2099-12-31"
        let killed = try bench.muelle(["manifest", "close", "--date", day], environment: ["MUELLE_TEST_KILL_AT": point])
        #expect(killed.status != 0, "the hook kills the close")
        #expect(bench.files("outbox/manifests").isEmpty, "files visible before the next start: \(bench.files("outbox/manifests"))")
        if point == "manifest-staged" {
            let again = try bench.muelle(["manifest", "close", "--date", day])
            #expect(again.stdout.contains("2 parcel(s)"), "\(again.stdout)\(again.stderr)")
        } else {
            #expect(try bench.muelle(["run", "--once"]).status == 0)
            #expect(try bench.muelle(["manifest", "close", "--date", day]).stdout.contains("nothing to close"))
        }
        #expect(Set(bench.files("outbox/manifests")) == ["eu-parcel-B2C_Spain-\(day)-1.csv", "eu-parcel-B2C_Spain-\(day)-1.json", "eu-parcel-B2C_Spain-\(day)-1.pdf"])
        #expect(try bench.read("outbox/manifests/eu-parcel-B2C_Spain-\(day)-1.csv").contains("shopify:main:1052"))
    }
}
