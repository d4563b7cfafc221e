import Crypto
import Foundation
import Testing

/// A tiny alert receiver on loopback, in a process of its own (python3's http.server): the test process runs
/// many suites at once on a 2-thread pool, and a receiver inside it could answer too late, making muelle
/// time out and repeat. Each POST is appended to a file: its body and its signature header.
final class AlertReceiver: Sendable {
    struct Alert: Sendable {
        var body: [String: String]
        var signedCorrectly: Bool
    }

    let secret: String
    private let log = FileManager.default.temporaryDirectory.path + "/muelle-alerts-\(UUID().uuidString).ndjson"

    init(secret: String) { self.secret = secret }

    var received: [Alert] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        let key = SymmetricKey(data: Array(secret.utf8))
        return text.split(separator: "\n").compactMap { line in
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                  let raw = record["body"] else { return nil }
            let bytes = Array(raw.utf8)
            let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: bytes, using: key).map { String(format: "%02x", $0) }.joined()
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
            return Alert(body: object.compactMapValues { $0 as? String }, signedCorrectly: record["signature"] == expected)
        }
    }

    static let server = """
    import http.server, json, sys
    log, ready = sys.argv[1], sys.argv[2]
    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
            with open(log, "a") as f:
                f.write(json.dumps({"body": body, "signature": self.headers.get("X-Muelle-Signature", "")}) + "\\n")
            self.send_response(200)
            self.end_headers()
        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    with open(ready, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
    """

    /// Serves until `body` returns; `body` gets the receiver's URL.
    func serving<T>(_ body: (String) async throws -> T) async throws -> T {
        let ready = log + ".port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.server, log, ready]
        try process.run()
        defer {
            // SIGKILL: the test process may ignore SIGTERM, and a child inherits that.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: log)
            try? FileManager.default.removeItem(atPath: ready)
        }
        var port = ""
        for _ in 0..<200 where port.isEmpty {
            port = (try? String(contentsOfFile: ready, encoding: .utf8)) ?? ""
            if port.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        return try await body("http://127.0.0.1:\(port)/alerts")
    }
}

extension ServerTests {
    @Suite(.serialized) struct AlertTests {
        @Test func aRouteThatMissesItsExpectedFeedTurnsLateAlertsOnceThenResolves() async throws {
            let bench = try ConsoleBench(strict: false, expect: "{ every: 2 seconds }")
            defer { bench.remove() }
            let receiver = AlertReceiver(secret: "alert-signing-key")
            try await receiver.serving { url in
                try bench.write("muelle.yaml", """
                    alerts:
                      url: \(url)
                      secret: { env: MUELLE_ALERT_SECRET }
                      check_every: 1 second
                    """)
                try bench.drop("prices-1.csv", "id,price\nA1,9.90\n")
                // The feed's first file is in before the watch starts: on a busy machine a watcher still settling
                // it would see the route late from its mapping's age, then on time, and alert about that first.
                let first = bench.process(["run", "--once", "--quiet-ms", "200"], environment: ["MUELLE_ALERT_SECRET": "alert-signing-key"])
                try first.run()
                first.waitUntilExit()
                #expect(first.terminationStatus == 0)
                let run = bench.process(["run", "--quiet-ms", "200", "--rescan-seconds", "1"], environment: ["MUELLE_ALERT_SECRET": "alert-signing-key"])
                try run.run()
                defer { run.terminate(); run.waitUntilExit() }

                // Two seconds after the last file, the route is late: one alert.
                #expect(ConsoleBench.eventually(within: 60) { receiver.received.contains { $0.body["alert"] == "route_late" } })
                let firing = try #require(receiver.received.first { $0.body["alert"] == "route_late" })
                #expect(firing.body["status"] == "firing")
                #expect(firing.body["route"] == "prices")
                #expect(firing.signedCorrectly)
                #expect(firing.body["message"]?.contains("expects a file every 2 seconds") == true)
                // Still late a few rounds later: no second alert for the same cause.
                try await Task.sleep(for: .milliseconds(2500))
                // (Delivery is at least once: a POST whose answer came too late is repeated, with the same id.)
                #expect(Set(receiver.received.filter { $0.body["cause"] == firing.body["cause"] }.compactMap { $0.body["id"] }).count == 1)

                // The feed comes back: the same cause is resolved, once.
                try bench.drop("prices-2.csv", "id,price\nA1,9.95\n")
                #expect(ConsoleBench.eventually(within: 60) {
                    receiver.received.contains { $0.body["cause"] == firing.body["cause"] && $0.body["status"] == "resolved" }
                })
                let forCause = receiver.received.filter { $0.body["cause"] == firing.body["cause"] }
                var alerts: [String] = []
                for alert in forCause where !alerts.contains(alert.body["id"] ?? "") { alerts.append(alert.body["id"] ?? "") }
                #expect(alerts.count == 2 && alerts[0].hasSuffix("-firing") && alerts[1].hasSuffix("-resolved"), "\(alerts)")
                #expect(forCause.allSatisfy { $0.signedCorrectly })
                #expect(!receiver.received.contains { $0.body["alert"] == "file_quarantined" })
            }
        }

        @Test func anOrderCancelledAfterItsParcelsWereHandedOverAlertsOnceThenResolvesOnTheNextManifest() async throws {
            let bench = try ConsoleBench(strict: false)
            defer { bench.remove() }
            try bench.copyMappings(["shopify-orders", "shopify-order-events"])
            // Without its daily cut-off: past 17:00 in Madrid the watcher would close the day's manifest by itself,
            // exception included, and resolve the alert before the test closes one.
            let profile = try String(contentsOfFile: bench.root + "/mappings/carriers/eu-parcel.yaml", encoding: .utf8)
            try bench.write("mappings/carriers/eu-parcel.yaml", profile.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("pickup:") }.joined(separator: "\n"))
            try bench.dropExample("inbox/shopify-orders/orders_export_1.csv", route: "shopify-orders")
            #expect(try bench.muelle(["run", "--once"]) == 0)
            // The manifest is closed: the parcels are with the carrier.
            #expect(try bench.muelle(["manifest", "close", "--date", "2099-12-31"]) == 0)
            let receiver = AlertReceiver(secret: "alert-signing-key")
            try await receiver.serving { url in
                try bench.write("muelle.yaml", """
                    alerts:
                      url: \(url)
                      secret: { env: MUELLE_ALERT_SECRET }
                      check_every: 1 second
                    """)
                let run = bench.process(["run", "--quiet-ms", "200", "--rescan-seconds", "1"], environment: ["MUELLE_ALERT_SECRET": "alert-signing-key"])
                try run.run()
                defer { run.terminate(); run.waitUntilExit() }
                try bench.dropExample("later/shopify-order-events/orders-cancelled-1052.json", route: "shopify-order-events")

                #expect(ConsoleBench.eventually(within: 60) { receiver.received.contains { $0.body["alert"] == "cancelled_after_handover" } })
                let firing = try #require(receiver.received.first { $0.body["alert"] == "cancelled_after_handover" })
                #expect(firing.body["status"] == "firing")
                #expect(firing.body["subject"] == "shopify:main:1052")
                #expect(firing.body["route"] == "shopify-orders")
                #expect(firing.signedCorrectly)
                #expect(firing.body["message"]?.contains("intercept it with the carrier") == true, "\(firing.body)")
                // Rounds later, still one alert for it.
                try await Task.sleep(for: .milliseconds(2500))
                #expect(Set(receiver.received.filter { $0.body["cause"] == firing.body["cause"] }.compactMap { $0.body["id"] }).count == 1,
                        "\(receiver.received.map(\.body))")
                #expect(receiver.received.filter { $0.body["alert"] == "cancelled_after_handover" }.allSatisfy { $0.body["cause"] == firing.body["cause"] })

                // The next manifest lists it as an exception for the carrier: resolved.
                #expect(try bench.muelle(["manifest", "close", "--date", "2099-12-31"]) == 0)
                #expect(ConsoleBench.eventually(within: 60) {
                    receiver.received.contains { $0.body["cause"] == firing.body["cause"] && $0.body["status"] == "resolved" }
                })
                #expect(!receiver.received.contains { $0.body["alert"] == "file_quarantined" })
            }
        }
    }
}
