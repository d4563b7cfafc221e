import Foundation
import PostgresTestCluster
import Testing

/// Several `muelle run` workers (the real binary, watching) on one workspace and one PostgreSQL ledger, coordinated by
/// claims with leases in the database: one worker SIGKILLed mid-batch, another SIGSTOPped past its lease and woken
/// again, and still every order exactly once, every tracking number unique, nothing partial in the outbox, every
/// input archived once, and the ledger agreeing with the disk.
@Suite(.serialized, .enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct SeveralWorkersTests {
    /// Short, so the test sees leases run out; generous against a loaded 2-core machine's stalls.
    static let lease = 6

    struct Setup {
        let bench: Workbench
        let cluster: PostgresCluster
        let database: (name: String, url: String)

        func worker(_ log: String) throws -> Process {
            let process = bench.start(["run", "--quiet-ms", "20", "--concurrency", "1", "--ledger", database.url,
                                       "--worker-lease", "\(SeveralWorkersTests.lease)"])
            process.environment = ProcessInfo.processInfo.environment.merging(cluster.environment) { $1 }
            _ = FileManager.default.createFile(atPath: bench.root + "/" + log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: bench.root + "/" + log)
            try process.run()
            return process
        }

        func sql(_ query: String) -> String {
            cluster.psql(database.name, query).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        var archived: Int { bench.files("archive/shopify-orders").filter { $0 != "duplicates" }.count }
    }

    /// `own`: a server of the test's own, which it may stop and start (the shared one serves other suites meanwhile).
    static func setUp(own: Bool = false) throws -> Setup {
        let cluster = own ? try PostgresCluster.own() : try PostgresCluster.started()
        return Setup(bench: try Workbench(mappings: ["shopify-orders"]), cluster: cluster, database: try cluster.database())
    }

    /// `files` drops of two orders each (`#<first + 2i>` and the next), in `inbox/shopify-orders/`.
    static func drop(_ bench: Workbench, files: Int, first: Int) throws {
        for i in 0..<files {
            let n = first + 2 * i
            try bench.drop("shopify-orders", String(format: "drop-%05d.csv", n),
                           RejectionTests.shopifyHeader + RejectionTests.shopifyRow("#\(n)") + RejectionTests.shopifyRow("#\(n + 1)"))
        }
    }

    static func stop(_ processes: [Process]) {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGTERM)
        }
        for process in processes { process.waitUntilExit() }
    }

    @Test func threeWorkersTakeEveryOrderOnceThroughAKillAndAStop() throws {
        let setup = try Self.setUp()
        let bench = setup.bench
        defer { bench.remove() }
        let files = 300, orders = 600
        try Self.drop(bench, files: files, first: 100_000)
        let workers = try (1...3).map { try setup.worker("worker-\($0).log") }
        defer { Self.stop(workers) }

        // Worker 1 dies mid-batch, whatever it had in hand.
        #expect(Workbench.eventually(within: 240) { setup.archived >= files / 5 })
        kill(workers[0].processIdentifier, SIGKILL)
        workers[0].waitUntilExit()
        // Worker 2 stops past its lease: its claims run out and the others redo its files.
        #expect(Workbench.eventually(within: 240) { setup.archived >= files * 2 / 5 })
        kill(workers[1].processIdentifier, SIGSTOP)
        let stoppedAt = setup.archived
        #expect(Workbench.eventually(within: 240) {
            setup.sql("SELECT count(*) FROM worker WHERE pid = \(workers[1].processIdentifier) AND reaped") == "1"
        }, "the stopped worker is taken for lost once its lease runs out")
        let status = try bench.muelle(["status", "--json", "--ledger", setup.database.url], environment: setup.cluster.environment)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])["workers"] as? [[String: Any]]
        let stopped = try #require(listed?.first { ($0["pid"] as? Int).map(Int32.init) == workers[1].processIdentifier })
        #expect(stopped["lost"] as? Bool == true)
        #expect(listed?.contains { ($0["pid"] as? Int).map(Int32.init) == workers[2].processIdentifier && $0["lost"] as? Bool == false } == true)
        // Worker 3 goes on alone meanwhile.
        #expect(Workbench.eventually(within: 240) { setup.archived > stoppedAt || setup.archived == files })
        kill(workers[1].processIdentifier, SIGCONT)

        #expect(Workbench.eventually(within: 480) {
            setup.archived == files && bench.files("inbox/shopify-orders").isEmpty && setup.sql("SELECT count(*) FROM publication") == "0"
        }, "every file taken, every output published")
        Self.stop(workers)

        let ids = try bench.orders().compactMap { $0["id"] as? String }
        #expect(ids.count == orders, "every order in the outbox once, not twice")
        #expect(Set(ids).count == orders)
        let numbers = try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String }
        #expect(numbers.count == orders && Set(numbers).count == orders, "every tracking number once, and unique")
        #expect(Set(try bench.ndjson("outbox/shipments").compactMap { $0["reference"] as? String }).count == orders)
        for folder in ["orders", "shipments", "tracking", "labels", "reports"] {
            let partial = bench.files("outbox/" + folder).filter { $0.hasPrefix(".") || $0.hasSuffix(".publish") || $0.hasSuffix(".out") || $0.hasSuffix(".tmp") }
            #expect(partial.isEmpty, "nothing partial in outbox/\(folder): \(partial)")
        }
        #expect(!bench.exists("archive/shopify-orders/duplicates"), "no input archived twice")
        #expect(bench.files("quarantine/shopify-orders").isEmpty)

        // The ledger agrees with the disk.
        #expect(setup.sql("SELECT count(*) FROM input WHERE state = 'processed' AND moved") == "\(files)")
        #expect(setup.sql("SELECT count(*) FROM input") == "\(files)")
        #expect(setup.sql(#"SELECT count(*) FROM "order""#) == "\(orders)")
        #expect(setup.sql("SELECT count(*) FROM shipment") == "\(orders)")
        #expect(setup.sql("SELECT count(*) FROM inputClaim") == "0", "every claim released")
        let destinations = setup.sql("SELECT destination FROM input").split(separator: "\n").map(String.init)
        #expect(destinations.count == files && destinations.allSatisfy { bench.exists($0) })
        // No worker's staging holds a file; the killed worker's folder is gone.
        let staging = bench.root + "/.muelle/staging"
        let staged = FileManager.default.enumerator(atPath: staging)?.allObjects.compactMap { $0 as? String } ?? []
        let leftFiles = staged.filter { (try? FileManager.default.attributesOfItem(atPath: staging + "/" + $0)[.type] as? FileAttributeType) == .typeRegular }
        #expect(leftFiles.isEmpty, "staging left: \(leftFiles)")
        #expect(!bench.files(".muelle/staging").contains { $0.contains("-\(workers[0].processIdentifier)-") }, "the killed worker's staging is cleared")
    }

    @Test func aWorkerCutOffFromTheDatabaseWaitsAndResumes() throws {
        let setup = try Self.setUp(own: true)
        let bench = setup.bench
        defer {
            bench.remove()
            setup.cluster.remove()
        }
        let workers = try (1...2).map { try setup.worker("worker-\($0).log") }
        defer { Self.stop(workers) }
        try Self.drop(bench, files: 10, first: 200_000)
        #expect(Workbench.eventually(within: 120) { setup.archived == 10 })

        #expect(setup.cluster.stopServer(), "the throwaway server stops")
        try Self.drop(bench, files: 20, first: 300_000)
        // Nothing is taken while the ledger cannot be reached, and each worker says why once.
        #expect(Workbench.eventually(within: 60) {
            (1...2).allSatisfy { (try? bench.read("worker-\($0).log"))?.contains("the shared ledger cannot be reached") == true }
        })
        #expect(setup.archived == 10)
        #expect(setup.cluster.startServer(), "the throwaway server starts again")

        #expect(Workbench.eventually(within: 240) { setup.archived == 30 && bench.files("inbox/shopify-orders").isEmpty })
        Self.stop(workers)
        let ids = try bench.orders().compactMap { $0["id"] as? String }
        #expect(ids.count == 60 && Set(ids).count == 60, "nothing lost, nothing twice")
        #expect(setup.sql("SELECT count(*) FROM input") == "30")
        for n in 1...2 {
            let log = try bench.read("worker-\(n).log")
            #expect(log.components(separatedBy: "no new file is taken until it answers again").count - 1 == 1, "said once, not per file")
            #expect(log.contains("the shared ledger is reachable again"))
        }
    }

    @Test func aConsoleOnTheSharedLedgerStaysALiveWorkerPastItsLeaseAndLeavesWhenStopped() throws {
        let setup = try Self.setUp()
        defer { setup.bench.remove() }
        let console = setup.bench.start(["console", "--listen", "127.0.0.1:0", "--ledger", setup.database.url, "--worker-lease", "\(Self.lease)"])
        console.environment = ProcessInfo.processInfo.environment.merging(setup.cluster.environment) { $1 }
            .merging(["MUELLE_CONSOLE_TOKEN": String(repeating: "t", count: 24)]) { $1 }
        try console.run()
        // A running worker reaps any worker silent past its lease at each of its own beats.
        let worker = try setup.worker("worker.log")
        defer { Self.stop([worker, console]) }
        let registered = "SELECT count(*) FROM worker WHERE pid = \(console.processIdentifier)"
        #expect(Workbench.eventually(within: 60) { setup.sql(registered) == "1" }, "the console is a worker of the shared ledger")

        // Three leases: without a heartbeat it would be lost after the first and reaped at the worker's next beat.
        Thread.sleep(forTimeInterval: Double(3 * Self.lease))
        #expect(setup.sql(registered + " AND NOT reaped AND heartbeat > clock_timestamp() - leaseMilliseconds * interval '1 millisecond'") == "1",
                "alive, not taken for lost: \(setup.sql("SELECT id, heartbeat, reaped FROM worker"))")

        kill(console.processIdentifier, SIGTERM)
        #expect(Workbench.eventually(within: 60) { !console.isRunning })
        #expect(setup.sql(registered) == "0", "a stopped console leaves the workers at once")
    }
}
