import GRDB

extension LedgerTransaction {
    /// The fingerprint of a product as the route's last feed had it.
    public func productFingerprint(route: String, key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM product WHERE route = ? AND key = ?"), arguments: [route, key])
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
