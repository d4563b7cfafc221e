import MuelleCore
import MuelleLedger
import PostgresNIO

/// `orders forget` and `tokens create|revoke` on the PostgreSQL ledger: the same effects as the SQLite `Ledger`'s.
extension PostgresLedger: LedgerRepairs {
    public func forgetOrders(ids: [String]) throws -> [String] {
        try write { session in
            var forgotten: [String] = []
            for id in ids {
                // Locked so a worker updating the order at the same moment waits for the forgetting, not the reverse.
                guard let order = try session.rows(#"SELECT firstInput, lastInput FROM "order" WHERE id = \#(id) FOR UPDATE"#).first else { continue }
                let first: Int64 = try order.value("firstInput")
                let last: Int64 = try order.value("lastInput")
                _ = try session.execute("UPDATE input SET released = TRUE WHERE id IN (\(first), \(last))")
                _ = try session.execute(#"DELETE FROM "order" WHERE id = \#(id)"#)
                forgotten.append(id)
            }
            return forgotten
        }
    }

    public func addToken(_ token: HTTPToken) throws {
        let added = try execute("""
            INSERT INTO httpToken (name, hash, routes, createdAt) VALUES (\(token.name), \(token.hash), \(token.routes.joined(separator: "\n")), \(token.createdAt))
            ON CONFLICT (name) DO NOTHING
            """)
        guard added > 0 else {
            throw MuelleError(.configuration, "a token named \(QuotedInput.quote(token.name)) exists already: revoke it first (muelle tokens revoke NAME) or choose another name")
        }
    }

    public func revokeToken(named name: String) throws -> Bool {
        try execute("DELETE FROM httpToken WHERE name = \(name)") > 0
    }
}
