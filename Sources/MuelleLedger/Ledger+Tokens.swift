import Foundation
import GRDB
import MuelleCore

/// A named bearer token of the HTTP intake, as the ledger keeps it: never the token itself, only its hash.
public struct HTTPToken: Sendable, Equatable {
    public var name: String
    /// SHA-256 of the token, hex. The token is 32 random bytes, so a fast hash is as good as a slow one.
    public var hash: String
    /// The routes it may push to.
    public var routes: [String]
    public var createdAt: String
    public var lastUsedAt: String?

    public init(name: String, hash: String, routes: [String], createdAt: String, lastUsedAt: String? = nil) {
        self.name = name
        self.hash = hash
        self.routes = routes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

extension Ledger {
    /// Registered by `Ledger.migrator`.
    static func registerTokenMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v14: http tokens") { db in
            // The key column first, as SQLite stores a table without rowid (see v12).
            try db.execute(sql: """
                CREATE TABLE httpToken (
                    name TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL, routes TEXT NOT NULL,
                    createdAt TEXT NOT NULL, lastUsedAt TEXT) WITHOUT ROWID
                """)
        }
    }

    /// Stores a new token; a name already in use is refused (revoke it first).
    public func addToken(_ token: HTTPToken) throws {
        if try tokens().contains(where: { $0.name == token.name }) {
            throw MuelleError(.configuration, "a token named \(QuotedInput.quote(token.name)) exists already: revoke it first (muelle tokens revoke NAME) or choose another name")
        }
        try write { tx in
            try tx.db.execute(sql: "INSERT INTO httpToken (name, hash, routes, createdAt) VALUES (?, ?, ?, ?)",
                              arguments: [token.name, token.hash, token.routes.joined(separator: "\n"), token.createdAt])
        }
    }

    /// Every token, by name.
    public func tokens() throws -> [HTTPToken] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM httpToken ORDER BY name").map { row in
                HTTPToken(name: row["name"], hash: row["hash"], routes: (row["routes"] as String).split(separator: "\n").map(String.init),
                          createdAt: row["createdAt"], lastUsedAt: row["lastUsedAt"])
            }
        }
    }

    /// Removes the token named `name`; false when there is none.
    public func revokeToken(named name: String) throws -> Bool {
        try write { tx in
            try tx.db.execute(sql: "DELETE FROM httpToken WHERE name = ?", arguments: [name])
            return tx.db.changesCount > 0
        }
    }

    public func markTokenUsed(named name: String, at time: String) throws {
        try write { tx in try tx.db.execute(sql: "UPDATE httpToken SET lastUsedAt = ? WHERE name = ?", arguments: [time, name]) }
    }
}
