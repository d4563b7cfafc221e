import Foundation
import MuelleLedger
import Testing

/// Stage → commit → publish (issue 10 item 3): no output is visible that the ledger did not commit.
/// A disk that fills up mid-batch leaves no orders file of a failed commit behind, so a partner's
/// re-send with other bytes cannot put the same order into a second outbox file; and a process
/// killed between its commit and its renames has them finished by the next start.
@Suite(.serialized) struct PublishAfterCommitTests {
    static let route = "mercadolibre-orders"
    /// One order and many rejected records per page: the report (a few 4 KB tmpfs pages, written
    /// after the orders file) is larger than the orders file (one page), so a filling disk refuses
    /// a report or the ledger's commit after the orders file was staged — the window in which an
    /// orders file used to be published without its commit.
    static let ordersPerFile = 1
    static let badRecordsPerFile = 30

    /// One page of orders; `variant` changes the bytes (a re-send) but not the orders.
    static func page(_ file: Int, variant: Int = 0) -> String {
        let orders = (0..<ordersPerFile).map { n -> String in
            let id = 4_000_000_000 + file * 100 + n
            return """
                {"id": \(id), "status": "paid", "date_created": "2026-11-0\(1 + file % 9)T10:\(10 + n):00.000-05:00",
                 "currency_id": "COP", "total_amount": \(1000 + file), "buyer": {"first_name": "Cliente", "last_name": "Nº \(file)"},
                 "order_items": [{"item": {"seller_sku": "SKU-\(file % 7)", "title": "Producto \(file)"}, "quantity": \(1 + n % 3), "unit_price": \(1000 + file).50}],
                 "tags": ["paid"]}
                """
        }
        let bad = (0..<badRecordsPerFile).map { n in "{\"id\": \(9_000_000_000 + file * 100 + n), \"status\": \"not-a-status-\(n)\", \"tags\": []}" }
        return "{\"results\": [\((orders + bad).joined(separator: ",\n"))], \"paging\": {\"offset\": \(file), \"sent\": \(variant)}}"
    }

    /// Every order id of `outbox/orders`, with how many files carry it.
    static func orderFiles(_ bench: Workbench) throws -> [String: Int] {
        var seen: [String: Int] = [:]
        for name in bench.files("outbox/orders") {
            let text = try bench.read("outbox/orders/" + name)
            for line in text.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let id = object["external_id"] as? String else { continue }
                seen[id, default: 0] += 1
            }
        }
        return seen
    }

    /// The ledger and the outbox say the same: every output a processed input names exists, every
    /// orders file is named by one, and nothing committed waits unpublished. With `settled`, no row is
    /// left either (a full disk can keep a run from clearing rows of files it did rename; a start drops them).
    static func expectLedgerMatchesDisk(_ bench: Workbench, settled: Bool = true) throws {
        let ledger = try Ledger.open(path: bench.root + "/.muelle/ledger.sqlite")
        let inputs = try ledger.inputs(route: route)
        var named = Set<String>()
        for input in inputs where input.state == .processed {
            for output in (input.output ?? "").split(separator: "\n").map(String.init) {
                named.insert(output)
                #expect(bench.exists(output), "the ledger names \(output), which is not on disk")
            }
            if let report = input.report { #expect(bench.exists(report), "report \(report) missing") }
        }
        for name in bench.files("outbox/orders") {
            #expect(named.contains("outbox/orders/" + name), "outbox/orders/\(name) is on disk but no committed input made it")
        }
        let pending = try ledger.pendingPublications()
        #expect(pending.allSatisfy { !bench.exists($0.staged) && bench.exists($0.final) }, "committed and not published: \(pending.prefix(3))")
        if settled { #expect(pending.isEmpty) }
    }

    /// `roomKB`: free space left after the batch was dropped; each fills up at a different step.
    // The smallest room holds a new ledger (its schema grows with each migration: v12–v14 added reference,
    // alert and token tables) and a file or two.
    @Test(arguments: [560, 600, 680, 760, 840])
    func aDiskFillingUpMidBatchLeavesEveryOrderInExactlyOneOutboxFile(roomKB: Int) throws {
        let mountPoint = FileManager.default.temporaryDirectory.path + "/muelle-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            print("⚠️⚠️⚠️ SKIPPED: mount -t tmpfs was refused (not root?): the full-disk test did not run ⚠️⚠️⚠️")
            return
        }
        defer { Self.system(["/bin/umount", mountPoint]) }
        let bench = try Workbench(mappings: [Self.route], in: mountPoint)
        // Bad records are skipped (and reported), so every page imports its one order.
        let mapping = try bench.read("mappings/\(Self.route).yaml").replacingOccurrences(of: "on_error: reject_file", with: "on_error: skip_record")
        try bench.write("mappings/\(Self.route).yaml", mapping)
        let files = 150
        for file in 0..<files { try bench.drop(Self.route, String(format: "page-%03d.json", file), Self.page(file)) }
        // Room for a few files: the disk fills up early in the batch.
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: mountPoint)
        let used = ((attributes[.systemSize] as? Int) ?? 0) - ((attributes[.systemFreeSize] as? Int) ?? 0)
        Self.system(["/bin/mount", "-o", "remount,size=\((used >> 10) + roomKB)k", mountPoint])

        let full = try bench.muelle(["run", "--once", "--concurrency", "1"])
        let left = bench.files("inbox/\(Self.route)").filter { $0.hasPrefix("page-") }
        #expect(!left.isEmpty, "the disk never filled up: make the pages larger or the tmpfs smaller\n\(full.stderr)")
        #expect(left.count < files, "nothing was processed before the disk filled up\n\(full.stderr)")
        #expect(try Self.orderFiles(bench).values.allSatisfy { $0 == 1 })

        // Space again (the check opens the ledger, which may write); the partner re-sends every file
        // that did not go through, with other bytes.
        Self.system(["/bin/mount", "-o", "remount,size=64m", mountPoint])
        try Self.expectLedgerMatchesDisk(bench, settled: false)
        for name in left {
            let file = Int(name.dropFirst(5).prefix(3)) ?? 0
            try FileManager.default.removeItem(atPath: bench.root + "/inbox/\(Self.route)/" + name)
            try bench.drop(Self.route, name, Self.page(file, variant: 1))
        }
        let again = try bench.muelle(["run", "--once", "--concurrency", "1"])
        #expect(again.status == 0, "\(again.stderr)")
        let seen = try Self.orderFiles(bench)
        #expect(seen.count == files * Self.ordersPerFile)
        #expect(seen.values.allSatisfy { $0 == 1 }, "in two outbox files: \(seen.filter { $0.value > 1 }.keys.sorted().prefix(5))")
        #expect(bench.files("inbox/\(Self.route)").filter { $0.hasPrefix("page-") }.isEmpty)
        try Self.expectLedgerMatchesDisk(bench)
    }

    @Test func aKillBetweenCommitAndPublishIsFinishedByTheNextStart() throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        try bench.drop(Self.route, "page-000.json", Self.page(0))

        let killed = bench.start(["run", "--once"])
        killed.environment = ProcessInfo.processInfo.environment.merging(["MUELLE_TEST_KILL_AT": "after-commit"]) { $1 }
        try killed.run()
        killed.waitUntilExit()
        #expect(killed.terminationReason == .uncaughtSignal, "the test hook did not stop the process after its commit")
        // Committed, not yet published: nothing is visible, and the ledger knows where it goes.
        #expect(bench.files("outbox/orders").isEmpty)
        #expect(bench.files("outbox/reports").isEmpty)
        let ledger = try Ledger.open(path: bench.root + "/.muelle/ledger.sqlite")
        let pending = try ledger.pendingPublications()
        #expect(pending.contains { $0.final.hasPrefix("outbox/orders/") })
        #expect(pending.allSatisfy { bench.exists($0.staged) })

        let restart = try bench.muelle(["run", "--once"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stderr.contains("committed before an interruption"))
        let seen = try Self.orderFiles(bench)
        #expect(seen.count == Self.ordersPerFile && seen.values.allSatisfy { $0 == 1 })
        #expect(bench.files("outbox/reports").count == 1)
        #expect(bench.files("archive/\(Self.route)").count == 1)
        #expect(bench.files(".muelle/staging").isEmpty)
        try Self.expectLedgerMatchesDisk(bench)
    }

    @discardableResult
    static func system(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
