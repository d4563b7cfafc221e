import Foundation
import Testing

/// `muelle run` watching: drops are picked up as they arrive, and SIGTERM lets the file in hand finish.
@Suite(.serialized) struct WatchTests {
    @Test func aDropBecomesOrdersWhileWatchingAndSigtermStopsCleanly() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let process = bench.start(["run", "--quiet-ms", "100"])
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)

        let data = try Data(contentsOf: URL(fileURLWithPath: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json"))
        let dropped = Date()
        try data.write(to: URL(fileURLWithPath: bench.root + "/inbox/mercadolibre-orders/.incoming.tmp"))
        try FileManager.default.moveItem(atPath: bench.root + "/inbox/mercadolibre-orders/.incoming.tmp", toPath: bench.root + "/inbox/mercadolibre-orders/page.json")
        let arrived = Workbench.eventually(within: 5) { !bench.files("outbox/orders").isEmpty }
        let latency = Date().timeIntervalSince(dropped)
        #expect(arrived)
        // DESIGN: within a second; generous here because CI machines are shared.
        #expect(latency < 3, "drop → outbox took \(latency) s")
        #expect(try bench.orders().count == 2)

        kill(process.processIdentifier, SIGTERM)
        let stopped = Workbench.eventually(within: 60) { !process.isRunning }
        #expect(stopped)
        if stopped { #expect(process.terminationStatus == 0) } else { process.terminate() }
    }

    @Test func sigtermFinishesTheFileInHand() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        // A large page takes a while to map; SIGTERM arrives while it is in hand.
        let orders = (0..<20_000).map { i in
            #"{"id": \#(5_000_000 + i), "status": "paid", "date_created": "2026-11-01T10:00:00.000-05:00", "currency_id": "COP", "total_amount": 100, "buyer": {"first_name": "A", "last_name": "B"}, "order_items": [{"item": {"seller_sku": "S\#(i % 50)", "title": "T"}, "quantity": 1, "unit_price": 100}], "tags": []}"#
        }
        try bench.drop("mercadolibre-orders", "big.json", "{\"results\": [\n" + orders.joined(separator: ",\n") + "\n]}")
        let process = bench.start(["run", "--quiet-ms", "50"])
        _ = FileManager.default.createFile(atPath: bench.root + "/run.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: bench.root + "/run.log"))
        try process.run()
        let inHand = Workbench.eventually(within: 60) { !bench.files(".muelle/staging").isEmpty }
        #expect(inHand)
        kill(process.processIdentifier, SIGTERM)
        let stopped = Workbench.eventually(within: 60) { !process.isRunning }
        #expect(stopped)
        if !stopped { process.terminate(); return }
        #expect(process.terminationStatus == 0)
        #expect(bench.files("inbox/mercadolibre-orders").isEmpty, "the file in hand was finished")
        #expect(try bench.orders().count == 20_000)
        // The shutdown says what it waits for, and how far that file has got.
        let log = try bench.read("run.log")
        #expect(log.contains("stopping: finishing the file in hand first — big.json (route mercadolibre-orders): "), "\(log)")
        #expect(log.contains("% read"))
    }

    /// As many routes at work as the machine has cores: reading, fsync and SQLite run on threads of their
    /// own, so SIGTERM is answered at once — the shutdown notice while every file is still in hand — instead
    /// of once some route's file is done.
    @Test func sigtermIsAnsweredAtOnceWhileEveryRouteIsBusy() throws {
        let routes = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let bench = try Workbench(mappings: [])
        defer { bench.remove() }
        let orders = (0..<8_000).map { i in
            #"{"id": \#(5_000_000 + i), "status": "paid", "date_created": "2026-11-01T10:00:00.000-05:00", "currency_id": "COP", "total_amount": 100, "buyer": {"first_name": "A", "last_name": "B"}, "order_items": [{"item": {"seller_sku": "S\#(i % 50)", "title": "T"}, "quantity": 1, "unit_price": 100}], "tags": []}"#
        }
        let page = "{\"results\": [\n" + orders.joined(separator: ",\n") + "\n]}"
        for route in 0..<routes {
            try FileManager.default.copyItem(atPath: Workbench.repository + "/mappings/mercadolibre-orders.yaml", toPath: bench.root + "/mappings/ml-\(route).yaml")
            try bench.drop("ml-\(route)", "big.json", page)
        }
        let process = bench.start(["run", "--quiet-ms", "50", "--concurrency", "\(routes)"])
        _ = FileManager.default.createFile(atPath: bench.root + "/run.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: bench.root + "/run.log"))
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let allInHand = Workbench.eventually(within: 60) { bench.files(".muelle/staging").filter { $0.hasPrefix("ml-") }.count == routes }
        #expect(allInHand)
        kill(process.processIdentifier, SIGTERM)
        let answered = Workbench.eventually(within: 60) { ((try? bench.read("run.log")) ?? "").contains("stopping: finishing the file in hand first") }
        let stillInHand = (0..<routes).filter { bench.exists("inbox/ml-\($0)/big.json") }.count
        #expect(answered)
        #expect(stillInHand == routes, "the shutdown was noticed only after \(routes - stillInHand) file(s) were done")
        #expect(Workbench.eventually(within: 120) { !process.isRunning })
        #expect(process.terminationStatus == 0)
        #expect((0..<routes).allSatisfy { bench.files("inbox/ml-\($0)").isEmpty }, "every file in hand was finished")
    }

    @Test func sigtermTakesNothingNewAfterTheFileInHand() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        for i in 0..<300 {
            let order = #"{"id": \#(6_000_000 + i), "status": "paid", "date_created": "2026-11-01T10:00:00.000-05:00", "currency_id": "COP", "total_amount": 1, "buyer": {}, "order_items": [{"item": {"seller_sku": "S"}, "quantity": 1, "unit_price": 1}], "tags": []}"#
            try bench.drop("mercadolibre-orders", String(format: "page-%03d.json", i), "{\"results\": [\(order)]}\n")
        }
        let process = bench.start(["run", "--quiet-ms", "50"])
        _ = FileManager.default.createFile(atPath: bench.root + "/run.log", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: bench.root + "/run.log"))
        try process.run()
        #expect(Workbench.eventually(within: 30) { bench.files("archive/mercadolibre-orders").count >= 5 })
        kill(process.processIdentifier, SIGTERM)
        let stopped = Workbench.eventually(within: 60) { !process.isRunning }
        #expect(stopped)
        if !stopped { process.terminate(); return }
        #expect(process.terminationStatus == 0)
        let archived = bench.files("archive/mercadolibre-orders").count
        let waiting = bench.files("inbox/mercadolibre-orders").count
        #expect(waiting > 0, "the backlog waits for the next start instead of being drained: \(archived) archived")
        #expect(archived + waiting == 300, "every file is either done or untouched")
        #expect(try bench.orders().count == archived, "each archived file's order is out, and only those")
        #expect(try bench.read("run.log").contains("stopping:"))
    }
}
