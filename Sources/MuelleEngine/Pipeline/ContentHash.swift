import Crypto
import Foundation
import MuelleCore

/// SHA-256 of files (streamed) and of normalised records (their fingerprint).
enum ContentHash {
    static func file(at path: String) throws -> (sha256: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MuelleError(.io, "cannot open \(path) to fingerprint it")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            if chunk.isEmpty { break }
            size += Int64(chunk.count)
            hasher.update(data: chunk)
        }
        return (hex(hasher.finalize()), size)
    }

    /// The fingerprint of a normalised record: its content without `source`, which changes with
    /// every file it arrives in even when the order itself has not changed.
    static func fingerprint(of record: Value) -> String {
        guard case .object(let object) = record else { return hex(SHA256.hash(data: Data(JSONText.compact(record).utf8))) }
        let content = Value.object(object.pairs.filter { $0.0 != "source" })
        return hex(SHA256.hash(data: Data(JSONText.compact(content).utf8)))
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Timestamps for reports and the ledger: ISO 8601 with the machine's offset.
enum Timestamp {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
