import Foundation
import Testing

/// The `deliveries_failing` alert through the real binary: `muelle run` with `alerts:`, a partner's SFTP server
/// that is down and then up, and an alert receiver in a process of its own (python3's http.server: a receiver
/// inside the test process can be starved by the suites running beside it, and answer too late).
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct DeliveryAlertTests {
    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["MUELLE_BIN"] { return explicit }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("muelle").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return RouteDeliveryTests.repository + "/.build/debug/muelle"
    }()

    /// Each POST's JSON body, one per line, appended to `log`; the port written to `log.port` once it listens.
    static let receiver = """
    import http.server, sys
    log = sys.argv[1]
    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with open(log, "ab") as f:
                f.write(body.replace(b"\\n", b" ") + b"\\n")
            self.send_response(200)
            self.end_headers()
        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    with open(log + ".port", "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
    """

    static func alerts(_ log: String) -> [[String: String]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?.compactMapValues { $0 as? String }
        }
    }

    static func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    @Test func deliveriesFailingLongerThanConfiguredAlertOnceThenResolveWhenOneGetsThrough() async throws {
        let server = try TestSSHServer()  // not started: the partner's server is down
        let inbound = server.dataFolder + "/orders-in"
        try TestSSHServer.makeFolder(inbound, owner: TestAccounts.user)
        let root = try server.workspaceDelivering(into: inbound)

        let log = root.child("alerts.ndjson")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", Self.receiver, log]
        try python.run()
        defer { kill(python.processIdentifier, SIGKILL); python.waitUntilExit() }
        #expect(Self.eventually(within: 60) { FileManager.default.fileExists(atPath: log + ".port") })
        let port = try String(contentsOfFile: log + ".port", encoding: .utf8)
        try """
            alerts:
              url: http://127.0.0.1:\(port)/alerts
              secret: { env: MUELLE_ALERT_SECRET }
              deliveries_failing_after: 3 seconds
              check_every: 1 second
            """.write(toFile: root.child("muelle.yaml"), atomically: true, encoding: .utf8)

        let inbox = root.child("inbox/mercadolibre-orders")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RouteDeliveryTests.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json",
                                         toPath: inbox + "/page.json")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: inbox + "/page.json")
        let run = Process()
        run.executableURL = URL(fileURLWithPath: Self.binary)
        run.arguments = ["run", "--quiet-ms", "200", "--rescan-seconds", "1", "--root", root.path]
        run.environment = ProcessInfo.processInfo.environment.merging(["MUELLE_ALERT_SECRET": "alert-signing-key"]) { $1 }
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        let started = Date()
        try run.run()
        defer { run.terminate(); run.waitUntilExit() }

        // Failing for the configured 3 seconds, not before: one alert naming the file and the reason.
        #expect(Self.eventually(within: 30) { Self.alerts(log).contains { $0["alert"] == "deliveries_failing" } })
        #expect(Date().timeIntervalSince(started) >= 3)
        let firing = try #require(Self.alerts(log).first { $0["alert"] == "deliveries_failing" })
        #expect(firing["status"] == "firing")
        #expect(firing["route"] == "mercadolibre-orders")
        #expect(firing["message"]?.contains("cannot be delivered to sftp://\(TestAccounts.user)@127.0.0.1:\(server.port)") == true, "\(firing)")
        // Still failing rounds later: no second alert.
        try await Task.sleep(for: .milliseconds(3000))
        #expect(Set(Self.alerts(log).filter { $0["alert"] == "deliveries_failing" }.compactMap { $0["id"] }).count == 1)

        // The server is back: the file gets through, and the alert is resolved, once.
        try server.start()
        defer { server.stop() }
        #expect(Self.eventually(within: 30) { Self.alerts(log).contains { $0["cause"] == firing["cause"] && $0["status"] == "resolved" } })
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: inbound)) ?? []).count == 1)
        let ids = Self.alerts(log).filter { $0["cause"] == firing["cause"] }.compactMap { $0["id"] }
        #expect(Set(ids).count == 2 && ids.first?.hasSuffix("-firing") == true && ids.last?.hasSuffix("-resolved") == true, "\(ids)")
    }
}
