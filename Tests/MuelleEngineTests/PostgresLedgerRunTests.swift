import Foundation
import MuelleCore
import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// `muelle run --ledger postgres://…`: the example workspace gives the outbox the SQLite ledger gives, and the
/// ledger in the database says what the SQLite one would.
@Suite(.serialized, .enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct PostgresLedgerRunTests {
    static let mappings = (try? FileManager.default.contentsOfDirectory(atPath: Workbench.repository + "/mappings"))?
        .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []

    /// The example workspace in its two steps (the exports, then later events and a changed page), each a `run --once`.
    static func runExamples(_ bench: Workbench, extra: [String], environment: [String: String]) throws -> [String] {
        var errors: [String] = []
        for step in ["inbox", "later"] {
            let root = Workbench.repository + "/examples/" + step
            for route in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
                for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + route).sorted() {
                    let path = try bench.drop(route, name, try Data(contentsOf: URL(fileURLWithPath: root + "/" + route + "/" + name)))
                    // The same arrival time on both benches: some routes date their events by it.
                    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_795_000_000)], ofItemAtPath: path)
                }
            }
            let result = try bench.muelle(["run", "--once", "--concurrency", "1"] + extra, environment: environment)
            if result.status != 0 { errors.append("\(step): status \(result.status): \(result.stderr)") }
        }
        return errors
    }

    /// Every file under `outbox/`, by path, with its content where it is the same whenever it is made (reports and
    /// labels carry the time they were made; their names do not).
    static func outbox(_ bench: Workbench) throws -> [String: String] {
        var files: [String: String] = [:]
        let root = bench.root + "/outbox"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        while let path = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let stable = !path.hasPrefix("reports/") && !path.hasSuffix(".pdf")
            files[path] = stable ? try String(contentsOfFile: root + "/" + path, encoding: .utf8) : ""
        }
        return files
    }

    @Test func theExampleWorkspaceGivesTheSameOutboxOnPostgreSQLAsOnSQLite() throws {
        let cluster = try PostgresCluster.started()
        let database = try cluster.database()

        let sqlite = try Workbench(mappings: Self.mappings)
        defer { sqlite.remove() }
        #expect(try Self.runExamples(sqlite, extra: [], environment: [:]).isEmpty)

        let postgres = try Workbench(mappings: Self.mappings)
        defer { postgres.remove() }
        #expect(try Self.runExamples(postgres, extra: ["--ledger", database.url], environment: cluster.environment).isEmpty)

        let expected = try Self.outbox(sqlite)
        let got = try Self.outbox(postgres)
        #expect(expected.count > 10, "the example workspace makes outputs")
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (path, text) in expected where got[path] != text {
            let theirs = (got[path] ?? "").split(separator: "\n")
            let first = zip(text.split(separator: "\n"), theirs).first { $0 != $1 }
            Issue.record("outbox/\(path) differs on PostgreSQL: SQLite \(first?.0 ?? "…") / PostgreSQL \(first?.1 ?? "…")")
        }
        // No ledger file was made: the run kept its ledger in the database.
        #expect(!postgres.exists(".muelle/ledger.sqlite"))
        let ledger = try PostgresLedger.open(try PostgresAddress(parsing: database.url), environment: cluster.environment)
        #expect(try ledger.inputs(route: nil, limit: 1000).count == sqlite.files("archive").reduce(0) { count, route in
            count + sqlite.files("archive/\(route)").filter { $0 != "duplicates" }.count + sqlite.files("archive/\(route)/duplicates").count
        })
        #expect(try ledger.unmovedInputs().isEmpty)
        #expect(try ledger.pendingPublications().isEmpty)
    }

    @Test func aLedgerAddressWithThePasswordInItIsRefusedBeforeAnythingIsTaken() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        let result = try bench.muelle(["run", "--once", "--ledger", "postgres://muelle:hunter2@127.0.0.1:5432/muelle"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("password=env:NAME"))
        #expect(!result.stderr.contains("hunter2"))
        #expect(bench.files("inbox/shopify-orders") == ["orders_export_1.csv"])
    }
}
