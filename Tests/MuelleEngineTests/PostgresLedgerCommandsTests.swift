import Foundation
import MuelleCore
import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// The reporting and repair commands on a PostgreSQL ledger, and `muelle ledger migrate`: a workspace run on SQLite
/// (orders, shipments with tracking numbers, quarantine, catalogue feeds, a token) is copied into PostgreSQL, and
/// every command then says the same with `--ledger postgres://…` as without it.
@Suite(.serialized, .enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct PostgresLedgerCommandsTests {
    /// One workspace run on SQLite and migrated into one database, shared by the tests of this suite.
    final class Migrated: @unchecked Sendable {
        let bench: Workbench
        let url: String
        let environment: [String: String]
        let migrate: Workbench.Result

        init() throws {
            let cluster = try PostgresCluster.started()
            url = try cluster.database().url
            environment = cluster.environment
            bench = try Workbench(mappings: PostgresLedgerRunTests.mappings)
            let errors = try PostgresLedgerRunTests.runExamples(bench, extra: [], environment: [:])
            guard errors.isEmpty else { throw MuelleError(.io, "the example workspace did not run: \(errors)") }
            // A file that cannot be read goes to quarantine; another is dismissed there.
            try bench.drop("mercadolibre-orders", "bad.json", "{\"results\": [ {\"id\": 1,, } ]}\n")
            try bench.drop("woocommerce-orders", "bad.json", "[ {\"id\": 1,, } ]\n")
            _ = try bench.muelle(["run", "--once"])
            let dismissed = try bench.muelle(["quarantine", "dismiss", "--by", "ana", "quarantine/woocommerce-orders/" + (bench.files("quarantine/woocommerce-orders").first { $0.hasSuffix("bad.json") } ?? "")])
            guard dismissed.status == 0 else { throw MuelleError(.io, "dismiss failed: \(dismissed.stderr)") }
            guard try bench.muelle(["tokens", "create", "--route", "shopify-orders", "--name", "Gestión"]).status == 0 else {
                throw MuelleError(.io, "tokens create failed")
            }
            migrate = try bench.muelle(["ledger", "migrate", "--to", url], environment: environment)
        }

        static let shared = Result { try Migrated() }
    }

    static func migrated() throws -> Migrated { try Migrated.shared.get() }

    /// Each command as a user runs it; the same ledger content must give the same words on both backends.
    static let commands: [[String]] = [
        ["status", "--json"],
        ["status"],
        ["orders", "list", "--json"],
        ["orders", "list"],
        ["orders", "list", "--route", "shopify-orders", "--status", "ready_to_ship"],
        ["quarantine", "list", "--json", "--all"],
        ["quarantine", "list"],
        ["tokens", "list"],
        ["labels", "get", "shopify:main:1052"],
        ["labels", "get", "shopify:main:9999"],
    ]

    @Test func theMigrationCopiesEveryTableAndChecksIt() throws {
        let migrated = try Self.migrated()
        #expect(migrated.migrate.status == 0, "\(migrated.migrate.stderr)")
        let lines = migrated.migrate.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("table") == true)
        for table in ["input", "order", "shipment", "trackingSerial", "product", "quarantineDismissal", "httpToken"] {
            let line = try #require(lines.first { $0.hasPrefix(table + " ") }, "the check lists \(table)")
            #expect(line.hasSuffix("ok"), "\(line)")
            #expect(!line.contains(" 0  "), "\(table) has rows: \(line)")
        }
        #expect(!lines.contains { $0.contains("MISMATCH") })
        let password = try PostgresCluster.started().password
        #expect(!migrated.migrate.stderr.contains(password) && !migrated.migrate.stdout.contains(password), "the password is never printed")
    }

    @Test(arguments: commands)
    func aCommandSaysTheSameOnPostgreSQLAsOnSQLite(_ command: [String]) throws {
        let migrated = try Self.migrated()
        let sqlite = try migrated.bench.muelle(command)
        let postgres = try migrated.bench.muelle(command + ["--ledger", migrated.url], environment: migrated.environment)
        #expect(postgres.status == sqlite.status, "\(postgres.stderr)")
        #expect(try Self.cards(postgres.stdout, of: command) == Self.cards(sqlite.stdout, of: command))
        #expect(postgres.stderr == sqlite.stderr)
    }

    /// `status` on a shared ledger lists its workers after the route cards (`WorkerList`), which a SQLite ledger of
    /// one worker has none of: what both must say alike is everything else.
    static func cards(_ stdout: String, of command: [String]) throws -> String {
        guard command.first == "status" else { return stdout }
        guard command.contains("--json") else {
            return (stdout.components(separatedBy: "\n\nworkers:").first ?? stdout).trimmingCharacters(in: .newlines)
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        let routes = (parsed as? [String: Any])?["routes"] ?? parsed
        return String(decoding: try JSONSerialization.data(withJSONObject: routes, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `text` with the time of each dismissal (`dismissed ... (by luis, <time>)`, `"dismissed_at": "<time>"`)
    /// replaced by `<time>`: a dismissal must carry a time on both ledgers, not the same second.
    static func withoutDismissalTimes(_ text: String) -> String {
        text.replacingOccurrences(of: #"(\(by [^,]+, |"dismissed_at" *: *")\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:?\d\d)"#,
                                  with: "$1<time>", options: .regularExpression)
    }

    @Test func repairsChangeThePostgreSQLLedgerAsTheyChangeSQLite() throws {
        let migrated = try Self.migrated()
        let pg = ["--ledger", migrated.url]
        func both(_ command: [String]) throws {
            let sqlite = try migrated.bench.muelle(command)
            let postgres = try migrated.bench.muelle(command + pg, environment: migrated.environment)
            #expect(postgres.status == sqlite.status, "\(command): \(postgres.stderr)")
            // Each side dismisses at its own moment, which a loaded machine may put a second apart.
            #expect(try Self.withoutDismissalTimes(Self.cards(postgres.stdout, of: command))
                    == Self.withoutDismissalTimes(Self.cards(sqlite.stdout, of: command)), "\(command)")
            #expect(postgres.stderr == sqlite.stderr, "\(command)")
            if command.first == "quarantine" {
                #expect(Self.withoutDismissalTimes(postgres.stdout) != postgres.stdout, "the dismissal's time is shown: \(postgres.stdout)")
            }
        }
        let listed = try JSONSerialization.jsonObject(with: Data(migrated.bench.muelle(["orders", "list", "--json"]).stdout.utf8)) as? [String: Any]
        let orders = (listed?["orders"] as? [[String: Any]]) ?? []
        let forgotten = try #require(orders.compactMap { $0["id"] as? String }.first { $0.hasPrefix("mercadolibre:") })
        try both(["orders", "forget", forgotten, "not:an:order"])
        try both(["orders", "list", "--json"])
        try both(["tokens", "revoke", "Gestión"])
        try both(["tokens", "revoke", "Gestión"])
        try both(["tokens", "list"])
        let quarantined = try #require(migrated.bench.files("quarantine/mercadolibre-orders").first { $0.hasSuffix("bad.json") })
        try both(["quarantine", "dismiss", "--by", "luis", "quarantine/mercadolibre-orders/" + quarantined])
        try both(["quarantine", "list", "--all", "--json"])
        try both(["status", "--json"])
        // Only the PostgreSQL side made a token here: the SQLite ledger does not know it.
        let made = try migrated.bench.muelle(["tokens", "create", "--route", "shopify-orders", "--name", "solo-pg"] + pg, environment: migrated.environment)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try migrated.bench.muelle(["tokens", "list"] + pg, environment: migrated.environment).stdout.contains("solo-pg"))
        #expect(try !migrated.bench.muelle(["tokens", "list"]).stdout.contains("solo-pg"))
        #expect(try migrated.bench.muelle(["tokens", "revoke", "solo-pg"] + pg, environment: migrated.environment).status == 0)
    }

    @Test func aRunOnTheMigratedLedgerKnowsTheHistory() throws {
        let cluster = try PostgresCluster.started()
        let bench = try Workbench(mappings: ["shopify-orders", "mercadolibre-orders", "deliveryapp-catalogue"])
        defer { bench.remove() }
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        try bench.dropExample("deliveryapp-catalogue", "catalogue_1042.csv")
        try bench.drop("mercadolibre-orders", "bad.json", "{\"results\": [ {\"id\": 1,, } ]}\n")
        #expect(try bench.muelle(["run", "--once", "--concurrency", "1"]).status == 1, "the bad file is rejected")
        let status = try bench.muelle(["status", "--json"]).stdout
        let url = try cluster.database().url
        let migrate = try bench.muelle(["ledger", "migrate", "--to", url], environment: cluster.environment)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let pg = ["--ledger", url]
        #expect(try Self.cards(bench.muelle(["status", "--json"] + pg, environment: cluster.environment).stdout, of: ["status", "--json"])
                == Self.cards(status, of: ["status", "--json"]))

        let before = try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String }
        #expect(before.count == 2)
        // The same export again (a duplicate) and an order never seen (a new shipment).
        try bench.dropExample("shopify-orders", "orders_export_1.csv", as: "again.csv")
        let export = try String(contentsOfFile: Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        try bench.drop("shopify-orders", "new.csv", export.replacingOccurrences(of: "#1052,", with: "#1077,"))
        let run = try bench.muelle(["run", "--once", "--concurrency", "1"] + pg, environment: cluster.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("duplicates 1"), "\(run.stderr)")
        #expect(bench.files("archive/shopify-orders/duplicates").contains { $0.hasSuffix("again.csv") })
        let sqliteOrders = try bench.muelle(["orders", "list"]).stderr
        let postgresOrders = try bench.muelle(["orders", "list"] + pg, environment: cluster.environment).stderr
        #expect(sqliteOrders != postgresOrders, "the new order went to PostgreSQL only")
        let after = try bench.ndjson("outbox/tracking").compactMap { $0["tracking_number"] as? String }
        let new = Set(after).subtracting(before)
        #expect(new.count == 1, "the new order got a shipment: \(after)")
        // Tracking numbers go on after the last one the SQLite ledger handed out: none is given twice.
        #expect(after.count == Set(after).count, "\(after)")
        let serial = { (number: String) in UInt64(number.filter(\.isNumber).dropLast()) ?? 0 }
        #expect(new.allSatisfy { number in before.allSatisfy { serial($0) < serial(number) } }, "\(before) then \(new)")
    }

    @Test func aTargetThatHoldsALedgerOrAWorkspaceInUseIsRefused() throws {
        let migrated = try Self.migrated()
        let again = try migrated.bench.muelle(["ledger", "migrate", "--to", migrated.url], environment: migrated.environment)
        #expect(again.status == 2)
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")

        let cluster = try PostgresCluster.started()
        let bench = try Workbench(mappings: ["mercadolibre-orders"])
        defer { bench.remove() }
        try bench.dropExample("mercadolibre-orders", "orders_search_2026-11-03.json")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        // The lock file keeps the last holder's words: gone, its return says the watcher below holds the lock.
        try FileManager.default.removeItem(atPath: bench.root + "/.muelle/run.lock")
        let running = bench.start(["run", "--quiet-ms", "50"])
        try running.run()
        defer { if running.isRunning { running.terminate() } }
        #expect(Workbench.eventually(within: 60) { ((try? bench.read(".muelle/run.lock")) ?? "").contains("pid") })
        let url = try cluster.database().url
        let refused = try bench.muelle(["ledger", "migrate", "--to", url], environment: cluster.environment)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("a muelle run holds this workspace"), "\(refused.stderr)")
        running.terminate()
        running.waitUntilExit()
        let copied = try bench.muelle(["ledger", "migrate", "--to", url], environment: cluster.environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        let replaced = try bench.muelle(["ledger", "migrate", "--to", url, "--replace"], environment: cluster.environment)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout == copied.stdout, "the same ledger copied again gives the same digests")
    }
}
