import Foundation
import MuelleLedger
import Testing

/// The exactly-once promise, proven by SIGKILL: kill `muelle run` mid-batch at a random moment,
/// restart it, and every input's orders are in the outbox exactly once, nothing partial or
/// temporary is visible, and the ledger agrees with the disk.
@Suite(.serialized) struct ExactlyOnceTests {
    static let files = 240
    static let ordersPerFile = 2

    static func page(_ file: Int, orders count: Int = ordersPerFile, firstID: Int? = nil) -> String {
        let orders = (0..<count).map { n -> String in
            let id = (firstID ?? 3_000_000_000 + file * 10) + n
            return """
                {"id": \(id), "status": "paid", "date_created": "2026-11-0\(1 + file % 9)T10:\(String(format: "%02d", n % 60)):00.000-05:00",
                 "currency_id": "COP", "total_amount": \(1000 + file), "buyer": {"first_name": "Cliente", "last_name": "Nº \(file)"},
                 "order_items": [{"item": {"seller_sku": "SKU-\(file % 7)", "title": "Producto \(file)"}, "quantity": \(1 + n), "unit_price": \(1000 + file).50}],
                 "tags": ["paid"]}
                """
        }
        return "{\"results\": [\(orders.joined(separator: ",\n"))], \"paging\": {\"offset\": \(file)}}"
    }

    /// Kill moments as "after this many originals were archived" — different each run; on both ledger backends.
    @Test(arguments: LedgerBackend.allCases, [0.15, 0.5, 0.85])
    func sigkillMidBatchThenRestartYieldsEveryOrderExactlyOnce(_ backend: LedgerBackend, _ fraction: Double) throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        guard try backend.prepare(bench) else { return }
        for file in 0..<Self.files { try bench.drop("mercadolibre-orders", String(format: "page-%04d.json", file), Self.page(file)) }

        let threshold = Int(Double(Self.files) * fraction) + Int.random(in: -10...10)
        let process = bench.start(["run", "--quiet-ms", "20", "--concurrency", "1"])
        try process.run()
        let reached = Workbench.eventually(within: 60) { bench.files("archive/mercadolibre-orders").count >= threshold }
        // A random extra moment inside the next file's processing.
        Thread.sleep(forTimeInterval: Double.random(in: 0...0.01))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(reached)
        #expect(process.terminationReason == .uncaughtSignal)
        let archivedAtKill = bench.files("archive/mercadolibre-orders").count
        #expect(archivedAtKill < Self.files, "the kill must land mid-batch")

        let restart = try bench.muelle(["run", "--once"])
        #expect(restart.status == 0, "\(restart.stderr)")

        // Every input's orders exactly once.
        let ids = try bench.orders().compactMap { $0["external_id"] as? String }
        var seen: [String: Int] = [:]
        for id in ids { seen[id, default: 0] += 1 }
        #expect(seen.count == Self.files * Self.ordersPerFile)
        #expect(seen.values.allSatisfy { $0 == 1 }, "duplicated: \(seen.filter { $0.value > 1 }.keys.sorted())")
        #expect(try bench.ndjson("outbox/order-updates").isEmpty)

        // Nothing partial or temporary is visible to downstream.
        for name in bench.files("outbox/orders") { #expect(name.hasSuffix(".ndjson") && !name.hasPrefix("."), "\(name)") }
        for name in bench.files("outbox/reports") { #expect(name.hasSuffix(".json") && !name.contains("duplicate"), "\(name)") }
        #expect(bench.files("outbox/reports").count == Self.files)
        for name in bench.files("outbox/orders") {
            let text = try bench.read("outbox/orders/" + name)
            #expect(text.hasSuffix("}\n"), "\(name) ends mid-record")
        }

        // The ledger agrees with the disk.
        #expect(bench.files("inbox/mercadolibre-orders").isEmpty)
        #expect(bench.files("archive/mercadolibre-orders").count == Self.files)
        let ledger = try backend.open(bench)
        let inputs = try ledger.inputs(route: nil, limit: 10_000)
        #expect(inputs.count == Self.files)
        #expect(inputs.allSatisfy { $0.state == .processed && $0.moved })
        #expect(Set(inputs.map(\.name)).count == Self.files)
        #expect(try (ledger as? any LedgerReports)?.orderCount(route: nil) == Self.files * Self.ordersPerFile)
        for entry in inputs {
            #expect(bench.exists(entry.destination ?? "-"), "\(entry.name) is not where the ledger says")
        }
    }

    /// A file large enough that the staging thread judges and writes its orders (the contract, and for JSON the
    /// mapping, run there), killed while that thread works: nothing of it is visible, and the next run takes it whole.
    @Test(arguments: LedgerBackend.allCases)
    func sigkillWhileTheStagingThreadWorksLeavesNothingThenEveryOrderOnce(_ backend: LedgerBackend) throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        guard try backend.prepare(bench) else { return }
        let large = 3 * 512
        let path = try bench.drop("mercadolibre-orders", "large.json", Self.page(0, orders: large, firstID: 4_000_000_000))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)

        let process = bench.start(["run", "--once"])
        process.environment = ProcessInfo.processInfo.environment.merging(["MUELLE_TEST_KILL_AT": "staging-thread"]) { $1 }
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the staging thread never ran")
        #expect(bench.files("outbox/orders").isEmpty && bench.files("outbox/reports").isEmpty)
        #expect(bench.files("inbox/mercadolibre-orders") == ["large.json"])

        let restart = try bench.muelle(["run", "--once"])
        #expect(restart.status == 0, "\(restart.stderr) \(restart.stdout) \(bench.files("quarantine/mercadolibre-orders"))")
        let ids = try bench.orders().compactMap { $0["external_id"] as? String }
        #expect(ids.count == large && Set(ids).count == large)
        #expect(bench.files("archive/mercadolibre-orders").count == 1)
        #expect(try (backend.open(bench) as? any LedgerReports)?.orderCount(route: nil) == large)
    }
}
