import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleLedger
import MuelleMapping
import Testing

/// Small drops taken in groups (issue 12): each file read and mapped alone, one ledger transaction for the
/// group, outputs and moves with one fsync per folder. A bad file settles alone, two copies of one order in a
/// group end as they would one after the other, and a process killed anywhere in a group's commit leaves
/// every order in exactly one outbox file once it starts again.
@Suite(.serialized) struct GroupCommitTests {
    static let route = PublishAfterCommitTests.route

    /// The processor on a fresh workspace with the Spanish ERP's CSV route.
    func workspace() throws -> (FileProcessor, RouteMapping, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-group-\(UUID().uuidString)").path
        let workspace = Workspace(root: root)
        for folder in ["mappings", "inbox/erp", "outbox/orders", "outbox/order-updates", "outbox/reports", ".muelle/staging", "archive", "quarantine"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let ledger = try Ledger.open(path: workspace.ledgerPath)
        let mapping = try MappingLoader.compile(yaml: FileProcessorTests.spanishERPMapping.replacingOccurrences(of: "windows-1252", with: "utf-8"),
                                                route: "erp", file: "mappings/erp.yaml")
        return (FileProcessor(workspace: workspace, ledger: ledger, logger: Logger(label: "test")), mapping, root)
    }

    static func csv(_ rows: [(order: String, status: String)]) -> String {
        "Pedido;Fecha;Estado;Cliente;Referencia;Artículo;Unidades;Precio\n"
            + rows.map { "\($0.order);03/11/2026 18:05;\($0.status);Ana;R-1;Té;1;2,00\n" }.joined()
    }

    /// Drops `files` (name, text) into `root`'s inbox, in order, and gives their paths and names.
    static func drop(_ files: [(String, String)], in root: String) throws -> [(path: String, name: String)] {
        try files.map { name, text in
            let path = root + "/inbox/erp/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            return (path, name)
        }
    }

    static func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test func aBadFileInAGroupIsQuarantinedAloneAndTheOthersGoOn() throws {
        let (processor, mapping, root) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let group = try Self.drop([
            ("a.csv", Self.csv([("V-1", "Pagado")])),
            ("bad.csv", Self.csv([("V-2", "Desconocido")])),
            ("b.csv", Self.csv([("V-3", "Pagado")])),
        ], in: root)

        let outcomes = processor.process(group: group, mapping: mapping).map { try? $0.get().state }
        #expect(outcomes == [.processed, .rejected, .processed])
        #expect(Self.names(root + "/inbox/erp").isEmpty)
        #expect(Self.names(root + "/quarantine/erp").contains { $0.hasSuffix("-bad.csv") })
        #expect(Self.names(root + "/outbox/orders").count == 2)
        let orders = try Self.names(root + "/outbox/orders").map { try String(contentsOfFile: root + "/outbox/orders/" + $0, encoding: .utf8) }.joined()
        #expect(orders.contains("V-1") && orders.contains("V-3") && !orders.contains("V-2"))
        #expect(Self.names(root + "/.muelle/staging").isEmpty)
        let ledger = try Ledger.open(path: root + "/.muelle/ledger.sqlite")
        #expect(try ledger.inputs().count == 3)
        #expect(try ledger.unmovedInputs().isEmpty)
        #expect(try ledger.pendingPublications().isEmpty)
    }

    /// What a set of files left: each input's outcome and counts, each order's status, the outbox's file names.
    static func result(_ root: String) throws -> [String] {
        let ledger = try Ledger.open(path: root + "/.muelle/ledger.sqlite")
        let inputs = try ledger.inputs().reversed().map { "\($0.name) \($0.state) kept \($0.kept) updated \($0.updated) stale \($0.stale) skipped \($0.skipped)" }
        let orders = try ledger.orders().map { "\($0.id) \($0.status)" }.sorted()
        return inputs + orders + names(root + "/outbox/orders") + names(root + "/outbox/order-updates") + names(root + "/outbox/reports")
    }

    /// The same order twice in one group — paid after pending, and pending after paid — ends as it does
    /// one file after the other: the group's later file is classified against the earlier one's orders.
    @Test(arguments: [["Pendiente", "Pagado"], ["Pagado", "Pendiente"], ["Pagado", "Pagado"]])
    func twoCopiesOfOneOrderInAGroupEndAsOneAfterTheOther(statuses: [String]) throws {
        let files = [
            ("1-first.csv", Self.csv([("V-7", statuses[0]), ("V-8", "Pagado")])),
            ("2-second.csv", Self.csv([("V-7", statuses[1])])),
        ]
        let (grouped, mapping, groupRoot) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: groupRoot) }
        let outcomes = grouped.process(group: try Self.drop(files, in: groupRoot), mapping: mapping)
        #expect(outcomes.allSatisfy { (try? $0.get()) != nil })

        let (alone, _, aloneRoot) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: aloneRoot) }
        for file in try Self.drop(files, in: aloneRoot) { _ = try alone.process(path: file.path, name: file.name, mapping: mapping) }

        #expect(try Self.result(groupRoot) == Self.result(aloneRoot))
    }

    /// Same content twice in one group is a duplicate, as it is one after the other.
    @Test func theSameContentTwiceInAGroupIsADuplicate() throws {
        let (processor, mapping, root) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let text = Self.csv([("V-9", "Pagado")])
        let outcomes = processor.process(group: try Self.drop([("a.csv", text), ("again.csv", text)], in: root), mapping: mapping)
        #expect(outcomes.map { try? $0.get().state } == [.processed, .duplicate])
        #expect(Self.names(root + "/outbox/orders").count == 1)
    }

    /// A burst of one-order drops while watching, the process SIGKILLed at a point inside a group's commit
    /// or after it: the next start finishes or redoes each file, and every order is in exactly one outbox file.
    @Test(arguments: ["group-commit", "after-group-commit", "group-published", "group-moved"])
    func aGroupKilledAnywhereLeavesEveryOrderOnceAfterTheNextStart(point: String) throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        let mapping = try bench.read("mappings/\(Self.route).yaml").replacingOccurrences(of: "on_error: reject_file", with: "on_error: skip_record")
        try bench.write("mappings/\(Self.route).yaml", mapping)
        let files = 300
        for file in 0..<files { try bench.drop(Self.route, String(format: "page-%03d.json", file), PublishAfterCommitTests.page(file)) }

        let killed = bench.start(["run", "--quiet-ms", "50"])
        killed.environment = ProcessInfo.processInfo.environment.merging(["MUELLE_TEST_KILL_AT": point]) { $1 }
        try killed.run()
        let died = Workbench.eventually(within: 120) { !killed.isRunning }
        if !died { killed.terminate() }
        #expect(died && killed.terminationReason == .uncaughtSignal, "no group reached \(point)")
        #expect(try PublishAfterCommitTests.orderFiles(bench).values.allSatisfy { $0 == 1 })

        let restart = try bench.muelle(["run", "--once"])
        #expect(restart.status == 0, "\(restart.stderr)")
        let seen = try PublishAfterCommitTests.orderFiles(bench)
        #expect(seen.count == files * PublishAfterCommitTests.ordersPerFile)
        #expect(seen.values.allSatisfy { $0 == 1 }, "in two outbox files: \(seen.filter { $0.value > 1 }.keys.sorted().prefix(5))")
        #expect(bench.files("inbox/\(Self.route)").filter { $0.hasPrefix("page-") }.isEmpty)
        #expect(bench.files(".muelle/staging").isEmpty)
        #expect(bench.files("outbox/reports").count == files)
        try PublishAfterCommitTests.expectLedgerMatchesDisk(bench)
    }
}
