import Foundation
import GRDB
@testable import MuelleLedger
import Testing

/// The ledger is an audit record: a new muelle opens any ledger an older one wrote, adds what it lacks,
/// and keeps every row.
@Suite struct LedgerMigrationTests {
    /// The migrations' identifiers, in the order they were registered.
    private let registered = Ledger.migrator.migrations

    @Test func aFreshLedgerAppliesEveryMigrationOnceInVersionOrder() throws {
        let folder = try TemporaryLedgerFolder()
        _ = try Ledger.open(path: folder.path("ledger.sqlite"))
        let applied = try DatabaseQueue(path: folder.path("ledger.sqlite")).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        #expect(applied == registered)
        // v1, v2, v3… with no gap and none out of place: a migration registered out of order would run
        // before one it depends on in a ledger made between the two.
        #expect(applied.map(Self.version) == Array(1 ... applied.count))
    }

    @Test func openingALedgerTwiceChangesNothing() throws {
        let folder = try TemporaryLedgerFolder()
        let path = folder.path("ledger.sqlite")
        try Ledger.open(path: path).write { tx in
            try tx.insert(InputEntry(route: "shop", name: "a.csv", size: 3, sha256: "abc", state: .processed,
                                     receivedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z"))
        }
        let again = try Ledger.open(path: path)
        #expect(try again.inputs().map(\.name) == ["a.csv"])
    }

    /// `Fixtures/ledger-4743f2b.sqlite` is a ledger as muelle 4743f2b wrote it (migrations v1–v3: inputs,
    /// orders, shipments, tracking serials, SFTP pulls), with one row of each; see `makeOldLedgerFixture`.
    @Test func aLedgerWrittenByAnOldMuelleIsMigratedAndKeepsItsData() throws {
        let folder = try TemporaryLedgerFolder()
        let path = folder.path("ledger.sqlite")
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: path)
        let before = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        #expect(before == Array(registered.prefix(3)))

        let ledger = try Ledger.openChecked(path: path)

        let applied = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        #expect(applied == registered)
        // The input is still the one that makes a re-sent file a duplicate; columns added later read as their defaults.
        let input = try #require(try ledger.processedInput(route: "shopify-orders", sha256: Self.sha256))
        #expect(input.name == "orders_export_1.csv")
        #expect(input.kept == 2 && input.moved && input.stale == 0 && input.cancelledAfterHandover == 0)
        #expect(try ledger.inputs().count == 2)
        let order = try #require(try ledger.knownOrder(id: "shopify:main:1050"))
        #expect(order.status == "ready_to_ship" && order.fingerprint == "f1" && order.statusAt == nil)
        #expect(try ledger.totals(route: "shopify-orders").imported == 2)
        let shipment = try #require(try ledger.shipment(key: "CO000000025"))
        #expect(shipment.trackingNumberList == ["CO000000017", "CO000000025"] && shipment.voidedAt == nil)
        #expect(try ledger.write { try $0.lastTrackingSerial(carrier: "coordinadora", agreement: "main") } == 2)
        #expect(try ledger.hasTakenRemote(source: "partner", name: "orders.csv", size: 120, mtime: 1_790_000_000))
        // And it takes new rows in the tables later versions added.
        try ledger.recordStuck(route: "shopify-orders", name: "big.csv", reason: "too big", at: "2026-11-24T00:00:00Z")
        #expect(try ledger.stuckInputs().map(\.name) == ["big.csv"])
    }

    /// Writes the old-ledger fixture, when asked (`MUELLE_WRITE_OLD_LEDGER=<path> swift test --filter
    /// makeOldLedgerFixture`): migrations v1–v3 are unchanged since 4743f2b (`git diff 4743f2b -- Sources/MuelleLedger`
    /// shows only additions after them), and the rows are inserted with the SQL of that version's columns.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MUELLE_WRITE_OLD_LEDGER"] != nil))
    func makeOldLedgerFixture() throws {
        let path = try #require(ProcessInfo.processInfo.environment["MUELLE_WRITE_OLD_LEDGER"])
        let queue = try DatabaseQueue(path: path)
        try Ledger.migrator.migrate(queue, upTo: registered[2])
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO input (route, name, size, sha256, state, receivedAt, finishedAt, destination, report, output, kept, moved)
                VALUES ('shopify-orders', 'orders_export_1.csv', 2048, ?, 'processed', '2026-11-03T09:00:00Z', '2026-11-03T09:00:01Z',
                        'archive/shopify-orders/1-orders_export_1.csv', NULL, 'outbox/orders/shopify-orders-1.ndjson', 2, 1);
                INSERT INTO input (route, name, size, sha256, state, receivedAt, finishedAt, destination, error, moved)
                VALUES ('shopify-orders', 'broken.csv', 10, 'ffff', 'rejected', '2026-11-03T09:05:00Z', '2026-11-03T09:05:00Z',
                        'quarantine/shopify-orders/2-broken.csv', 'record 1: not a decimal', 1);
                INSERT INTO "order" (id, route, status, fingerprint, fields, firstInput, lastInput, importedAt, updatedAt)
                VALUES ('shopify:main:1050', 'shopify-orders', 'ready_to_ship', 'f1', '{}', 1, 1, '2026-11-03T09:00:01Z', '2026-11-03T09:00:01Z');
                INSERT INTO shipment (orderID, carrier, agreement, service, trackingNumbers, label, state, createdAt, createdOn, document, manifestRow)
                VALUES ('shopify:main:1050', 'coordinadora', 'main', 'standard', 'CO000000017,CO000000025', 'outbox/labels/1050.pdf',
                        'open', '2026-11-03T09:00:01Z', '2026-11-03', '{}', 'Ana\tBogotá\t1.5\t0');
                INSERT INTO trackingSerial (carrier, agreement, lastSerial) VALUES ('coordinadora', 'main', 2);
                INSERT INTO sftpTaken (source, name, size, mtime, localName, takenAt)
                VALUES ('partner', 'orders.csv', 120, 1790000000, 'orders.csv', '2026-11-03T08:59:00Z');
                """, arguments: [Self.sha256])
        }
    }

    private static let sha256 = "9f2c1a0e7b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"

    private static var fixture: String {
        Bundle.module.path(forResource: "ledger-4743f2b", ofType: "sqlite", inDirectory: "Fixtures") ?? ""
    }

    /// "v12: reference data" → 12.
    private static func version(_ identifier: String) -> Int {
        Int(identifier.dropFirst().prefix { $0.isNumber }) ?? 0
    }
}

/// A folder removed when the test ends.
final class TemporaryLedgerFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
