import GRDB

extension Ledger {
    /// Registered by `Ledger.migrator`: an index for every lookup muelle makes per file, per start or per
    /// command, so that none of them reads the whole table — the time per file stays the same whether the
    /// ledger knows a hundred inputs or a million.
    static func registerIndexMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10: indexes") { db in
            // `lastInput(route:name:)`: every file taken asks whether its own commit was interrupted.
            try db.create(index: "input_by_name", on: "input", columns: ["route", "name"])
            // `lastInput(destination:)` (replay, the start-up check against the archive) and the quarantine list.
            try db.create(index: "input_by_destination", on: "input", columns: ["destination"])
            try db.create(index: "input_by_state", on: "input", columns: ["state", "destination"])
            // `inputs(route:)` newest first, and each route's totals on its status card.
            try db.create(index: "input_by_route", on: "input", columns: ["route"])
            // `unmovedInputs()` at every start: only the few rows whose move is still to be confirmed.
            try db.execute(sql: "CREATE INDEX input_unmoved ON input(id) WHERE moved = 0")
            try db.create(index: "order_by_route", on: "order", columns: ["route", "status"])
            try db.create(index: "order_by_import", on: "order", columns: ["importedAt"])
            try db.create(index: "delivery_pending", on: "delivery", columns: ["state", "route", "updatedAt"])
            try db.create(index: "shipment_by_carrier", on: "shipment", columns: ["carrier", "state", "createdOn"])
            try db.create(index: "manifest_by_day", on: "manifest", columns: ["carrier", "date"])
        }
    }
}
