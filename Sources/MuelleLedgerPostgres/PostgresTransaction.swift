import Foundation
import MuelleCore
import MuelleLedger
import PostgresNIO

/// The PostgreSQL ledger inside one transaction: one connection, held from BEGIN to COMMIT.
final class PostgresTransaction: LedgerWriting {
    let session: PostgresSession
    /// The id `nextInputID` handed out, for the next `insert` to use. Taken from the table's sequence, so two
    /// workers committing at once never name their outputs after the same input id (SQLite's `MAX(id) + 1` is
    /// safe only because it has one writer).
    private var reservedInputID: Int64?

    init(session: PostgresSession) {
        self.session = session
    }

    private func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] { try session.rows(query) }
    @discardableResult
    private func execute(_ query: PostgresQuery) throws -> Int { try session.execute(query) }

    // MARK: Inputs and orders

    @discardableResult
    func insert(_ entry: InputEntry) throws -> Int64 {
        let id = entry.id ?? reservedInputID
        reservedInputID = nil
        let inserted = try rows("""
            INSERT INTO input (id, route, name, size, sha256, state, receivedAt, finishedAt, destination, report, output, kept, filtered, rejected,
                               skipped, updated, stale, cancelledAfterHandover, error, moved, released)
            VALUES (COALESCE(\(id), nextval(pg_get_serial_sequence('input', 'id'))), \(entry.route), \(entry.name), \(entry.size), \(entry.sha256),
                    \(entry.state.rawValue), \(entry.receivedAt), \(entry.finishedAt), \(entry.destination), \(entry.report), \(entry.output),
                    \(entry.kept), \(entry.filtered), \(entry.rejected), \(entry.skipped), \(entry.updated), \(entry.stale),
                    \(entry.cancelledAfterHandover), \(entry.error), \(entry.moved), \(entry.released))
            RETURNING id
            """)
        // An outcome recorded: the attempt at reading it ended without a crash.
        try execute("DELETE FROM attempt WHERE route = \(entry.route) AND sha256 = \(entry.sha256)")
        return try inserted.first.map { try $0.value("id", as: Int64.self) } ?? 0
    }

    func order(id: String) throws -> OrderEntry? {
        try rows(#"SELECT * FROM "order" WHERE id = \#(id)"#).first.map { try $0.orderEntry() }
    }

    func orders(ids: [String]) throws -> [String: OrderEntry] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: OrderEntry] = [:]
        for row in try rows(#"SELECT * FROM "order" WHERE id = ANY(\#(ids))"#) {
            let order = try row.orderEntry()
            found[order.id] = order
        }
        return found
    }

    func save(_ order: OrderEntry) throws {
        try execute("""
            INSERT INTO "order" (id, route, status, fingerprint, fields, firstInput, lastInput, importedAt, updatedAt, statusAt, snapshotAt)
            VALUES (\(order.id), \(order.route), \(order.status), \(order.fingerprint), \(order.fields), \(order.firstInput), \(order.lastInput),
                    \(order.importedAt), \(order.updatedAt), \(order.statusAt), \(order.snapshotAt))
            ON CONFLICT (id) DO UPDATE SET route = excluded.route, status = excluded.status, fingerprint = excluded.fingerprint,
                fields = excluded.fields, lastInput = excluded.lastInput, updatedAt = excluded.updatedAt,
                statusAt = excluded.statusAt, snapshotAt = excluded.snapshotAt
            """)
    }

    func deleteOrders(ids: [String]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try execute(#"DELETE FROM "order" WHERE id = ANY(\#(ids))"#)
    }

    func processedCount(route: String, sha256: String) throws -> Int {
        try rows("SELECT COUNT(*) AS n FROM input WHERE route = \(route) AND sha256 = \(sha256) AND state = 'processed'")
            .first.map { try $0.value("n", as: Int.self) } ?? 0
    }

    func nextInputID() throws -> Int64 {
        if let reservedInputID { return reservedInputID }
        let id = try rows("SELECT nextval(pg_get_serial_sequence('input', 'id')) AS id").first.map { try $0.value("id", as: Int64.self) } ?? 1
        reservedInputID = id
        return id
    }

    func recordPublications(batch: String, inputID: Int64?, files: [(staged: String, final: String)]) throws {
        for file in files {
            try execute("INSERT INTO publication (batch, inputID, staged, final) VALUES (\(batch), \(inputID), \(file.staged), \(file.final))")
        }
    }

    // MARK: Catalogue

    func productFingerprints(route: String, keys: [String]) throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        var found: [String: String] = [:]
        for row in try rows("SELECT key, fingerprint FROM product WHERE route = \(route) AND key = ANY(\(keys))") {
            found[try row.value("key")] = try row.value("fingerprint")
        }
        return found
    }

    /// One statement for the batch; a key twice in it keeps its last fingerprint (one row may not be upserted
    /// twice by one statement).
    func saveProducts(route: String, _ products: [(key: String, fingerprint: String)], inputID: Int64) throws {
        guard !products.isEmpty else { return }
        var latest: [String: Int] = [:]
        for (index, product) in products.enumerated() { latest[product.key] = index }
        let kept = products.indices.filter { latest[products[$0].key] == $0 }
        let keys = kept.map { products[$0].key }
        let fingerprints = kept.map { products[$0].fingerprint }
        try execute("""
            INSERT INTO product (route, key, fingerprint, lastInput)
            SELECT \(route), k, f, \(inputID) FROM unnest(\(keys)::text[], \(fingerprints)::text[]) AS t(k, f)
            ON CONFLICT (route, key) DO UPDATE SET fingerprint = excluded.fingerprint, lastInput = excluded.lastInput
            """)
    }

    func productCount(route: String) throws -> Int {
        try rows("SELECT COUNT(*) AS n FROM product WHERE route = \(route)").first.map { try $0.value("n", as: Int.self) } ?? 0
    }

    func productsMissing(route: String, from inputID: Int64) throws -> [String] {
        try rows("SELECT key FROM product WHERE route = \(route) AND lastInput <> \(inputID) ORDER BY key COLLATE \"C\"").map { try $0.value("key") }
    }

    func deleteProducts(route: String, keys: [String]) throws {
        guard !keys.isEmpty else { return }
        try execute("DELETE FROM product WHERE route = \(route) AND key = ANY(\(keys))")
    }

    // MARK: Reference data and deliveries

    func saveReference(route: String, key: String, fingerprint: String, record: String, lookupValues: [String: String], inputID: Int64) throws -> Bool {
        let latest = try rows("SELECT fingerprint FROM referenceRecord WHERE route = \(route) AND key = \(key) ORDER BY input DESC LIMIT 1")
            .first.map { try $0.value("fingerprint", as: String.self) }
        guard latest != fingerprint else { return false }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let values = String(decoding: try encoder.encode(lookupValues), as: UTF8.self)
        // A key twice in one file: its last record is the file's version.
        try execute("""
            INSERT INTO referenceRecord (route, key, fingerprint, record, lookupValues, input) VALUES (\(route), \(key), \(fingerprint), \(record), \(values), \(inputID))
            ON CONFLICT (route, key, input) DO UPDATE SET fingerprint = excluded.fingerprint, record = excluded.record, lookupValues = excluded.lookupValues
            """)
        return true
    }

    func markDeliveryPending(file: String, route: String, destination: String, at: String) throws {
        try execute("""
            INSERT INTO delivery (file, route, destination, state, attempts, lastError, updatedAt) VALUES (\(file), \(route), \(destination), 'pending', 0, NULL, \(at))
            ON CONFLICT (file) DO UPDATE SET route = excluded.route, destination = excluded.destination, state = 'pending',
                attempts = 0, lastError = NULL, updatedAt = excluded.updatedAt
            """)
    }

    // MARK: Shipping

    func shipment(orderID: String) throws -> ShipmentEntry? {
        try rows("SELECT * FROM shipment WHERE orderID = \(orderID)").first.map { try $0.shipmentEntry() }
    }

    func save(_ shipment: ShipmentEntry) throws {
        try execute("""
            INSERT INTO shipment (orderID, carrier, agreement, service, trackingNumbers, label, state, manifest, createdAt, createdOn, document,
                                  manifestRow, voidedAt, voidReason, handoverException, exceptionManifest)
            VALUES (\(shipment.orderID), \(shipment.carrier), \(shipment.agreement), \(shipment.service), \(shipment.trackingNumbers), \(shipment.label),
                    \(shipment.state), \(shipment.manifest), \(shipment.createdAt), \(shipment.createdOn), \(shipment.document), \(shipment.manifestRow),
                    \(shipment.voidedAt), \(shipment.voidReason), \(shipment.handoverException), \(shipment.exceptionManifest))
            ON CONFLICT (orderID) DO UPDATE SET carrier = excluded.carrier, agreement = excluded.agreement, service = excluded.service,
                trackingNumbers = excluded.trackingNumbers, label = excluded.label, state = excluded.state, manifest = excluded.manifest,
                createdAt = excluded.createdAt, createdOn = excluded.createdOn, document = excluded.document, manifestRow = excluded.manifestRow,
                voidedAt = excluded.voidedAt, voidReason = excluded.voidReason, handoverException = excluded.handoverException,
                exceptionManifest = excluded.exceptionManifest
            """)
    }

    /// Locks the agreement's row until the commit: a second worker allocating numbers under the same agreement
    /// waits here and then reads the serial this transaction leaves, so no number is handed out twice.
    func lastTrackingSerial(carrier: String, agreement: String) throws -> UInt64? {
        // `FOR UPDATE` locks nothing while the row does not exist yet: two workers' first shipments would both start
        // from nothing and hand out the same numbers. A lock on the pair, held until the commit, orders them.
        try execute("SELECT pg_advisory_xact_lock(hashtext(\(carrier) || '/' || \(agreement)))")
        return try rows("SELECT lastSerial FROM trackingSerial WHERE carrier = \(carrier) AND agreement = \(agreement) FOR UPDATE")
            .first.map { UInt64(bitPattern: try $0.value("lastSerial", as: Int64.self)) }
    }

    func setLastTrackingSerial(_ serial: UInt64, carrier: String, agreement: String) throws {
        let value = Int64(bitPattern: serial)
        try execute("""
            INSERT INTO trackingSerial (carrier, agreement, lastSerial) VALUES (\(carrier), \(agreement), \(value))
            ON CONFLICT (carrier, agreement) DO UPDATE SET lastSerial = excluded.lastSerial
            """)
    }

    /// One statement: the upsert takes the agreement's row lock, which it keeps until the commit, so a second
    /// worker's reservation under the same agreement waits and then continues after this one's serials — or, if
    /// this transaction rolls back, gets the same serials, so none is lost.
    func reserveTrackingSerials(_ count: Int, carrier: String, agreement: String, first: UInt64) throws -> ClosedRange<UInt64> {
        let (start, count) = try TrackingSerialReservation.checked(count: count, first: first)
        let end = start + count - 1
        let reserved = try rows("""
            INSERT INTO trackingSerial (carrier, agreement, lastSerial) VALUES (\(carrier), \(agreement), \(end))
            ON CONFLICT (carrier, agreement) DO UPDATE SET
                lastSerial = CASE WHEN trackingSerial.lastSerial < \(start) THEN \(end) ELSE trackingSerial.lastSerial + \(count) END
            RETURNING lastSerial
            """)
        guard let last = try reserved.first.map({ try $0.value("lastSerial", as: Int64.self) }) else {
            throw MuelleError(.ledger, "the ledger did not keep the tracking serials of \(carrier) agreement \(agreement)")
        }
        return try TrackingSerialReservation.range(last: last, count: count)
    }

    /// `pg_advisory_xact_lock`: waits for a worker doing the same work, and is released by the commit or rollback.
    func lockExclusiveWork(_ name: String) throws {
        try execute("SELECT pg_advisory_xact_lock(\(PostgresExclusiveHold.namespace), hashtext(\(name)))")
    }

    func openShipments(carrier: String, upTo day: String) throws -> [ShipmentEntry] {
        try rows("""
            SELECT * FROM shipment WHERE carrier = \(carrier) AND state = 'created' AND manifest IS NULL AND createdOn <= \(day)
            ORDER BY agreement COLLATE "C", createdAt COLLATE "C", orderID COLLATE "C"
            """).map { try $0.shipmentEntry() }
    }

    func pendingHandoverExceptions(carrier: String) throws -> [ShipmentEntry] {
        try rows("""
            SELECT * FROM shipment WHERE carrier = \(carrier) AND handoverException IS NOT NULL AND exceptionManifest IS NULL
            ORDER BY agreement COLLATE "C", createdAt COLLATE "C", orderID COLLATE "C"
            """).map { try $0.shipmentEntry() }
    }

    func save(_ manifest: ManifestEntry) throws {
        try execute("""
            INSERT INTO manifest (id, carrier, agreement, date, closedAt, files)
            VALUES (\(manifest.id), \(manifest.carrier), \(manifest.agreement), \(manifest.date), \(manifest.closedAt), \(manifest.files))
            """)
    }

    func manifest(id: String) throws -> ManifestEntry? {
        try rows("SELECT * FROM manifest WHERE id = \(id)").first.map { try $0.manifestEntry() }
    }

    func manifestCount(carrier: String, agreement: String, date: String) throws -> Int {
        try rows("SELECT COUNT(*) AS n FROM manifest WHERE carrier = \(carrier) AND agreement = \(agreement) AND date = \(date)")
            .first.map { try $0.value("n", as: Int.self) } ?? 0
    }
}
