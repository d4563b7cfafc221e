import Foundation
import GRDB

/// An inbox file whose `lookup:` found no reference record: it waits in the inbox for the reference data,
/// and `muelle status`, another process, shows for what.
public struct ReferenceWait: Sendable, Equatable, FetchableRecord, Decodable {
    public var route: String
    public var name: String
    /// The reference routes the file's lookups read, comma-separated: a commit of any of them wakes it.
    public var referenceRoutes: String
    /// The first lookup that found nothing: record, field, key and reference route.
    public var reason: String
    /// When it was first held for a lookup: `lookup_wait` counts from here.
    public var since: String
    public var sinceEpoch: Double

    public init(route: String, name: String, referenceRoutes: String, reason: String, since: String, sinceEpoch: Double) {
        self.route = route
        self.name = name
        self.referenceRoutes = referenceRoutes
        self.reason = reason
        self.since = since
        self.sinceEpoch = sinceEpoch
    }
}

extension Ledger {
    /// Registered by `Ledger.migrator`, after v11.
    static func registerReferenceMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12: reference data") { db in
            // Every version of every record, never updated in place: the latest input of a (route, key) wins.
            // Keyed by (route, key, input) without a rowid, so the table is its own index and a new ledger
            // stays small (a page per table). The key columns come first, as SQLite stores them: declared
            // after the others (as GRDB's table builder writes them), `PRAGMA quick_check` read the NOT NULL
            // columns as null and the ledger guard took the ledger for damaged.
            try db.execute(sql: """
                CREATE TABLE referenceRecord (
                    route TEXT NOT NULL, key TEXT NOT NULL, input INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL, record TEXT NOT NULL, lookupValues TEXT NOT NULL,
                    PRIMARY KEY (route, key, input)) WITHOUT ROWID
                """)
            try db.execute(sql: """
                CREATE TABLE referenceWait (
                    route TEXT NOT NULL, name TEXT NOT NULL,
                    referenceRoutes TEXT NOT NULL, reason TEXT NOT NULL, since TEXT NOT NULL, sinceEpoch DOUBLE NOT NULL,
                    PRIMARY KEY (route, name)) WITHOUT ROWID
                """)
        }
    }

    /// The latest record of `route` under `key`, as field path → text; nil when there is none.
    public func referenceValues(route: String, key: String) throws -> [String: String]? {
        let text = try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT lookupValues FROM referenceRecord WHERE route = ? AND key = ? ORDER BY input DESC LIMIT 1"),
                                arguments: [route, key])
        }
        guard let data = text?.data(using: .utf8) else { return nil }
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    /// Every version of a record, oldest first (`record` JSON and the input that brought it).
    public func referenceHistory(route: String, key: String) throws -> [(record: String, input: Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT record, input FROM referenceRecord WHERE route = ? AND key = ? ORDER BY input", arguments: [route, key])
                .map { ($0["record"], $0["input"]) }
        }
    }

    /// Records that `name` waits for reference data; the first wait's time is kept.
    /// Returns when it began waiting, as seconds since 1970.
    @discardableResult
    public func recordReferenceWait(route: String, name: String, referenceRoutes: [String], reason: String, at time: String, epoch: Double) throws -> Double {
        try write { tx in
            try tx.db.execute(sql: """
                INSERT INTO referenceWait (route, name, referenceRoutes, reason, since, sinceEpoch) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(route, name) DO UPDATE SET reason = excluded.reason, referenceRoutes = excluded.referenceRoutes
                """, arguments: [route, name, referenceRoutes.joined(separator: ","), reason, time, epoch])
            return try Double.fetchOne(tx.db, sql: "SELECT sinceEpoch FROM referenceWait WHERE route = ? AND name = ?", arguments: [route, name]) ?? epoch
        }
    }

    /// When `name` began waiting for reference data (seconds since 1970), if it does.
    public func referenceWaitSince(route: String, name: String) throws -> Double? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT sinceEpoch FROM referenceWait WHERE route = ? AND name = ?", arguments: [route, name])
        }
    }

    /// The file was taken (processed or quarantined) or is gone: it waits no more.
    public func clearReferenceWait(route: String, name: String) throws {
        guard try referenceWaitSince(route: route, name: name) != nil else { return }
        try write { tx in
            try tx.db.execute(sql: "DELETE FROM referenceWait WHERE route = ? AND name = ?", arguments: [route, name])
        }
    }

    /// Files waiting for reference data: of one route, or for one reference route; oldest first.
    public func referenceWaits(route: String? = nil, waitingFor reference: String? = nil) throws -> [ReferenceWait] {
        try read { db in
            let all = try ReferenceWait.fetchAll(db, sql: "SELECT * FROM referenceWait ORDER BY sinceEpoch, name")
            return all.filter { wait in
                (route == nil || wait.route == route) && (reference.map { wait.referenceRoutes.split(separator: ",").contains(Substring($0)) } ?? true)
            }
        }
    }
}

extension LedgerTransaction {
    /// Keeps `record` as the latest version of its key unless it is the same as the latest; returns
    /// whether it was new or changed.
    public func saveReference(route: String, key: String, fingerprint: String, record: String, lookupValues: [String: String], inputID: Int64) throws -> Bool {
        let latest = try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM referenceRecord WHERE route = ? AND key = ? ORDER BY input DESC LIMIT 1"),
                                         arguments: [route, key])
        guard latest != fingerprint else { return false }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let values = String(decoding: try encoder.encode(lookupValues), as: UTF8.self)
        // A key twice in one file: its last record is the file's version.
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO referenceRecord (route, key, fingerprint, record, lookupValues, input) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [route, key, fingerprint, record, values, inputID])
        return true
    }
}
