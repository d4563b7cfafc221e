import GRDB

extension Ledger {
    /// Whether a remote file (same name, size and modification time) was already taken from `source`.
    public func hasTakenRemote(source: String, name: String, size: Int64, mtime: Int64) throws -> Bool {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sftpTaken WHERE source = ? AND name = ? AND size = ? AND mtime = ?",
                             arguments: [source, name, size, mtime]) ?? 0 > 0
        }
    }

    public func recordTakenRemote(source: String, name: String, size: Int64, mtime: Int64, localName: String, at: String) throws {
        try write { tx in
            try tx.db.execute(sql: "INSERT OR REPLACE INTO sftpTaken (source, name, size, mtime, localName, takenAt) VALUES (?, ?, ?, ?, ?, ?)",
                              arguments: [source, name, size, mtime, localName, at])
        }
    }
}
