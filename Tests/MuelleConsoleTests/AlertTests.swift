import Crypto
import Foundation
import Hummingbird
import Logging
import Synchronization
import Testing

/// A tiny alert receiver on loopback: what arrived, and whether each signature checks out.
final class AlertReceiver: Sendable {
    struct Alert: Sendable {
        var body: [String: String]
        var signedCorrectly: Bool
    }

    let alerts = Mutex<[Alert]>([])
    let secret: String

    init(secret: String) { self.secret = secret }

    var received: [Alert] { alerts.withLock { $0 } }

    /// Serves until `body` returns; `body` gets the receiver's URL.
    func serving<T>(_ body: (String) async throws -> T) async throws -> T {
        let router = Router()
        let secret = Array(self.secret.utf8)
        router.post("alerts") { request, _ -> HTTPResponse.Status in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: secret)).map { String(format: "%02x", $0) }.joined()
            let signature = request.headers.first { $0.name.canonicalName == "x-muelle-signature" }?.value
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
            self.alerts.withLock { $0.append(Alert(body: object.compactMapValues { $0 as? String }, signedCorrectly: signature == expected)) }
            return .ok
        }
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "receiver"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let bound = await iterator.next() ?? 0
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(bound)/alerts")
        }
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
                #expect(ConsoleBench.eventually(within: 20) { receiver.received.contains { $0.body["alert"] == "route_late" } })
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
                #expect(ConsoleBench.eventually(within: 20) {
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
    }
}
