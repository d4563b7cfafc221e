import Foundation
import Testing

/// One `muelle run` per workspace: a second one says who holds it and exits 2 (or waits with --wait),
/// and `replay` hands its file to the running process instead of racing it.
@Suite(.serialized) struct WorkspaceLockTests {
    @Test func aSecondRunIsRefusedNamingTheFirstAndWaitTakesOverWhenItStops() throws {
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        let first = bench.start(["run", "--quiet-ms", "50"])
        try first.run()
        defer { if first.isRunning { first.terminate() } }
        #expect(Workbench.eventually(within: 60) { bench.exists(".muelle/run.lock") && ((try? bench.read(".muelle/run.lock")) ?? "").contains("pid") })

        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 2)
        #expect(second.stderr.contains("another muelle is already running on this workspace (pid \(first.processIdentifier)"), "\(second.stderr)")

        // A replay while it runs puts the file back in the inbox; the running process takes it.
        try bench.drop("mercadolibre-orders", "bad.json", "{\"results\": [ {\"id\": 1,, } ]}\n")
        #expect(Workbench.eventually(within: 60) { bench.files("quarantine/mercadolibre-orders").contains { $0.hasSuffix("bad.json") } })
        let quarantined = try #require(bench.files("quarantine/mercadolibre-orders").first { $0.hasSuffix("bad.json") })
        let page = try String(contentsOfFile: Workbench.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json", encoding: .utf8)
        try bench.write("quarantine/mercadolibre-orders/" + quarantined, page)
        let replay = try bench.muelle(["replay", "quarantine/mercadolibre-orders/" + quarantined])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("handed to the running muelle"))
        #expect(Workbench.eventually(within: 60) { ((try? bench.orders()) ?? []).count == 2 })

        // --wait blocks while the first runs, then runs once it has stopped.
        let waiting = bench.start(["run", "--once", "--wait"])
        try waiting.run()
        Thread.sleep(forTimeInterval: 1)
        #expect(waiting.isRunning, "waits for the lock")
        kill(first.processIdentifier, SIGTERM)
        #expect(Workbench.eventually(within: 60) { !waiting.isRunning })
        #expect(waiting.terminationStatus == 0)
    }
}
