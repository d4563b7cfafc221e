import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MuelleCore
import MuelleLedger
import MuelleSFTP
import MuelleShipping

extension MuelleError.Code {
    /// An alert POST the receiver did not take (no answer, or not a 2xx): tried again with backoff.
    public static let alertDelivery = MuelleError.Code(rawValue: "alert_delivery")
}

/// Sends one alert: a JSON POST signed with HMAC-SHA256 over the body (`X-Muelle-Signature: sha256=<hex>`),
/// tried again with backoff while the receiver is down or answers an error.
public struct AlertSender: Sendable {
    public var url: URL
    /// The signing key, by reference: read at each send, so rotating it needs no restart.
    public var secret: MuelleShipping.SecretReference
    public var workspace: Workspace
    public var backoff: Backoff
    public var timeout: Duration = .seconds(10)

    public init(url: URL, secret: MuelleShipping.SecretReference, workspace: Workspace, backoff: Backoff = Backoff(initialDelay: .seconds(1), maximumDelay: .seconds(30), maximumAttempts: 5)) {
        self.url = url
        self.secret = secret
        self.workspace = workspace
        self.backoff = backoff
    }

    /// The body of the alert: what, where, since when, and whether it is firing or resolved.
    public static func body(_ entry: AlertEntry, resolved: Bool, workspace: Workspace) -> [UInt8] {
        let value = Value.object([
            ("alert", .string(entry.kind)), ("status", .string(resolved ? "resolved" : "firing")),
            ("id", .string("\(entry.id ?? 0)-\(resolved ? "resolved" : "firing")")),
            ("cause", .string(entry.cause)), ("route", .string(entry.route)), ("subject", .string(entry.subject)),
            ("message", .string(entry.message)), ("since", .string(entry.since)),
            ("fired_at", entry.firedAt.map(Value.string) ?? .null), ("resolved_at", entry.resolvedAt.map(Value.string) ?? .null),
            ("workspace", .string(workspace.root)),
        ])
        return Array(JSONText.compact(value).utf8)
    }

    /// `sha256=<hex>` of `body` under `key`: the receiver recomputes it to know the alert is muelle's.
    public static func signature(_ body: [UInt8], key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(key.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Posts the alert until the receiver answers 2xx or the attempts run out (then throws; the service
    /// tries again on its next round, since the ledger still says it is not sent).
    public func send(_ entry: AlertEntry, resolved: Bool) async throws(MuelleError) {
        let body = Self.body(entry, resolved: resolved, workspace: workspace)
        let key: String
        do {
            key = try secret.resolve(baseDirectory: workspace.root).reveal()
        } catch {
            throw MuelleError(.configuration, "the alerts' signing key is read from the \(secret), which cannot be read; set it before running muelle")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout.totalSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(Self.signature(body, key: key), forHTTPHeaderField: "X-Muelle-Signature")
        request.setValue("\(entry.id ?? 0)-\(resolved ? "resolved" : "firing")", forHTTPHeaderField: "X-Muelle-Alert-Id")
        let target = url.absoluteString
        let prepared = request
        try await backoff.run(isRetryable: { $0.code == .alertDelivery }) { _ throws(MuelleError) in
            let status: Int
            do {
                let (_, response) = try await URLSession.shared.upload(for: prepared, from: Data(body))
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
            } catch {
                throw MuelleError(.alertDelivery, "the alert receiver \(target) did not answer: \(error.localizedDescription)")
            }
            guard (200..<300).contains(status) else {
                throw MuelleError(.alertDelivery, "the alert receiver \(target) answered \(status)")
            }
        }
    }
}

extension MuelleShipping.SecretReference {
    /// A reference as the settings give it: `env:NAME` or `file:path` (never the secret itself).
    public init(settingsText text: String) throws(MuelleError) {
        if text.hasPrefix("env:"), text.count > 4 {
            self = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            throw MuelleError(.configuration, "a secret must be given by reference, as { env: NAME } or { file: path }, never inline")
        }
    }
}
