import Foundation
import MuelleCore
import MuelleLedger
import PostgresNIO

/// What `muelle run` asks of the ledger outside a file's transaction: the same statements as the SQLite `Ledger`'s.
extension PostgresLedger {
    // MARK: Inputs

    public func processedInput(route: String, sha256: String) throws -> InputEntry? {
        try first("SELECT * FROM input WHERE route = \(route) AND sha256 = \(sha256) AND state = 'processed' AND NOT released ORDER BY id LIMIT 1") {
            try $0.inputEntry()
        }
    }

    public func unmovedInputs() throws -> [InputEntry] {
        try rows("SELECT * FROM input WHERE NOT moved ORDER BY id") { try $0.inputEntry() }
    }

    public func markMoved(id: Int64) throws {
        try write { session in
            try session.execute("UPDATE input SET moved = TRUE WHERE id = \(id)")
            try session.execute("DELETE FROM publication WHERE inputID = \(id)")
        }
    }

    public func markMoved(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try write { session in
            try session.execute("UPDATE input SET moved = TRUE WHERE id = ANY(\(ids))")
            try session.execute("DELETE FROM publication WHERE inputID = ANY(\(ids))")
        }
    }

    public func lastInput(route: String, name: String) throws -> InputEntry? {
        try first("SELECT * FROM input WHERE route = \(route) AND name = \(name) ORDER BY id DESC LIMIT 1") { try $0.inputEntry() }
    }

    public func lastInput(destination: String) throws -> InputEntry? {
        try first("SELECT * FROM input WHERE destination = \(destination) ORDER BY id DESC LIMIT 1") { try $0.inputEntry() }
    }

    public func inputs(route: String?, limit: Int) throws -> [InputEntry] {
        if let route {
            return try rows("SELECT * FROM input WHERE route = \(route) ORDER BY id DESC LIMIT \(limit)") { try $0.inputEntry() }
        }
        return try rows("SELECT * FROM input ORDER BY id DESC LIMIT \(limit)") { try $0.inputEntry() }
    }

    public func beginAttempt(route: String, sha256: String, name: String, at: String) throws -> Int {
        try write { session in
            let before = try session.rows("SELECT count FROM attempt WHERE route = \(route) AND sha256 = \(sha256) FOR UPDATE")
                .first.map { try $0.value("count", as: Int.self) } ?? 0
            try session.execute("""
                INSERT INTO attempt (route, sha256, name, count, lastAt) VALUES (\(route), \(sha256), \(name), 1, \(at))
                ON CONFLICT (route, sha256) DO UPDATE SET count = attempt.count + 1, name = excluded.name, lastAt = excluded.lastAt
                """)
            return before
        }
    }

    /// A file with attempts on record keeps them (it is taken alone); the others get their first, in one write.
    public func beginAttempts(_ files: [AttemptedFile], at: String) throws -> [Int] {
        try write { session in
            try files.map { file in
                let before = try session.rows("SELECT count FROM attempt WHERE route = \(file.route) AND sha256 = \(file.sha256) FOR UPDATE")
                    .first.map { try $0.value("count", as: Int.self) } ?? 0
                guard before == 0 else { return before }
                try session.execute("""
                    INSERT INTO attempt (route, sha256, name, count, lastAt) VALUES (\(file.route), \(file.sha256), \(file.name), 1, \(at))
                    ON CONFLICT (route, sha256) DO UPDATE SET count = 1, name = excluded.name, lastAt = excluded.lastAt
                    """)
                return 0
            }
        }
    }

    public func endAttempt(route: String, sha256: String) throws {
        try execute("DELETE FROM attempt WHERE route = \(route) AND sha256 = \(sha256)")
    }

    public func endAttempts(route: String, sha256s: [String]) throws {
        guard !sha256s.isEmpty else { return }
        try execute("DELETE FROM attempt WHERE route = \(route) AND sha256 = ANY(\(sha256s))")
    }

    public func recordStuck(route: String, name: String, reason: String, at time: String) throws {
        try execute("""
            INSERT INTO stuckInput (route, name, reason, since, lastTried, attempts) VALUES (\(route), \(name), \(reason), \(time), \(time), 1)
            ON CONFLICT (route, name) DO UPDATE SET reason = excluded.reason, lastTried = excluded.lastTried, attempts = stuckInput.attempts + 1
            """)
    }

    public func clearStuck(route: String, name: String) throws {
        try execute("DELETE FROM stuckInput WHERE route = \(route) AND name = \(name)")
    }

    public func stuckInputs(route: String?) throws -> [StuckInput] {
        if let route {
            return try rows("SELECT * FROM stuckInput WHERE route = \(route) ORDER BY lastTried COLLATE \"C\" DESC, name COLLATE \"C\"") { try $0.stuckInput() }
        }
        return try rows("SELECT * FROM stuckInput ORDER BY lastTried COLLATE \"C\" DESC, name COLLATE \"C\"") { try $0.stuckInput() }
    }

    // MARK: Orders and outputs

    public func knownOrder(id: String) throws -> OrderEntry? {
        try first(#"SELECT * FROM "order" WHERE id = \#(id)"#) { try $0.orderEntry() }
    }

    public func pendingPublications() throws -> [PendingPublication] {
        try rows("SELECT batch, inputID, staged, final FROM publication ORDER BY id") {
            PendingPublication(batch: try $0.value("batch"), inputID: try $0.optional("inputID"), staged: try $0.value("staged"), final: try $0.value("final"))
        }
    }

    public func clearPublications(batch: String) throws {
        try execute("DELETE FROM publication WHERE batch = \(batch)")
    }

    // MARK: Reference data

    public func referenceValues(route: String, key: String) throws -> [String: String]? {
        let text = try first("SELECT lookupValues FROM referenceRecord WHERE route = \(route) AND key = \(key) ORDER BY input DESC LIMIT 1") {
            try $0.value("lookupValues", as: String.self)
        }
        guard let data = text?.data(using: .utf8) else { return nil }
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    @discardableResult
    public func recordReferenceWait(route: String, name: String, referenceRoutes: [String], reason: String, at time: String, epoch: Double) throws -> Double {
        let routes = referenceRoutes.joined(separator: ",")
        return try first("""
            INSERT INTO referenceWait (route, name, referenceRoutes, reason, since, sinceEpoch) VALUES (\(route), \(name), \(routes), \(reason), \(time), \(epoch))
            ON CONFLICT (route, name) DO UPDATE SET reason = excluded.reason, referenceRoutes = excluded.referenceRoutes
            RETURNING sinceEpoch
            """) { try $0.value("sinceEpoch", as: Double.self) } ?? epoch
    }

    public func clearReferenceWait(route: String, name: String) throws {
        try execute("DELETE FROM referenceWait WHERE route = \(route) AND name = \(name)")
    }

    public func referenceWaits(route: String?, waitingFor reference: String?) throws -> [ReferenceWait] {
        try rows("SELECT * FROM referenceWait ORDER BY sinceEpoch, name COLLATE \"C\"") { try $0.referenceWait() }.filter { wait in
            (route == nil || wait.route == route) && (reference.map { wait.referenceRoutes.split(separator: ",").contains(Substring($0)) } ?? true)
        }
    }

    // MARK: Deliveries, manifests, SFTP pulls

    public func pendingDeliveries(route: String?) throws -> [DeliveryEntry] {
        if let route {
            return try rows("SELECT * FROM delivery WHERE state = 'pending' AND route = \(route) ORDER BY updatedAt COLLATE \"C\"") { try $0.deliveryEntry() }
        }
        return try rows("SELECT * FROM delivery WHERE state = 'pending' ORDER BY updatedAt COLLATE \"C\"") { try $0.deliveryEntry() }
    }

    public func recordDeliveryAttempt(file: String, delivered: Bool, error: String?, at: String) throws {
        let state = delivered ? "delivered" : "pending"
        try execute("UPDATE delivery SET state = \(state), attempts = attempts + 1, lastError = \(error), updatedAt = \(at) WHERE file = \(file)")
    }

    public func hasManifest(carrier: String, date: String) throws -> Bool {
        try first("SELECT 1 AS found FROM manifest WHERE carrier = \(carrier) AND date = \(date) LIMIT 1") { _ in true } ?? false
    }

    public func shipment(key: String) throws -> ShipmentEntry? {
        if let byOrder = try first("SELECT * FROM shipment WHERE orderID = \(key)", { try $0.shipmentEntry() }) { return byOrder }
        return try first("SELECT * FROM shipment WHERE ',' || trackingNumbers || ',' LIKE '%,' || \(key) || ',%' LIMIT 1") { try $0.shipmentEntry() }
    }

    public func hasTakenRemote(source: String, name: String, size: Int64, mtime: Int64) throws -> Bool {
        try first("SELECT 1 AS found FROM sftpTaken WHERE source = \(source) AND name = \(name) AND size = \(size) AND mtime = \(mtime)") { _ in true } ?? false
    }

    public func recordTakenRemote(source: String, name: String, size: Int64, mtime: Int64, localName: String, at: String) throws {
        try execute("""
            INSERT INTO sftpTaken (source, name, size, mtime, localName, takenAt) VALUES (\(source), \(name), \(size), \(mtime), \(localName), \(at))
            ON CONFLICT (source, name, size, mtime) DO UPDATE SET localName = excluded.localName, takenAt = excluded.takenAt
            """)
    }

    // MARK: Tokens

    public func tokens() throws -> [HTTPToken] {
        try rows("SELECT * FROM httpToken ORDER BY name COLLATE \"C\"") {
            HTTPToken(name: try $0.value("name"), hash: try $0.value("hash"),
                      routes: (try $0.value("routes", as: String.self)).split(separator: "\n").map(String.init),
                      createdAt: try $0.value("createdAt"), lastUsedAt: try $0.optional("lastUsedAt"))
        }
    }

    public func markTokenUsed(named name: String, at time: String) throws {
        try execute("UPDATE httpToken SET lastUsedAt = \(time) WHERE name = \(name)")
    }

    // MARK: Quarantine and shipments

    public func quarantined(route: String?) throws -> [QuarantinedInput] {
        let map: (PostgresRandomAccessRow) throws -> QuarantinedInput = {
            QuarantinedInput(entry: try $0.inputEntry(), dismissedBy: try $0.optional("dismissedBy"), dismissedAt: try $0.optional("dismissedAt"))
        }
        let select = """
            SELECT input.*, d.dismissedBy AS dismissedBy, d.dismissedAt AS dismissedAt FROM input
            LEFT JOIN quarantineDismissal d ON d.inputID = input.id
            WHERE input.id IN (SELECT MAX(id) FROM input WHERE state = 'rejected' GROUP BY destination)
            """
        if let route {
            return try rows("\(unescaped: select) AND input.route = \(route) ORDER BY input.id DESC", map)
        }
        return try rows("\(unescaped: select) ORDER BY input.id DESC", map)
    }

    @discardableResult
    public func dismissQuarantined(inputID: Int64, by: String, at: String) throws -> Bool {
        try execute("""
            INSERT INTO quarantineDismissal (inputID, dismissedBy, dismissedAt) VALUES (\(inputID), \(by), \(at)) ON CONFLICT (inputID) DO NOTHING
            """) > 0
    }

    public func openShipmentsByCarrier() throws -> [OpenShipments] {
        try rows("""
            SELECT carrier, COUNT(*) AS parcels, MIN(createdOn) AS since FROM shipment
            WHERE state = 'created' AND manifest IS NULL GROUP BY carrier ORDER BY carrier COLLATE "C"
            """) { OpenShipments(carrier: try $0.value("carrier"), parcels: try $0.value("parcels"), since: try $0.value("since")) }
    }

    // MARK: Alerts

    public func unsettledAlerts() throws -> [AlertEntry] {
        try rows("""
            SELECT * FROM alert WHERE resolvedAt IS NULL OR (firedAt IS NOT NULL AND (NOT firingSent OR NOT resolvedSent)) ORDER BY id
            """) { try $0.alertEntry() }
    }

    public func openAlert(_ entry: AlertEntry) throws {
        try execute("""
            INSERT INTO alert (cause, kind, route, subject, message, since, firedAt, resolvedAt, firingSent, resolvedSent)
            VALUES (\(entry.cause), \(entry.kind), \(entry.route), \(entry.subject), \(entry.message), \(entry.since), \(entry.firedAt),
                    \(entry.resolvedAt), \(entry.firingSent), \(entry.resolvedSent))
            ON CONFLICT DO NOTHING
            """)
    }

    public func fireAlert(id: Int64, at: String) throws {
        try execute("UPDATE alert SET firedAt = \(at) WHERE id = \(id) AND firedAt IS NULL")
    }

    public func resolveAlert(id: Int64, at: String) throws {
        try execute("UPDATE alert SET resolvedAt = \(at) WHERE id = \(id) AND resolvedAt IS NULL")
    }

    public func dropUnfiredAlert(id: Int64) throws {
        try execute("DELETE FROM alert WHERE id = \(id) AND firedAt IS NULL")
    }

    public func markAlertSent(id: Int64, resolved: Bool) throws {
        if resolved {
            try execute("UPDATE alert SET resolvedSent = TRUE WHERE id = \(id)")
        } else {
            try execute("UPDATE alert SET firingSent = TRUE WHERE id = \(id)")
        }
    }

    public func handoverExceptions() throws -> [(shipment: ShipmentEntry, route: String)] {
        try rows("""
            SELECT shipment.*, "order".route AS orderRoute FROM shipment LEFT JOIN "order" ON "order".id = shipment.orderID
            WHERE shipment.handoverException IS NOT NULL AND shipment.exceptionManifest IS NULL ORDER BY shipment.createdAt COLLATE "C"
            """) { (try $0.shipmentEntry(), try $0.optional("orderRoute", as: String.self) ?? "") }
    }
}

/// The start-up guard's questions (`LedgerGuard`).
extension PostgresLedger {
    /// Whether no input was ever recorded.
    public func isEmpty() throws -> Bool {
        try first("SELECT 1 AS found FROM input LIMIT 1") { _ in true } == nil
    }

    public func lastStart() throws -> LedgerStart? {
        try first("SELECT * FROM ledgerStart ORDER BY id DESC LIMIT 1") {
            LedgerStart(startedAt: try $0.value("startedAt"), epochSeconds: try $0.value("epochSeconds"), reason: try $0.value("reason"))
        }
    }

    public func recordStart(reason: String, at date: Date = Date()) throws {
        let text = ISO8601DateFormatter().string(from: date)
        try execute("INSERT INTO ledgerStart (startedAt, epochSeconds, reason) VALUES (\(text), \(date.timeIntervalSince1970), \(reason))")
    }
}

extension PostgresLedger: LedgerReports {
    public func orderCount(route: String? = nil) throws -> Int {
        if let route { return try first(#"SELECT COUNT(*) AS n FROM "order" WHERE route = \#(route)"#) { try $0.value("n", as: Int.self) } ?? 0 }
        return try first(#"SELECT COUNT(*) AS n FROM "order""#) { try $0.value("n", as: Int.self) } ?? 0
    }

    public func orders(route: String? = nil, status: String? = nil, limit: Int = 10_000) throws -> [OrderEntry] {
        try rows(#"""
            SELECT * FROM "order" WHERE (\#(route)::text IS NULL OR route = \#(route)) AND (\#(status)::text IS NULL OR status = \#(status))
            ORDER BY importedAt COLLATE "C" DESC, id COLLATE "C" LIMIT \#(limit)
            """#) { try $0.orderEntry() }
    }

    public func totals(route: String) throws -> RouteTotals {
        try first("""
            SELECT COUNT(*) AS inputs, COALESCE(SUM(kept), 0)::bigint AS imported, COALESCE(SUM(updated), 0)::bigint AS updated,
                   COALESCE(SUM(skipped), 0)::bigint AS skipped, COALESCE(SUM(filtered), 0)::bigint AS filtered, COALESCE(SUM(rejected), 0)::bigint AS rejected,
                   COUNT(*) FILTER (WHERE state = 'rejected') AS rejectedFiles, COUNT(*) FILTER (WHERE state = 'duplicate') AS duplicates,
                   COALESCE(SUM(stale), 0)::bigint AS stale, COALESCE(SUM(cancelledAfterHandover), 0)::bigint AS cancelledAfterHandover
            FROM input WHERE route = \(route)
            """) { row in
            var totals = RouteTotals()
            // SUM of a bigint is a numeric in PostgreSQL: the query casts it back to bigint.
            func number(_ column: String) throws -> Int { try row.value(column) }
            totals.inputs = try number("inputs")
            totals.imported = try number("imported")
            totals.updated = try number("updated")
            totals.skipped = try number("skipped")
            totals.filtered = try number("filtered")
            totals.rejected = try number("rejected")
            totals.rejectedFiles = try number("rejectedFiles")
            totals.duplicates = try number("duplicates")
            totals.stale = try number("stale")
            totals.cancelledAfterHandover = try number("cancelledAfterHandover")
            return totals
        } ?? RouteTotals()
    }
}
