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

    /// Records products as present in feed `inputID` with this content: one statement for a batch (at most
    /// `orderBatch` products) instead of one per product. A key twice in the batch keeps its last fingerprint.
    public func saveProducts(route: String, _ products: [(key: String, fingerprint: String)], inputID: Int64) throws {
        guard !products.isEmpty else { return }
        var latest: [String: Int] = [:]
        for (index, product) in products.enumerated() { latest[product.key] = index }
        let rows = products.indices.filter { latest[products[$0].key] == $0 }
        let sql = "INSERT INTO product (route, key, fingerprint, lastInput) VALUES "
            + repeatElement("(?, ?, ?, ?)", count: rows.count).joined(separator: ",")
            + " ON CONFLICT(route, key) DO UPDATE SET fingerprint = excluded.fingerprint, lastInput = excluded.lastInput"
        let statement = rows.count == Self.orderBatch ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        var arguments: [(any DatabaseValueConvertible)?] = []
        arguments.reserveCapacity(rows.count * 4)
        for row in rows { arguments += [route, products[row].key, products[row].fingerprint, inputID] }
        try statement.execute(arguments: StatementArguments(arguments))
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
