import Crypto
import Foundation
import Hummingbird

/// Who may use the console: the bearer of the console token, given as HTTP basic auth (any user name,
/// the token as password: what a browser asks for) or as `Authorization: Bearer`. Compared in constant time.
public struct ConsoleAccess: Sendable {
    private let digest: [UInt8]
    private let csrfKeyBytes: [UInt8]
    private var csrfKey: SymmetricKey { SymmetricKey(data: csrfKeyBytes) }
    /// How long a form stays good after its page was rendered.
    static let formLifetime: TimeInterval = 12 * 3600

    public init(token: String) {
        digest = Array(SHA256.hash(data: Array(token.utf8)))
        // A key of its own for forms, so a form token never says anything about the console token.
        csrfKeyBytes = Array(HMAC<SHA256>.authenticationCode(for: Array("muelle console forms".utf8), using: SymmetricKey(data: Array(token.utf8))))
    }

    /// Whether the request carries the console token.
    func allows(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        let given: String
        if header.lowercased().hasPrefix("bearer ") {
            given = String(header.dropFirst(7))
        } else if header.lowercased().hasPrefix("basic "),
                  let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            given = String(text[text.index(after: colon)...])
        } else {
            return false
        }
        return Self.equal(Array(SHA256.hash(data: Array(given.utf8))), digest)
    }

    /// A token for the forms of a page rendered at `now`: its time and a MAC of it.
    func formToken(now: Date = Date()) -> String {
        let issued = String(Int(now.timeIntervalSince1970))
        return issued + "." + Self.hex(HMAC<SHA256>.authenticationCode(for: Array(issued.utf8), using: csrfKey))
    }

    /// Whether a posted form token is one of ours and recent enough.
    func acceptsFormToken(_ token: String?, now: Date = Date()) -> Bool {
        guard let token, let dot = token.firstIndex(of: ".") else { return false }
        let issued = String(token[..<dot])
        guard let seconds = TimeInterval(issued), now.timeIntervalSince1970 - seconds < Self.formLifetime,
              now.timeIntervalSince1970 - seconds > -60 else { return false }
        let expected = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(issued.utf8), using: csrfKey))
        return Self.equal(Array(token[token.index(after: dot)...].utf8), Array(expected.utf8))
    }

    /// A browser says where a form came from: another site's page may not post to the console.
    static func sameOrigin(_ request: Request) -> Bool {
        if let site = header("Sec-Fetch-Site", of: request), site != "same-origin", site != "none" { return false }
        guard let origin = header("Origin", of: request), origin != "null" else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }

    private static func header(_ name: String, of request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// Refuses every console request without the token: 401 with a basic-auth challenge, so a browser asks.
struct ConsoleAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: ConsoleAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard access.allows(request) else {
            return Response(status: .unauthorized,
                            headers: [.wwwAuthenticate: "Basic realm=\"muelle console\", charset=\"UTF-8\"", .contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The muelle console needs its token: any user name, the console token as password.\n")))
        }
        return try await next(request, context)
    }
}
