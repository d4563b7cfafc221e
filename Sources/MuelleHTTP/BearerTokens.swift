import Crypto
import Foundation
import MuelleCore
import MuelleLedger
import Synchronization

/// Named bearer tokens: made here, kept in the ledger only as hashes, checked in constant time.
public enum BearerTokens {
    /// A new token: 32 random bytes as URL-safe base64 without padding (43 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The token among `tokens` whose hash is `token`'s. Every stored hash is compared, each over its whole
    /// length, so the time taken says nothing about how close a guess came.
    static func match(_ token: String, among tokens: [HTTPToken]) -> HTTPToken? {
        let presented = Array(hash(token).utf8)
        var found: HTTPToken?
        for candidate in tokens {
            let stored = Array(candidate.hash.utf8)
            var difference = UInt8(stored.count == presented.count ? 0 : 1)
            for index in 0..<min(stored.count, presented.count) { difference |= stored[index] ^ presented[index] }
            if difference == 0 { found = candidate }
        }
        return found
    }
}

/// Checks a push's token against the ledger, and notes when each token was last used (at most once a minute
/// per token, so a busy sender does not turn every push into a ledger write).
final class TokenGate: Sendable {
    let ledger: any LedgerStore
    private let lastNoted = Mutex<[String: ContinuousClock.Instant]>([:])

    init(ledger: any LedgerStore) { self.ledger = ledger }

    enum Verdict: Equatable {
        case allowed(name: String)
        case missing
        case unknown
        case notForRoute(name: String)
    }

    func check(_ token: String?, route: String) throws -> Verdict {
        guard let token, !token.isEmpty else { return .missing }
        guard let match = BearerTokens.match(token, among: try ledger.tokens()) else { return .unknown }
        guard match.routes.contains(route) else { return .notForRoute(name: match.name) }
        let now = ContinuousClock.now
        let due = lastNoted.withLock { noted in
            if let last = noted[match.name], now - last < .seconds(60) { return false }
            noted[match.name] = now
            return true
        }
        if due { try? ledger.markTokenUsed(named: match.name, at: Self.timestamp()) }
        return .allowed(name: match.name)
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
