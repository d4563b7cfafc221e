/// Why some bytes are not text in the expected encoding, and where (offset into the bytes given).
public struct TextDecodingError: Error, Sendable, Equatable {
    public var offset: Int
    public var byte: UInt8
    /// Says what is wrong, for a merchant: "byte 0xE9 is not valid UTF-8 …".
    public var reason: String
}

/// Bytes to `String` in the encodings exports use. Pure functions; readers turn offsets into positions.
public enum TextDecoding {
    /// Decodes `bytes` as `encoding`, rejecting what is not text in it rather than repairing it:
    /// a silently replaced character in a name or address is worse than a clear error.
    @inline(__always)
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, as encoding: TextEncoding) throws(TextDecodingError) -> String {
        switch encoding {
        case .utf8:
            if let offset = firstInvalidUTF8(in: bytes) {
                throw TextDecodingError(offset: offset, byte: bytes[offset], reason: utf8Reason(bytes[offset]))
            }
            // Validated above, so decoding repairs nothing; it is also faster than `String(validating:)`.
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            if firstNonASCII(in: bytes) == nil { return String(decoding: bytes, as: UTF8.self) }
            return transcodeSingleByte(bytes) { UInt32($0) }
        case .windows1252:
            guard firstNonASCII(in: bytes) != nil else { return String(decoding: bytes, as: UTF8.self) }
            for (offset, byte) in bytes.enumerated() where byte >= 0x80 && byte <= 0x9F && cp1252High[Int(byte - 0x80)] == 0 {
                throw TextDecodingError(
                    offset: offset, byte: byte,
                    reason: "byte \(hex(byte)) has no meaning in Windows-1252; the file may be in another encoding")
            }
            return transcodeSingleByte(bytes) { byte in
                byte >= 0x80 && byte <= 0x9F ? UInt32(cp1252High[Int(byte - 0x80)]) : UInt32(byte)
            }
        }
    }

    /// Throws what `decode` would throw for `bytes`, without making the `String`.
    @inline(__always)
    public static func check(_ bytes: UnsafeBufferPointer<UInt8>, as encoding: TextEncoding) throws(TextDecodingError) {
        switch encoding {
        case .utf8:
            if let offset = firstInvalidUTF8(in: bytes) {
                throw TextDecodingError(offset: offset, byte: bytes[offset], reason: utf8Reason(bytes[offset]))
            }
        case .latin1:
            return
        case .windows1252:
            guard firstNonASCII(in: bytes) != nil else { return }
            _ = try decode(bytes, as: .windows1252)
        }
    }

    /// Convenience for tests and small inputs.
    public static func decode(_ bytes: [UInt8], as encoding: TextEncoding) throws(TextDecodingError) -> String {
        // The closure form cannot carry a typed throw out, so the result is passed back through a Result.
        let result: Result<String, TextDecodingError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(TextDecodingError) { return .success(try decode(buffer, as: encoding)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
    /// surrogates, values above U+10FFFF and truncated sequences included); `nil` if all is valid.
    public static func firstInvalidUTF8(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = firstNonASCII(in: bytes) ?? n
        while i < n {
            let lead = base[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let second = base[i + 1]
            guard second >= low, second <= high else { return i }
            var k = 2
            while k < length {
                guard base[i + k] & 0xC0 == 0x80 else { return i }
                k += 1
            }
            i += length
        }
        return nil
    }

    /// Offset of the first byte ≥ 0x80, scanning eight bytes at a time: most fields are ASCII.
    @inline(__always)
    static func firstNonASCII(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n {
            if base[i] >= 0x80 { return i }
            i += 1
        }
        return nil
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    static func utf8Reason(_ byte: UInt8) -> String {
        let hint = byte >= 0xA0 || (byte >= 0x80 && byte <= 0x9F)
            ? "; the file may be Latin-1 or Windows-1252: set the route's encoding to match" : ""
        return "byte \(hex(byte)) is not valid UTF-8\(hint)"
    }

    /// Every byte is one scalar below U+10000, so UTF-8 needs at most three bytes per input byte.
    private static func transcodeSingleByte(_ bytes: UnsafeBufferPointer<UInt8>, _ scalar: (UInt8) -> UInt32) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 3) { out in
            var w = 0
            for byte in bytes {
                let s = scalar(byte)
                if s < 0x80 {
                    out[w] = UInt8(s); w += 1
                } else if s < 0x800 {
                    out[w] = UInt8(0xC0 | (s >> 6)); out[w + 1] = UInt8(0x80 | (s & 0x3F)); w += 2
                } else {
                    out[w] = UInt8(0xE0 | (s >> 12)); out[w + 1] = UInt8(0x80 | ((s >> 6) & 0x3F))
                    out[w + 2] = UInt8(0x80 | (s & 0x3F)); w += 3
                }
            }
            return w
        }
    }

    /// Windows-1252 0x80–0x9F; 0 marks the five bytes the code page leaves undefined.
    private static let cp1252High: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
}
