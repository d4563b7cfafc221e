import Foundation
import MuelleLedger
import Testing

/// PrestaShop orders name their delivery address only by id: the address comes from the addresses
/// export, a reference route. Whichever arrives first, the orders end complete; an order whose address
/// never comes waits with its reason on the card, then is quarantined after `lookup_wait`.
@Suite(.serialized) struct ReferenceLookupTests {
    static let routes = ["prestashop-orders", "prestashop-addresses"]

    func addressOf(_ order: [String: Any]) -> [String: Any] {
        order["shipping_address"] as? [String: Any] ?? [:]
    }

    func expectComplete(_ bench: Workbench) throws {
        let orders = try bench.orders().sorted { ($0["external_id"] as? String ?? "") < ($1["external_id"] as? String ?? "") }
        #expect(orders.map { $0["external_id"] as? String } == ["12", "14"])
        let ana = addressOf(orders[0])
        #expect(ana["name"] as? String == "Ana Pérez Gómez")
        #expect(ana["line1"] as? String == "Calle de Alcalá, 48")
        #expect(ana["line2"] as? String == "3º izq.")
        #expect(ana["city"] as? String == "Madrid")
        #expect(ana["postal_code"] as? String == "28014")
        #expect(ana["country"] as? String == "ES")
        // A deleted address (deleted = 1) still serves the order placed with it; "Paris " is trimmed.
        let claire = addressOf(orders[1])
        #expect(claire["city"] as? String == "Paris")
        #expect(claire["country"] as? String == "FR")
        #expect(claire["company"] as? String == "Atelier Dupont & Fils")
    }

    @Test func ordersAfterAddressesEndComplete() throws {
        let bench = try Workbench(mappings: Self.routes)
        defer { bench.remove() }
        try bench.dropExample("prestashop-addresses", "addresses.xml")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        try bench.dropExample("prestashop-orders", "orders.xml")
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        try expectComplete(bench)
    }

    @Test func addressesAfterOrdersEndComplete() throws {
        let bench = try Workbench(mappings: Self.routes)
        defer { bench.remove() }
        try bench.dropExample("prestashop-orders", "orders.xml")
        let first = try bench.muelle(["run", "--once"])
        // Held, not rejected: nothing emitted, the file stays in the inbox, the card says what it waits for.
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("held 1"), "\(first.stderr)")
        #expect(try bench.orders().isEmpty)
        #expect(bench.exists("inbox/prestashop-orders/orders.xml"))
        let card = try bench.statusCard("prestashop-orders")
        #expect(card["waiting_for_reference"] as? Int == 1)
        let reason = try #require(card["waiting_for_reference_reason"] as? String)
        #expect(reason.contains("orders.xml") && reason.contains("prestashop-addresses") && reason.contains("key \"5\""), "\(reason)")
        #expect(try bench.muelle(["status"]).stdout.contains("waiting for reference data: 1 file(s): orders.xml"))

        // The addresses arrive later, in the same run as the orders' retry: both are taken.
        try bench.dropExample("prestashop-addresses", "addresses.xml")
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        try expectComplete(bench)
        #expect(try bench.statusCard("prestashop-orders")["waiting_for_reference"] as? Int == 0)
    }

    @Test func aLaterAddressesFileReplacesTheAddressOfItsKey() throws {
        let bench = try Workbench(mappings: Self.routes)
        defer { bench.remove() }
        let addresses = try String(contentsOfFile: Workbench.repository + "/examples/inbox/prestashop-addresses/addresses.xml", encoding: .utf8)
        try bench.drop("prestashop-addresses", "addresses-1.xml", addresses)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        try bench.drop("prestashop-addresses", "addresses-2.xml", addresses.replacingOccurrences(of: "Calle de Alcalá, 48", with: "Gran Vía, 1"))
        try bench.dropExample("prestashop-orders", "orders.xml")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let ana = try #require(try bench.orders().first { $0["external_id"] as? String == "12" })
        #expect(addressOf(ana)["line1"] as? String == "Gran Vía, 1")
        // Unchanged addresses of the second file are not kept twice.
        #expect(try bench.statusCard("prestashop-addresses")["counts"].flatMap { ($0 as? [String: Any])?["skipped"] as? Int } == 1)
        // The ledger keeps both versions of address 5, oldest first, each with the input that brought it.
        let history = try Ledger.open(path: bench.root + "/.muelle/ledger.sqlite").referenceHistory(route: "prestashop-addresses", key: "5")
        #expect(history.count == 2)
        #expect(history.first?.record.contains("Calle de Alcalá, 48") == true && history.last?.record.contains("Gran Vía, 1") == true)
        #expect(Set(history.map(\.input)).count == 2)
    }

    @Test func anAddressThatNeverComesIsQuarantinedAfterLookupWait() throws {
        let bench = try Workbench(mappings: Self.routes)
        defer { bench.remove() }
        let mapping = try bench.read("mappings/prestashop-orders.yaml").replacingOccurrences(of: "lookup_wait: 1 day", with: "lookup_wait: 2 seconds")
        try bench.write("mappings/prestashop-orders.yaml", mapping)
        try bench.dropExample("prestashop-orders", "orders.xml")
        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 0)
        #expect(first.stderr.contains("held 1"), "\(first.stderr)")
        Thread.sleep(forTimeInterval: 2.5)
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 1, "\(second.stderr)")
        #expect(try bench.orders().isEmpty)
        let quarantined = try #require(bench.files("quarantine/prestashop-orders").first { $0.hasSuffix(".error.txt") })
        let report = try bench.read("quarantine/prestashop-orders/" + quarantined)
        #expect(report.contains("the reference data never came"), "\(report)")
        #expect(report.contains("lookup_wait (2 seconds)"), "\(report)")
        // Each record named with its field and key.
        #expect(report.contains("record 1") && report.contains("field \"id_address_delivery\"") && report.contains("key \"5\""), "\(report)")
        #expect(report.contains("record 3") && report.contains("key \"7\""), "\(report)")
        #expect(try bench.statusCard("prestashop-orders")["waiting_for_reference"] as? Int == 0)
    }

    @Test func watchingTakesTheWaitingOrdersWhenTheAddressesArrive() throws {
        let bench = try Workbench(mappings: Self.routes)
        defer { bench.remove() }
        // The rescan is far away: only the reference route's commit can wake the held orders.
        let process = bench.start(["run", "--quiet-ms", "100", "--rescan-seconds", "600"])
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try bench.dropExample("prestashop-orders", "orders.xml")
        let held = Workbench.eventually(within: 60) {
            (try? bench.statusCard("prestashop-orders")["waiting_for_reference"] as? Int) == 1
        }
        #expect(held)
        try bench.dropExample("prestashop-addresses", "addresses.xml")
        #expect(Workbench.eventually(within: 60) { !bench.files("outbox/orders").isEmpty })
        try expectComplete(bench)
        kill(process.processIdentifier, SIGTERM)
        #expect(Workbench.eventually(within: 60) { !process.isRunning })
    }

    @Test func checkRefusesALookupIntoAMissingRouteAFieldItDoesNotKeepOrARouteThatIsNoReference() throws {
        let bench = try Workbench(mappings: Self.routes + ["mercadolibre-orders"])
        defer { bench.remove() }
        var mapping = try bench.read("mappings/prestashop-orders.yaml")
        mapping = mapping.replacingOccurrences(of: "in: prestashop-addresses, field: city", with: "in: prestashop-adresses, field: city")
        mapping = mapping.replacingOccurrences(of: "in: prestashop-addresses, field: line2", with: "in: prestashop-addresses, field: street2")
        mapping = mapping.replacingOccurrences(of: "in: prestashop-addresses, field: company", with: "in: mercadolibre-orders, field: company")
        try bench.write("mappings/prestashop-orders.yaml", mapping)
        let check = try bench.muelle(["check"])
        #expect(check.status == 2)
        let out = check.stdout + check.stderr
        #expect(out.contains("mappings/prestashop-orders.yaml:56:46: error: there is no route 'prestashop-adresses'"), "\(out)")
        #expect(out.contains("reference routes are prestashop-addresses"), "\(out)")
        #expect(out.contains("mappings/prestashop-orders.yaml:55:76: error: the reference route 'prestashop-addresses' keeps no field 'street2'"), "\(out)")
        #expect(out.contains("'mercadolibre-orders' is a route of kind orders: a lookup reads a route of kind reference or customers"), "\(out)")
    }
}
