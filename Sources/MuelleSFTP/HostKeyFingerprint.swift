import MuelleCore

/// Host key fingerprints as OpenSSH prints them (`SHA256:` followed by unpadded base64 of the key's SHA-256),
/// so a merchant can compare muelle's messages with `ssh-keygen -lf` and `ssh-keyscan` output directly.
enum HostKeyFingerprint {
    static func sha256(_ digest: [UInt8]) -> String {
        "SHA256:" + base64(digest)
    }

    /// Accepts a pinned fingerprint the way people copy it: with or without padding and surrounding spaces.
    static func normalized(_ pinned: String) throws(MuelleError) -> String {
        var text = pinned.trimmingWhitespace()
        while text.hasSuffix("=") { text.removeLast() }
        guard text.hasPrefix("SHA256:"), text.count > 7 else {
            throw MuelleError(.configuration, "the pinned host key \"\(pinned)\" is not a SHA256 fingerprint; copy "
                              + "the SHA256:… form that `ssh-keygen -lf` prints (MD5 fingerprints are not accepted)")
        }
        return text
    }

    /// Lets the connection go on only if the offered key is the pinned one.
    static func verify(_ offered: OfferedHostKey?, for endpoint: SFTPEndpoint) throws(MuelleError) -> String {
        guard let offered else {
            throw MuelleError(.sftpConnection, "\(endpoint) completed the handshake without a host key; refusing")
        }
        let fingerprint = sha256(offered.sha256)
        guard let pinned = endpoint.hostKey else {
            throw SFTPFailures.hostKeyUnknown(endpoint, offered: fingerprint, type: offered.type)
        }
        let expected = try normalized(pinned)
        guard expected == fingerprint else {
            throw SFTPFailures.hostKeyChanged(endpoint, offered: fingerprint, pinned: expected, type: offered.type)
        }
        return fingerprint
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 without `=` padding, as OpenSSH writes fingerprints.
    static func base64(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let first = UInt32(bytes[index])
            let second = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let third = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = first << 16 | second << 8 | third
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            if remaining > 1 { output.append(alphabet[Int(group >> 6 & 63)]) }
            if remaining > 2 { output.append(alphabet[Int(group & 63)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start ... end])
    }
}
