import MuelleLedger
import PostgresNIO

/// Reads the ledger's entries out of PostgreSQL rows. Columns are named as in the SQLite ledger, folded to lower
/// case as PostgreSQL folds unquoted names (`receivedAt` is the column `receivedat`).
extension PostgresRandomAccessRow {
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column.lowercased()].decode(T.self)
    }

    func optional<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        let cell = self[column.lowercased()]
        return cell.bytes == nil ? nil : try cell.decode(T.self)
    }

    func inputEntry() throws -> InputEntry {
        var entry = InputEntry(route: try value("route"), name: try value("name"), size: try value("size"), sha256: try value("sha256"),
                               state: InputEntry.State(rawValue: try value("state")) ?? .rejected,
                               receivedAt: try value("receivedAt"), finishedAt: try value("finishedAt"))
        entry.id = try value("id")
        entry.destination = try optional("destination")
        entry.report = try optional("report")
        entry.output = try optional("output")
        entry.kept = try value("kept")
        entry.filtered = try value("filtered")
        entry.rejected = try value("rejected")
        entry.skipped = try value("skipped")
        entry.updated = try value("updated")
        entry.stale = try value("stale")
        entry.cancelledAfterHandover = try value("cancelledAfterHandover")
        entry.error = try optional("error")
        entry.moved = try value("moved")
        entry.released = try value("released")
        return entry
    }

    func orderEntry() throws -> OrderEntry {
        OrderEntry(id: try value("id"), route: try value("route"), status: try value("status"), fingerprint: try value("fingerprint"),
                   fields: try value("fields"), firstInput: try value("firstInput"), lastInput: try value("lastInput"),
                   importedAt: try value("importedAt"), updatedAt: try value("updatedAt"),
                   statusAt: try optional("statusAt"), snapshotAt: try optional("snapshotAt"))
    }

    func shipmentEntry() throws -> ShipmentEntry {
        var entry = ShipmentEntry(orderID: try value("orderID"), carrier: try value("carrier"), agreement: try value("agreement"),
                                  service: try value("service"), trackingNumbers: [], label: try value("label"),
                                  createdAt: try value("createdAt"), createdOn: try value("createdOn"), document: try value("document"),
                                  manifestRow: try value("manifestRow"))
        entry.trackingNumbers = try value("trackingNumbers")
        entry.state = try value("state")
        entry.manifest = try optional("manifest")
        entry.voidedAt = try optional("voidedAt")
        entry.voidReason = try optional("voidReason")
        entry.handoverException = try optional("handoverException")
        entry.exceptionManifest = try optional("exceptionManifest")
        return entry
    }

    func manifestEntry() throws -> ManifestEntry {
        var entry = ManifestEntry(id: try value("id"), carrier: try value("carrier"), agreement: try value("agreement"), date: try value("date"),
                                  closedAt: try value("closedAt"), files: [])
        entry.files = try value("files")
        return entry
    }

    func deliveryEntry() throws -> DeliveryEntry {
        DeliveryEntry(file: try value("file"), route: try value("route"), destination: try value("destination"), state: try value("state"),
                      attempts: try value("attempts"), lastError: try optional("lastError"), updatedAt: try value("updatedAt"))
    }

    func alertEntry() throws -> AlertEntry {
        var entry = AlertEntry(cause: try value("cause"), kind: try value("kind"), route: try value("route"), subject: try value("subject"),
                               message: try value("message"), since: try value("since"))
        entry.id = try value("id")
        entry.firedAt = try optional("firedAt")
        entry.resolvedAt = try optional("resolvedAt")
        entry.firingSent = try value("firingSent")
        entry.resolvedSent = try value("resolvedSent")
        return entry
    }

    func stuckInput() throws -> StuckInput {
        StuckInput(route: try value("route"), name: try value("name"), reason: try value("reason"), since: try value("since"),
                   lastTried: try value("lastTried"), attempts: try value("attempts"))
    }

    func referenceWait() throws -> ReferenceWait {
        ReferenceWait(route: try value("route"), name: try value("name"), referenceRoutes: try value("referenceRoutes"), reason: try value("reason"),
                      since: try value("since"), sinceEpoch: try value("sinceEpoch"))
    }
}
