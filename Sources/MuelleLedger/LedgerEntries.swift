import Foundation
import GRDB

/// What became of one input file.
public struct InputEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "input"

    public enum State: String, Codable, Sendable {
        /// Mapped and emitted; the original is archived.
        case processed
        /// Refused (bad content); the original is quarantined beside its report.
        case rejected
        /// The same content was already processed on this route; nothing was emitted again.
        case duplicate
    }

    public var id: Int64?
    public var route: String
    public var name: String
    public var size: Int64
    public var sha256: String
    public var state: State
    public var receivedAt: String
    public var finishedAt: String
    /// Where the original went (archive or quarantine), relative to the workspace.
    public var destination: String?
    public var report: String?
    public var output: String?
    public var kept = 0
    public var filtered = 0
    public var rejected = 0
    public var skipped = 0
    public var updated = 0
    /// Orders or events not applied because the ledger knew newer facts about their order.
    public var stale = 0
    /// Orders it cancelled or refunded whose parcels had already been handed over.
    public var cancelledAfterHandover = 0
    public var error: String?
    /// The original reached `destination` (it is moved after the commit).
    public var moved = false
    /// An order it imported was forgotten, so the same content may be imported again.
    public var released = false

    public init(route: String, name: String, size: Int64, sha256: String, state: State, receivedAt: String, finishedAt: String) {
        self.route = route
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.state = state
        self.receivedAt = receivedAt
        self.finishedAt = finishedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An imported order: its identity, last known status, and the fingerprint of its normalised content.
public struct OrderEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "order"

    public var id: String
    public var route: String
    public var status: String
    public var fingerprint: String
    /// Digests of each field of the last normalised order (`name=hex;…`), to tell which fields
    /// changed when it comes again.
    public var fields: String
    public var firstInput: Int64
    public var lastInput: Int64
    public var importedAt: String
    public var updatedAt: String
    /// When the current status was last confirmed, by the source's own clock (see `OrderEvidence`).
    public var statusAt: String?
    /// The `updated_at` of the newest snapshot of the whole order taken.
    public var snapshotAt: String?

    public init(id: String, route: String, status: String, fingerprint: String, fields: String, firstInput: Int64, lastInput: Int64, importedAt: String, updatedAt: String,
                statusAt: String? = nil, snapshotAt: String? = nil) {
        self.statusAt = statusAt
        self.snapshotAt = snapshotAt
        self.id = id
        self.route = route
        self.status = status
        self.fingerprint = fingerprint
        self.fields = fields
        self.firstInput = firstInput
        self.lastInput = lastInput
        self.importedAt = importedAt
        self.updatedAt = updatedAt
    }
}
