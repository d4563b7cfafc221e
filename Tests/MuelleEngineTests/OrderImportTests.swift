import Foundation
import Testing

/// Order import as merchants know it, each behaviour driven through files and the CLI.
@Suite(.serialized) struct OrderImportTests {
    @Test func accountsSideBySideShareABaseMappingAndProductKeys() throws {
        let bench = try Workbench(mappings: ["shopify-orders", "shopify-orders-outlet"])
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        try bench.dropExample("shopify-orders-outlet", "orders_export_outlet.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let orders = try bench.orders()
        let ids = Set(orders.compactMap { $0["id"] as? String })
        #expect(ids == ["shopify:main:1050", "shopify:main:1052", "shopify:outlet:3001", "shopify:outlet:3002"])
        // The same product seen from two accounts under the same key is one product.
        func keys(_ id: String) -> Set<String> {
            let lines = orders.first { $0["id"] as? String == id }?["lines"] as? [[String: Any]] ?? []
            return Set(lines.compactMap { $0["product_key"] as? String })
        }
        #expect(keys("shopify:main:1050") == keys("shopify:outlet:3001"))
        #expect(keys("shopify:main:1050") == ["TSH-AZ-M", "CAP-LANA"])
        // Only what is ready: the rest is counted, never silently dropped.
        let report = try bench.report(try #require(bench.files("outbox/reports").first { $0.hasPrefix("shopify-orders-0") }))
        #expect((report["counts"] as? [String: Any])?["filtered"] as? Int == 3)
    }

    @Test func aCancellationAfterImportIsAnUpdateEvenThoughTheFilterWouldNotImportIt() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let export = try String(contentsOfFile: Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        // The next export: #1050 was cancelled (and refunded) in the meantime.
        var rows = export.components(separatedBy: "\r\n")
        let first = try #require(rows.firstIndex { $0.hasPrefix("#1050,") })
        var fields = rows[first].components(separatedBy: ",")
        fields[2] = "refunded"
        rows[first] = fields.joined(separator: ",")
        let header = rows[0].components(separatedBy: ",")
        let cancelledAt = try #require(header.firstIndex(of: "Cancelled at"))
        // Put a cancellation time in #1050's "Cancelled at" column by rebuilding the row through the header positions.
        rows[first] = try Self.setColumn(rows[first], index: cancelledAt, to: "2026-11-03 10:00:00 +0100")
        try bench.drop("shopify-orders", "orders_export_2.csv", rows.joined(separator: "\r\n"))
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let updates = try bench.ndjson("outbox/order-updates")
        #expect(updates.count == 1)
        #expect(updates.first?["order_id"] as? String == "shopify:main:1050")
        #expect((updates.first?["status"] as? [String: Any])?["to"] as? String == "cancelled")
        #expect(Set(updates.first?["changed"] as? [String] ?? []) == ["status", "payment_status"])
        #expect(try bench.orders().count == 2, "never a second order")
    }

    /// Replaces one column of a simple CSV row (quoted fields kept whole).
    static func setColumn(_ row: String, index: Int, to value: String) throws -> String {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for c in row {
            if c == "\"" { quoted.toggle() }
            if c == ",", !quoted { fields.append(current); current = "" } else { current.append(c) }
        }
        fields.append(current)
        fields[index] = value
        return fields.joined(separator: ",")
    }

    @Test func forgottenOrdersAreImportedAfreshEvenFromTheSameFile() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let list = try bench.muelle(["orders", "list", "--json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"id\": \"mercadolibre:main:2000009876543210\""))
        #expect(try bench.muelle(["orders", "list", "--status", "cancelled"]).stdout.isEmpty)

        let forget = try bench.muelle(["orders", "forget", "mercadolibre:main:2000009876543210"])
        #expect(forget.status == 0)
        #expect(forget.stdout.contains("forgotten mercadolibre:main:2000009876543210"))
        #expect(try bench.muelle(["orders", "forget", "mercadolibre:main:nope"]).status == 1)
        #expect(!(try bench.muelle(["orders", "list"]).stdout.contains("2000009876543210")))

        // The merchant drops the same export again: the forgotten order comes back as a new order.
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json", as: "again.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let ids = try bench.orders().compactMap { $0["id"] as? String }
        #expect(ids.filter { $0 == "mercadolibre:main:2000009876543210" }.count == 2, "once from the first import, once afresh")
        #expect(ids.count == 3)
        #expect(try bench.ndjson("outbox/order-updates").isEmpty)
    }

    @Test func importWindowAndExcludedStatusesDecideTheFirstImport() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let mapping = try bench.read("mappings/mercadolibre-orders.yaml")
            .replacingOccurrences(of: "    - { equals: status, value: paid }", with: "    - { in: status, values: [paid, pending_cancel] }")
            .replacingOccurrences(of: "fields:\n  external_id", with: "import:\n  window: 60 days\n  exclude_statuses: [on_hold]\n\nfields:\n  external_id")
        try bench.write("mappings/mercadolibre-orders.yaml", mapping)
        let formatter = ISO8601DateFormatter()
        func order(_ id: Int, _ status: String, daysAgo: Double) -> String {
            let created = formatter.string(from: Date().addingTimeInterval(-daysAgo * 86400))
            return #"{"id": \#(id), "status": "\#(status)", "date_created": "\#(created)", "currency_id": "COP", "total_amount": 5, "buyer": {}, "order_items": [{"item": {"seller_sku": "A"}, "quantity": 1, "unit_price": 5}], "tags": []}"#
        }
        let page = "{\"results\": [" + [order(1, "paid", daysAgo: 3), order(2, "paid", daysAgo: 59), order(3, "paid", daysAgo: 61),
                                        order(4, "paid", daysAgo: 400), order(5, "pending_cancel", daysAgo: 1)].joined(separator: ",") + "]}"
        try bench.drop("mercadolibre-orders", "page.json", page)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(Set(try bench.orders().compactMap { $0["external_id"] as? String }) == ["1", "2"])
        let report = try bench.report(try #require(bench.files("outbox/reports").first))
        #expect((report["counts"] as? [String: Any])?["filtered"] as? Int == 3)
    }

    @Test func carrierAndMarketplaceEventsUpdateKnownOrdersAndUnknownOnesWaitInQuarantine() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders", "shopify-orders", "coordinadora-tracking", "shopify-order-events"])
        defer { bench.remove() }
        // An event for an order not imported yet: quarantined, not lost.
        let carrierEvent = try String(contentsOfFile: Workbench.repository + "/examples/later/coordinadora-tracking/evento-73940000123-entregada.json", encoding: .utf8)
        try bench.drop("coordinadora-tracking", "evento.json", carrierEvent)
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        let quarantined = try #require(bench.files("quarantine/coordinadora-tracking").first { $0.hasSuffix("evento.json") })
        let why = try bench.read("quarantine/coordinadora-tracking/\(quarantined).error.txt")
        #expect(why.contains("evento.json: record 1"))
        #expect(why.contains("no imported order \"mercadolibre:main:2000009876543210\""))

        // The orders arrive; the event is replayed and applied; Shopify's cancellation webhook too.
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        #expect(try bench.muelle(["replay", "quarantine/coordinadora-tracking/" + quarantined]).status == 0)
        let webhook = try String(contentsOfFile: Workbench.repository + "/examples/later/shopify-order-events/orders-cancelled-1052.json", encoding: .utf8)
        try bench.drop("shopify-order-events", "cancelled.json", webhook)
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        let updates = try bench.ndjson("outbox/order-updates")
        let delivered = try #require(updates.first { $0["order_id"] as? String == "mercadolibre:main:2000009876543210" })
        #expect((delivered["status"] as? [String: Any])?["to"] as? String == "delivered")
        let event = try #require(delivered["event"] as? [String: Any])
        #expect(event["tracking_number"] as? String == "73940000123")
        #expect(event["occurred_at"] as? String == "2026-11-05T14:22:10-05:00")
        let cancelled = try #require(updates.first { $0["order_id"] as? String == "shopify:main:1052" })
        #expect((cancelled["status"] as? [String: Any])?["from"] as? String == "ready_to_ship")
        #expect((cancelled["status"] as? [String: Any])?["to"] as? String == "cancelled")
        #expect(try bench.muelle(["orders", "list", "--status", "delivered"]).stdout.contains("mercadolibre:main:2000009876543210"))
    }

    @Test func statusCardsGoFromPendingToSyncingToSyncedOrError() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders", "cdiscount-orders"])
        defer { bench.remove() }
        func cards() throws -> [String: [String: Any]] {
            let out = try bench.muelle(["status", "--json"]).stdout
            let root = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            let routes = try #require(root["routes"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: routes.compactMap { card in (card["route"] as? String).map { ($0, card) } })
        }
        #expect(try cards()["mercadolibre-orders"]?["state"] as? String == "pending")

        let orders = (0..<10_000).map { i in
            #"{"id": \#(7_000_000 + i), "status": "paid", "date_created": "2026-11-01T10:00:00.000-05:00", "currency_id": "COP", "total_amount": 100, "buyer": {}, "order_items": [{"item": {"seller_sku": "S"}, "quantity": 1, "unit_price": 100}], "tags": []}"#
        }
        try bench.drop("mercadolibre-orders", "big.json", "{\"results\": [\n" + orders.joined(separator: ",\n") + "\n]}")
        try bench.drop("cdiscount-orders", "broken.xml", "<OrderList><Order></OrderList>")
        let process = bench.start(["run", "--quiet-ms", "50", "--rescan-seconds", "1"])
        // Its log, for the failure message: a busy CI machine is the usual suspect.
        _ = FileManager.default.createFile(atPath: bench.root + "/run.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: bench.root + "/run.log"))
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var sawSyncing = false
        #expect(try Workbench.eventually(within: 120) {
            let state = try cards()["mercadolibre-orders"]?["state"] as? String
            if state == "syncing" { sawSyncing = true }
            return state == "synced"
        }, "muelle run did not finish the file: \((try? bench.read("run.log")) ?? "")")
        #expect(sawSyncing, "the card says syncing while the file is in hand")
        let all = try cards()
        let synced = try #require(all["mercadolibre-orders"])
        #expect(synced["last_run"] is String)
        #expect((synced["counts"] as? [String: Any])?["imported"] as? Int == 10_000)
        #expect(synced["waiting"] as? Int == 0)
        let failing = try #require(all["cdiscount-orders"])
        #expect(failing["state"] as? String == "attention", "a file waits in quarantine")
        #expect(failing["quarantined"] as? Int == 1)
        #expect((failing["last_error"] as? String)?.contains("broken.xml") == true)
        kill(process.processIdentifier, SIGTERM)
    }

    @Test func progressShowsOnATerminalAndNotOtherwise() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let orders = (0..<5_000).map { i in
            #"{"id": \#(8_000_000 + i), "status": "paid", "date_created": "2026-11-01T10:00:00.000-05:00", "currency_id": "COP", "total_amount": 1, "buyer": {}, "order_items": [{"item": {"seller_sku": "S"}, "quantity": 1, "unit_price": 1}], "tags": []}"#
        }
        try bench.drop("mercadolibre-orders", "page.json", "{\"results\": [\n" + orders.joined(separator: ",\n") + "\n]}")
        try FileManager.default.copyItem(atPath: bench.root + "/inbox/mercadolibre-orders/page.json", toPath: bench.root + "/page.json")

        let plain = try bench.muelle(["run", "--once", "--log-level", "error"])
        #expect(plain.status == 0)
        #expect(!plain.stderr.contains("records/s"), "no progress when stderr is not a terminal")

        // Under a pseudo-terminal (util-linux `script`), the same run shows records, rate and ETA.
        let again = try Workbench(mappings: ["mercadolibre-orders"])
        defer { again.remove() }
        try FileManager.default.copyItem(atPath: bench.root + "/page.json", toPath: again.root + "/inbox/mercadolibre-orders/page.json")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: again.root + "/inbox/mercadolibre-orders/page.json")
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        script.arguments = ["-qefc", "\(Workbench.binary) run --once --log-level error --root \(again.root)", "/dev/null"]
        let out = Pipe()
        script.standardOutput = out
        script.standardError = out
        try script.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        #expect(script.terminationStatus == 0)
        #expect(text.contains("records/s"))
        #expect(text.contains("ETA"))
        #expect(text.contains("page.json: 5000 records"))
    }
}
