import GRDB

extension LedgerTransaction {
    /// The fingerprints of the route's products among `keys` as its last feed had them, by key: one
    /// query for a batch instead of one per product. Full batches of `orderBatch` keys reuse one cached
    /// statement; a shorter last batch prepares its own.
    public func productFingerprints(route: String, keys: [String]) throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let sql = "SELECT key, fingerprint FROM product WHERE route = ? AND key IN (" + repeatElement("?", count: keys.count).joined(separator: ",") + ")"
        let statement = keys.count == Self.orderBatch ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        var found: [String: String] = [:]
        found.reserveCapacity(keys.count)
        let rows = try Row.fetchCursor(statement, arguments: StatementArguments([route] + keys))
        while let row = try rows.next() { found[row[0]] = row[1] }
        return found
    }

    /// Records a product as present in feed `inputID` with this content.
    public func saveProduct(route: String, key: String, fingerprint: String, inputID: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO product (route, key, fingerprint, lastInput) VALUES (?, ?, ?, ?)
            ON CONFLICT(route, key) DO UPDATE SET fingerprint = excluded.fingerprint, lastInput = excluded.lastInput
            """).execute(arguments: [route, key, fingerprint, inputID])
    }

    public func productCount(route: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM product WHERE route = ?", arguments: [route]) ?? 0
    }

    /// Products of the route that feed `inputID` did not contain: gone from the catalogue.
    public func productsMissing(route: String, from inputID: Int64) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT key FROM product WHERE route = ? AND lastInput != ? ORDER BY key", arguments: [route, inputID])
    }

    public func deleteProducts(route: String, keys: [String]) throws {
        for key in keys { try db.execute(sql: "DELETE FROM product WHERE route = ? AND key = ?", arguments: [route, key]) }
    }
}
