import Crypto
import Foundation
import MuelleCore

/// SHA-256 of files (streamed) and of normalised records (their fingerprint).
enum ContentHash {
    /// With `name`, the digest covers the name too: for a route whose mapping reads the file's name, the
    /// same bytes under another name (two status pushes `{"status":"ORDER_CANCELLED"}` for two orders) are
    /// another input, with their own outputs, not a duplicate.
    static func file(at path: String, name: String? = nil) throws -> (sha256: String, size: Int64) {
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
        if let name { hasher.update(data: Data(("\u{0}name:" + name).utf8)) }
        return (hex(hasher.finalize()), size)
    }

    /// A normalised record as compact JSON, and its fingerprint: the hash of its content without
    /// `source`, which changes with every file it arrives in even when the order has not changed,
    /// and without `updated_at`, a source's time that moves when nothing else did. One
    /// serialisation serves both (the contract writes them last, `updated_at` then `source`, so
    /// fingerprints taken before `updated_at` existed still match).
    static func serialise(_ record: Value, into json: inout [UInt8]) -> (fingerprint: String, fields: String) {
        let start = json.count
        guard case .object(let object) = record else {
            JSONText.write(record, into: &json)
            return (hex(SHA256.hash(data: json[start...])), "")
        }
        let offsets = JSONText.writeObject(object, into: &json)
        return digests(of: json, from: start, names: object.keys.names, offsets: offsets)
    }

    /// The fingerprint and field digests of a record whose compact JSON is `json[start...]`, written with its
    /// members (`names`) starting at `offsets` and its closing brace at the last offset (`JSONText.writeObject`,
    /// `NormalisedOrder.write`): computed over exactly the bytes written.
    static func digests(of json: [UInt8], from start: Int, names: [String], offsets: [Int]) -> (fingerprint: String, fields: String) {
        let sourceAt = (names.lastIndex(of: "updated_at") ?? names.lastIndex(of: "source")).map { offsets[$0] } ?? json.count - 1
        // `name=digest;` per field, built as bytes: one `String` per record, not one per field.
        var fields: [UInt8] = []
        fields.reserveCapacity(16 * names.count)
        json.withUnsafeBufferPointer { bytes in
            for (i, name) in names.enumerated() where i + 1 < offsets.count && name != "source" && name != "updated_at" {
                fields.append(contentsOf: name.utf8)
                fields.append(UInt8(ascii: "="))
                appendBase36(fnv1a(UnsafeBufferPointer(rebasing: bytes[offsets[i]..<offsets[i + 1]])), to: &fields)
                fields.append(UInt8(ascii: ";"))
            }
        }
        return (hex(SHA256.hash(data: json[start..<sourceAt])), String(decoding: fields, as: UTF8.self))
    }

    /// A short, fast digest of one field, enough to tell whether it changed.
    private static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static let base36Digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// `String(value, radix: 36)`'s digits, appended: written lowest first, then put in order.
    private static func appendBase36(_ value: UInt64, to out: inout [UInt8]) {
        let first = out.count
        var n = value
        repeat {
            out.append(base36Digits[Int(n % 36)])
            n /= 36
        } while n > 0
        out[first...].reverse()
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
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
