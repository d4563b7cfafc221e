import Foundation
import GRDB
import MuelleCore
@testable import MuelleLedger
@testable import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// The PostgreSQL ledger against a real server (`PostgresCluster`): its own numbered migrations, the SQLite
/// ledger's schema, and the same answers as the SQLite ledger to the engine's questions.
@Suite(.enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct PostgresLedgerTests {
    static func fresh() throws -> (ledger: PostgresLedger, database: String) {
        let cluster = try PostgresCluster.started()
        let database = try cluster.database()
        let address = try PostgresAddress(parsing: database.url)
        return (try PostgresLedger.open(address, environment: cluster.environment), database.name)
    }

    @Test func aFreshDatabaseAppliesEveryMigrationOnceInVersionOrderWithNoGap() throws {
        let (ledger, _) = try Self.fresh()
        let applied = try ledger.appliedMigrations()
        #expect(applied.map(\.version) == Array(1...PostgresLedger.knownMigrations.count))
        #expect(applied.map(\.name) == PostgresLedger.knownMigrations.map(\.name))
        // One PostgreSQL migration per SQLite migration, named alike: a later SQLite migration has its place here.
        let sqlite = Ledger.migrator.migrations
        #expect(sqlite.count == applied.count)
        for (identifier, migration) in zip(sqlite, applied) { #expect(identifier == "v\(migration.version): \(migration.name)") }
    }

    @Test func workersStartingAtOnceOnANewDatabaseMigrateItOnce() throws {
        let cluster = try PostgresCluster.started()
        let database = try cluster.database()
        let address = try PostgresAddress(parsing: database.url)
        let outcomes = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                _ = try PostgresLedger.open(address, environment: cluster.environment)
                outcomes.append("ok")
            } catch {
                outcomes.append("\(error)")
            }
        }
        #expect(outcomes.value == ["ok", "ok", "ok", "ok"])
        let rows = cluster.psql(database.name, "SELECT count(*), min(version), max(version) FROM schema_migrations")
        #expect(rows.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(PostgresLedger.knownMigrations.count)|1|\(PostgresLedger.knownMigrations.count)")
    }

    /// The same tables and columns as the SQLite ledger after all its migrations (PostgreSQL folds names to lower case).
    @Test func theSchemaIsTheSQLiteLedgersSchema() throws {
        let cluster = try PostgresCluster.started()
        let (_, database) = try Self.fresh()
        let sqlite = try DatabaseQueue()
        try Ledger.migrator.migrate(sqlite)
        let sqliteColumns: [String: Set<String>] = try sqlite.read { db in
            var tables: [String: Set<String>] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'") {
                tables[table.lowercased()] = Set(try db.columns(in: table).map { $0.name.lowercased() })
            }
            return tables
        }
        let listing = cluster.psql(database, """
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
            """)
        #expect(listing.status == 0, "\(listing.output)")
        var postgresColumns: [String: Set<String>] = [:]
        for line in listing.output.split(separator: "\n") {
            let parts = line.split(separator: ".", maxSplits: 1).map(String.init)
            postgresColumns[parts[0], default: []].insert(parts[1])
        }
        #expect(postgresColumns == sqliteColumns)
    }

    @Test func anAddressWithAPasswordInItIsRefusedAndTheSecretIsNeverShown() throws {
        #expect(throws: MuelleError.self) { try PostgresAddress(parsing: "postgres://muelle:hunter2@db:5432/muelle") }
        #expect(throws: MuelleError.self) { try PostgresAddress(parsing: "postgres://muelle@db/muelle?password=hunter2") }
        let address = try PostgresAddress(parsing: "postgres://muelle@db:6543/ledger?password=env:PGPASS")
        #expect(address == PostgresAddress(user: "muelle", host: "db", port: 6543, database: "ledger", password: .environment("PGPASS")))
        #expect(try PostgresAddress(parsing: "postgres://muelle@db/ledger?password_file=/run/secrets/pg").password == .file("/run/secrets/pg"))
        let cluster = try PostgresCluster.started()
        let database = try cluster.database()
        // The variable is not set: the error names it, not a value.
        #expect {
            _ = try PostgresLedger.open(try PostgresAddress(parsing: database.url), environment: [:])
        } throws: { "\($0)".contains(PostgresCluster.passwordVariable) }
        // A wrong password: the server's words, and no password in them.
        #expect {
            _ = try PostgresLedger.open(try PostgresAddress(parsing: database.url), environment: [PostgresCluster.passwordVariable: "wrong-secret"])
        } throws: { error in "\(error)".contains("password authentication failed") && !"\(error)".contains("wrong-secret") }
    }
}

/// The engine's ledger questions, asked of both backends: the same answers.
@Suite(.enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct LedgerBackendTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }

        func open() throws -> any LedgerStore {
            switch self {
            case .sqlite: return try Ledger.inMemory()
            case .postgres: return try PostgresLedgerTests.fresh().ledger
            }
        }
    }

    static func input(_ name: String, sha: String, state: InputEntry.State = .processed) -> InputEntry {
        InputEntry(route: "shop", name: name, size: 10, sha256: sha, state: state, receivedAt: "2026-11-24T10:00:00Z", finishedAt: "2026-11-24T10:00:01Z")
    }

    @Test(arguments: Backend.allCases)
    func aCommittedInputMakesTheSameContentADuplicateAndARolledBackOneDoesNot(_ backend: Backend) throws {
        let ledger = try backend.open()
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try ledger.transaction { (tx: any LedgerWriting) throws in
                try tx.insert(Self.input("a.csv", sha: "aaa"))
                try tx.save(OrderEntry(id: "o-1", route: "shop", status: "paid", fingerprint: "f", fields: "", firstInput: 1, lastInput: 1,
                                       importedAt: "t", updatedAt: "t"))
                throw Crash()
            }
        }
        #expect(try ledger.processedInput(route: "shop", sha256: "aaa") == nil)
        #expect(try ledger.knownOrder(id: "o-1") == nil)

        let id = try ledger.transaction { (tx: any LedgerWriting) throws -> Int64 in
            let reserved = try tx.nextInputID()
            let inserted = try tx.insert(Self.input("a.csv", sha: "aaa"))
            #expect(inserted == reserved, "outputs are named after the id nextInputID gave")
            try tx.recordPublications(batch: "b1", inputID: inserted, files: [("staging/x", "outbox/orders/x.ndjson")])
            return inserted
        }
        let found = try #require(try ledger.processedInput(route: "shop", sha256: "aaa"))
        #expect(found.id == id && found.name == "a.csv" && !found.moved)
        #expect(try ledger.unmovedInputs().map(\.id) == [id])
        #expect(try ledger.pendingPublications().map(\.final) == ["outbox/orders/x.ndjson"])
        // A group marks its files moved in one write.
        try ledger.markMoved(ids: [id])
        #expect(try ledger.unmovedInputs().isEmpty)
        #expect(try ledger.pendingPublications().isEmpty)
        #expect(try ledger.lastInput(route: "shop", name: "a.csv")?.id == id)
    }

    @Test(arguments: Backend.allCases)
    func ordersAreFoundInOneQueryAndUpdatedInPlace(_ backend: Backend) throws {
        let ledger = try backend.open()
        try ledger.transaction { (tx: any LedgerWriting) throws in
            for n in 1...3 {
                try tx.save(OrderEntry(id: "o-\(n)", route: "shop", status: "paid", fingerprint: "f\(n)", fields: "a=1", firstInput: 1, lastInput: 1,
                                       importedAt: "t", updatedAt: "t", statusAt: n == 2 ? "2026-11-24T09:00:00Z" : nil))
            }
            try tx.save(OrderEntry(id: "o-1", route: "shop", status: "shipped", fingerprint: "g", fields: "a=2", firstInput: 1, lastInput: 2,
                                   importedAt: "t", updatedAt: "u"))
        }
        let found = try ledger.transaction { tx in try tx.orders(ids: ["o-1", "o-2", "o-9"]) }
        #expect(found.keys.sorted() == ["o-1", "o-2"])
        #expect(found["o-1"]?.status == "shipped" && found["o-1"]?.firstInput == 1 && found["o-1"]?.lastInput == 2)
        #expect(found["o-2"]?.statusAt == "2026-11-24T09:00:00Z")
        #expect(try ledger.transaction { tx in try tx.deleteOrders(ids: ["o-3"]) } == 1)
        #expect(try ledger.knownOrder(id: "o-3") == nil)
    }

    @Test(arguments: Backend.allCases)
    func trackingSerialsShipmentsAndManifestsRoundTrip(_ backend: Backend) throws {
        let ledger = try backend.open()
        try ledger.transaction { (tx: any LedgerWriting) throws in
            #expect(try tx.lastTrackingSerial(carrier: "coord", agreement: "A") == nil)
            try tx.setLastTrackingSerial(41, carrier: "coord", agreement: "A")
            try tx.setLastTrackingSerial(42, carrier: "coord", agreement: "A")
            try tx.save(ShipmentEntry(orderID: "o-1", carrier: "coord", agreement: "A", service: "std", trackingNumbers: ["CO1", "CO2"],
                                      label: "outbox/labels/o-1.pdf", createdAt: "2026-11-24T10:00:00Z", createdOn: "2026-11-24",
                                      document: "{}", manifestRow: "Ana\tBogotá\t1\t0"))
            try tx.save(ManifestEntry(id: "m-1", carrier: "coord", agreement: "A", date: "2026-11-23", closedAt: "t", files: ["a.pdf", "b.csv"]))
        }
        try ledger.transaction { (tx: any LedgerWriting) throws in
            #expect(try tx.lastTrackingSerial(carrier: "coord", agreement: "A") == 42)
            #expect(try tx.openShipments(carrier: "coord", upTo: "2026-11-24").map(\.orderID) == ["o-1"])
            #expect(try tx.manifest(id: "m-1")?.files == "a.pdf\nb.csv")
            #expect(try tx.manifestCount(carrier: "coord", agreement: "A", date: "2026-11-23") == 1)
        }
        #expect(try ledger.shipment(key: "CO2")?.orderID == "o-1")
        #expect(try ledger.shipment(key: "o-1")?.trackingNumberList == ["CO1", "CO2"])
        #expect(try ledger.hasManifest(carrier: "coord", date: "2026-11-23"))
        #expect(try ledger.openShipmentsByCarrier() == [OpenShipments(carrier: "coord", parcels: 1, since: "2026-11-24")])
    }

    @Test(arguments: Backend.allCases)
    func attemptsStuckFilesWaitsAlertsAndTokens(_ backend: Backend) throws {
        let ledger = try backend.open()
        #expect(try ledger.beginAttempt(route: "shop", sha256: "s", name: "a.csv", at: "t1") == 0)
        #expect(try ledger.beginAttempt(route: "shop", sha256: "s", name: "a.csv", at: "t2") == 1)
        try ledger.endAttempt(route: "shop", sha256: "s")
        #expect(try ledger.beginAttempt(route: "shop", sha256: "s", name: "a.csv", at: "t3") == 0)
        // A group's attempts: a file already attempted keeps its count (it is then taken alone), a new one gets its first.
        let group = [AttemptedFile(route: "shop", sha256: "s", name: "a.csv"), AttemptedFile(route: "shop", sha256: "n", name: "n.csv")]
        #expect(try ledger.beginAttempts(group, at: "t4") == [1, 0])
        #expect(try ledger.beginAttempt(route: "shop", sha256: "n", name: "n.csv", at: "t5") == 1)

        try ledger.recordStuck(route: "shop", name: "b.csv", reason: "unreadable", at: "t1")
        try ledger.recordStuck(route: "shop", name: "b.csv", reason: "still unreadable", at: "t2")
        #expect(try ledger.stuckInputs(route: nil) == [StuckInput(route: "shop", name: "b.csv", reason: "still unreadable", since: "t1", lastTried: "t2", attempts: 2)])
        try ledger.clearStuck(route: "shop", name: "b.csv")
        #expect(try ledger.stuckInputs(route: "shop").isEmpty)

        #expect(try ledger.recordReferenceWait(route: "orders", name: "c.csv", referenceRoutes: ["customers"], reason: "no customer 7", at: "t1", epoch: 100) == 100)
        #expect(try ledger.recordReferenceWait(route: "orders", name: "c.csv", referenceRoutes: ["customers"], reason: "no customer 8", at: "t2", epoch: 200) == 100)
        #expect(try ledger.referenceWaits(route: nil, waitingFor: "customers").map(\.reason) == ["no customer 8"])

        var alert = AlertEntry(cause: "route_late:shop:1", kind: "route_late", route: "shop", subject: "shop", message: "late", since: "t1")
        try ledger.openAlert(alert)
        try ledger.openAlert(alert)
        let open = try ledger.unsettledAlerts()
        #expect(open.count == 1)
        alert.id = open.first?.id
        try ledger.fireAlert(id: alert.id ?? 0, at: "t2")
        try ledger.markAlertSent(id: alert.id ?? 0, resolved: false)
        try ledger.resolveAlert(id: alert.id ?? 0, at: "t3")
        try ledger.markAlertSent(id: alert.id ?? 0, resolved: true)
        #expect(try ledger.unsettledAlerts().isEmpty)

        #expect(try ledger.tokens().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func quarantineListsTheLatestRejectionPerFileAndDismissesOnce(_ backend: Backend) throws {
        let ledger = try backend.open()
        let id = try ledger.transaction { (tx: any LedgerWriting) throws -> Int64 in
            var first = Self.input("bad.csv", sha: "b1", state: .rejected)
            first.destination = "quarantine/shop/b1-bad.csv"
            try tx.insert(first)
            var again = Self.input("bad.csv", sha: "b1", state: .rejected)
            again.destination = "quarantine/shop/b1-bad.csv"
            return try tx.insert(again)
        }
        #expect(try ledger.quarantined(route: "shop").map(\.entry.id) == [id])
        #expect(try ledger.dismissQuarantined(inputID: id, by: "ana", at: "t"))
        #expect(try !ledger.dismissQuarantined(inputID: id, by: "luis", at: "t2"))
        #expect(try ledger.quarantined(route: nil).first?.dismissedBy == "ana")
    }

    @Test(arguments: Backend.allCases)
    func catalogueAndReferenceData(_ backend: Backend) throws {
        let ledger = try backend.open()
        try ledger.transaction { (tx: any LedgerWriting) throws in
            try tx.saveProducts(route: "cat", [(key: "b", fingerprint: "1"), (key: "a", fingerprint: "1")], inputID: 1)
            // A key twice in one batch keeps its last fingerprint.
            try tx.saveProducts(route: "cat", [(key: "b", fingerprint: "2"), (key: "b", fingerprint: "3")], inputID: 2)
            #expect(try tx.productFingerprints(route: "cat", keys: ["a", "b", "z"]) == ["a": "1", "b": "3"])
            #expect(try tx.productsMissing(route: "cat", from: 2) == ["a"])
            try tx.deleteProducts(route: "cat", keys: ["a"])
            #expect(try tx.productCount(route: "cat") == 1)
            #expect(try tx.saveReference(route: "customers", key: "7", fingerprint: "f", record: "{}", lookupValues: ["name": "Ana"], inputID: 1))
            #expect(try !tx.saveReference(route: "customers", key: "7", fingerprint: "f", record: "{}", lookupValues: ["name": "Ana"], inputID: 2))
            try tx.markDeliveryPending(file: "outbox/x.csv", route: "cat", destination: "sftp://p@h/in", at: "t")
        }
        #expect(try ledger.referenceValues(route: "customers", key: "7") == ["name": "Ana"])
        try ledger.recordDeliveryAttempt(file: "outbox/x.csv", delivered: false, error: "refused", at: "t2")
        #expect(try ledger.pendingDeliveries(route: "cat").map(\.attempts) == [1])
        try ledger.recordTakenRemote(source: "p", name: "f.csv", size: 3, mtime: 9, localName: "f.csv", at: "t")
        #expect(try ledger.hasTakenRemote(source: "p", name: "f.csv", size: 3, mtime: 9))
        #expect(try !ledger.hasTakenRemote(source: "p", name: "f.csv", size: 4, mtime: 9))
    }
}

/// A value several threads append to.
final class Mutexed<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
}
