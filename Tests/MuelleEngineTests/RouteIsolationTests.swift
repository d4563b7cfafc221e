import Foundation
import Testing

/// A broken mapping stops only its own route: the others import, its files wait, and `muelle run`
/// picks up a fixed mapping without a restart — or keeps a broken edit's last good version running.
@Suite(.serialized) struct RouteIsolationTests {
    static let typo = "group_by: { uper: Name }"

    func breakShopifyMapping(_ bench: Workbench) throws {
        let text = try bench.read("mappings/shopify-orders.yaml")
        try bench.write("mappings/shopify-orders.yaml", text.replacingOccurrences(of: "group_by: Name", with: Self.typo))
    }

    @Test func runOnceImportsTheHealthyRoutesAndExitsTwoForTheBrokenOne() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try breakShopifyMapping(bench)
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        try bench.dropExample("cdiscount-orders", "GetOrderList_2026-11-03.xml")

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 2, "a configuration error: \(run.stderr)")
        #expect(run.stderr.contains("mappings/shopify-orders.yaml:"), "the diagnostic names the file: \(run.stderr)")
        #expect(run.stderr.contains("unknown function 'uper'"))
        #expect(run.stderr.contains("not run, the mapping has errors (see above): shopify-orders"))
        let orders = try bench.orders()
        #expect(Set(orders.compactMap { $0["platform"] as? String }) == ["mercadolibre", "cdiscount"], "the healthy routes imported")
        #expect(bench.files("inbox/shopify-orders") == ["orders_export_1.csv"], "the broken route's file waits in its inbox")
        #expect(bench.files("quarantine/shopify-orders").isEmpty, "a broken mapping is not the file's fault")

        let broken = try bench.statusCard("shopify-orders")
        #expect(broken["state"] as? String == "error")
        #expect((broken["mapping_error"] as? String)?.contains("unknown function 'uper'") == true)
        #expect(broken["waiting"] as? Int == 1)
        #expect(try bench.statusCard("mercadolibre-orders")["state"] as? String == "synced")

        // `check` lists the broken route and still checks the others.
        let check = try bench.muelle(["check"])
        #expect(check.status == 2)
        #expect(check.stdout.contains("ok  mappings/mercadolibre-orders.yaml"))
    }

    @Test func watchingPicksUpAFixedMappingAndKeepsTheLastGoodVersionOfABrokenEdit() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let good = try bench.read("mappings/shopify-orders.yaml")
        try breakShopifyMapping(bench)
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        let process = bench.start(["run", "--quiet-ms", "50", "--rescan-seconds", "1"])
        _ = FileManager.default.createFile(atPath: bench.root + "/run.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: bench.root + "/run.log"))
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func log() -> String { (try? bench.read("run.log")) ?? "" }

        // Broken from the start: the other routes flow, the Shopify file waits.
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(Workbench.eventually(within: 30) { bench.files("inbox/mercadolibre-orders").isEmpty }, "\(log())")
        #expect(bench.files("inbox/shopify-orders") == ["orders_export_1.csv"])
        #expect(log().contains("its files wait in inbox/shopify-orders/"))

        // Fixed while running: no restart, the waiting file is imported.
        try bench.write("mappings/shopify-orders.yaml", good)
        #expect(Workbench.eventually(within: 30) { bench.files("inbox/shopify-orders").isEmpty }, "\(log())")
        #expect(log().contains("route fixed: mappings/shopify-orders.yaml"))
        #expect(try bench.orders().contains { $0["id"] as? String == "shopify:main:1050" })

        // Broken again by an edit: the last good version keeps importing, and the log says so.
        try breakShopifyMapping(bench)
        #expect(Workbench.eventually(within: 30) { log().contains("keeps running its last good version") }, "\(log())")
        let csv = try bench.read("archive/shopify-orders/" + bench.files("archive/shopify-orders")[0])
        try bench.drop("shopify-orders", "orders_export_2.csv", csv.replacingOccurrences(of: "#1050", with: "#2050"))
        #expect(Workbench.eventually(within: 30) { bench.files("inbox/shopify-orders").isEmpty }, "\(log())")
        #expect(try bench.orders().contains { $0["id"] as? String == "shopify:main:2050" })

        kill(process.processIdentifier, SIGTERM)
        #expect(Workbench.eventually(within: 60) { !process.isRunning })
    }
}
