import Foundation
import Testing

/// The core promise, through the real binary: drops become normalised orders once, originals are
/// archived, a report is written per input.
@Suite(.serialized) struct PipelineEndToEndTests {
    static let examples = [
        ("shopify-orders", "orders_export_1.csv"),
        ("mercadolibre-orders", "orders_search_2026-11-03.json"),
        ("cdiscount-orders", "GetOrderList_2026-11-03.xml"),
    ]

    @Test func examplesBecomeNormalisedOrdersAndOriginalsAreArchived() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        for (route, name) in Self.examples { try bench.dropExample(route, name) }

        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 0, "\(result.stderr)")

        let orders = try bench.orders()
        let ids = Set(orders.compactMap { $0["id"] as? String })
        #expect(ids == [
            "shopify:main:1050", "shopify:main:1052",
            "mercadolibre:main:2000009876543210", "mercadolibre:main:2000009876543212",
            "cdiscount:main:2611021403ABCDE", "cdiscount:main:2611022015FGHIJ",
        ])
        #expect(orders.count == ids.count)
        for (route, _) in Self.examples {
            #expect(bench.files("inbox/\(route)").isEmpty, "inbox/\(route) should be empty")
            #expect(bench.files("archive/\(route)").count == 1)
        }
        // Exactness on the money path: 33333.33 × 3.
        let coffee = try #require(orders.first { ($0["id"] as? String) == "mercadolibre:main:2000009876543210" })
        let line = try #require((coffee["lines"] as? [[String: Any]])?.first)
        #expect(line["unit_price"] as? String == "33333.33")
        #expect(line["total"] as? String == "99999.99")
        // Processing fee pseudo-lines are not products.
        let teapot = try #require(orders.first { ($0["id"] as? String) == "cdiscount:main:2611021403ABCDE" })
        #expect((teapot["lines"] as? [[String: Any]])?.count == 1)

        let reports = bench.files("outbox/reports")
        #expect(reports.count == 3)
        let shopify = try bench.report(try #require(reports.first { $0.hasPrefix("shopify-orders-") }))
        #expect(shopify["state"] as? String == "processed")
        let counts = try #require(shopify["counts"] as? [String: Any])
        #expect(counts["kept"] as? Int == 2)
        #expect(counts["filtered"] as? Int == 3)
        // Rows and orders apart: 8 rows of the export made 5 orders (2 kept, 3 filtered).
        #expect(shopify["records"] as? Int == 8)
        #expect(shopify["orders"] as? Int == 5)
    }

    @Test func outputsValidateAgainstThePublishedSchemas() throws {
        let bench = try Workbench(mappings: ["shopify-orders", "shopify-orders-outlet", "mercadolibre-orders", "cdiscount-orders",
                                             "coordinadora-tracking", "shopify-order-events"])
        defer { bench.remove() }
        // The example workspace in its two steps: the exports, then later events and a changed page.
        for step in ["inbox", "later"] {
            let root = Workbench.repository + "/examples/" + step
            for route in try FileManager.default.contentsOfDirectory(atPath: root) {
                for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + route) {
                    try bench.drop(route, name, try Data(contentsOf: URL(fileURLWithPath: root + "/" + route + "/" + name)))
                }
            }
            #expect(try bench.muelle(["run", "--once"]).status == 0)
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", """
            import json, sys, glob, warnings, jsonschema
            warnings.simplefilter('ignore')  # RefResolver: deprecated in new jsonschema, the only way in Debian 12's
            load = lambda name: json.load(open(sys.argv[1] + '/' + name + '.schema.json'))
            order, update, shipment, tracking = load('order'), load('order-update'), load('shipment-request'), load('tracking-update')
            store = {s['$id']: s for s in (order, update, shipment, tracking)}
            counts = []
            for schema, folder in ((order, 'orders'), (update, 'order-updates'), (shipment, 'shipments'), (tracking, 'tracking')):
                resolver = jsonschema.RefResolver.from_schema(schema, store=store)
                validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
                n = 0
                for f in glob.glob(sys.argv[2] + '/' + folder + '/*.ndjson'):
                    for line in open(f, encoding='utf-8'):
                        validator.validate(json.loads(line)); n += 1
                counts.append(str(n))
            print(' '.join(counts))
            """, Workbench.repository + "/schemas", bench.root + "/outbox"]
        let out = Pipe()
        check.standardOutput = out
        try check.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "schema validation failed (is python3-jsonschema installed?)")
        // 6 orders + 2 of the outlet account; 1 changed order, 1 carrier event, 1 marketplace event;
        // the 4 Shopify orders (both accounts) shipped, each with its tracking update, and the
        // cancelled one's shipment voided (a fifth tracking update).
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "8 3 4 5")
    }

    @Test func sameContentAgainUnderAnyNameIsADuplicateAndEmitsNothing() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let firstOutput = try bench.read("outbox/orders/" + (bench.files("outbox/orders").first ?? ""))

        try bench.dropExample("shopify-orders", "orders_export_1.csv", as: "orders_export_1 (copy).csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        #expect(bench.files("outbox/orders").count == 1)
        #expect(try bench.read("outbox/orders/" + (bench.files("outbox/orders").first ?? "")) == firstOutput)
        #expect(try bench.orders().count == 2)
        let duplicate = try #require(bench.files("outbox/reports").first { $0.contains("-duplicate-") })
        let report = try bench.report(duplicate)
        #expect(report["state"] as? String == "duplicate")
        #expect((report["duplicate_of"] as? [String: Any])?["file"] as? String == "orders_export_1.csv")
        #expect(bench.files("inbox/shopify-orders").isEmpty)
    }

    @Test func temporaryNamesAndSymlinksAreNeverTaken() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let data = try Data(contentsOf: URL(fileURLWithPath: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json"))
        for name in ["upload.json.part", "upload.json.filepart", "upload.json.tmp", "upload.json~", ".upload.json"] {
            try data.write(to: URL(fileURLWithPath: bench.root + "/inbox/mercadolibre-orders/" + name))
        }
        try FileManager.default.createSymbolicLink(atPath: bench.root + "/inbox/mercadolibre-orders/linked.json",
                                                   withDestinationPath: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json")
        let result = try bench.muelle(["run", "--once"])
        #expect(result.status == 0)
        #expect(try bench.orders().isEmpty)
        #expect(bench.files("inbox/mercadolibre-orders").count == 6)
    }

    @Test func aChangedOrderBecomesAnUpdateAndAnUnchangedOneIsSkipped() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let original = try String(contentsOfFile: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json", encoding: .utf8)
        try bench.drop("mercadolibre-orders", "page1.json", original)
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        // The same orders again in a new page (other bytes), one now partially refunded: no longer
        // "paid", so the filter would not import it; it is known, so it becomes an update.
        let changed = original.replacingOccurrences(of: "\"status\": \"paid\",\n      \"status_detail\": null", with: "\"status\": \"partially_refunded\",\n      \"status_detail\": null")
            .replacingOccurrences(of: "\"display\": \"complete\"", with: "\"display\": \"again\"")
        #expect(changed != original)
        try bench.drop("mercadolibre-orders", "page2.json", changed)
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        #expect(try bench.orders().count == 2)
        let updates = try bench.ndjson("outbox/order-updates")
        #expect(updates.count == 1)
        #expect(updates.first?["order_id"] as? String == "mercadolibre:main:2000009876543210")
        let status = updates.first?["status"] as? [String: Any]
        #expect(status?["from"] as? String == "ready_to_ship")
        #expect(status?["to"] as? String == "ready_to_ship")
        #expect((updates.first?["order"] as? [String: Any])?["payment_status"] as? String == "partially_refunded")
        #expect(updates.first?["changed"] as? [String] == ["payment_status"])
        let report = try bench.report(try #require(bench.files("outbox/reports").first { !$0.contains("duplicate") && (try? bench.report($0)["file"] as? String) == "page2.json" }))
        let counts = try #require(report["counts"] as? [String: Any])
        #expect(counts["updated"] as? Int == 1)
        #expect(counts["skipped"] as? Int == 1)   // the other paid order came again unchanged
        #expect(counts["kept"] as? Int == 0)
    }
}
