import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The HTTP intake through real HTTP on 127.0.0.1: `muelle run --listen` started as a process, a URLSession client.
@Suite(.serialized) struct HTTPIntakeTests {
    static let order = "order-x7gr-3fx4.json"
    static let orderID = "deliveryapp:1042:x7gr-3fx4"

    static func orderBody() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Workbench.repository + "/examples/inbox/deliveryapp-orders/\(order)"))
    }

    @Test func threePushesAtOnceAreOneOrder() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let body = try Self.orderBody()
        let answers = try await withThrowingTaskGroup(of: Listener.Answer.self) { group in
            for _ in 0..<3 { group.addTask { try await listener.post("/hooks/deliveryapp-orders", body, token: token) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.map(\.status).sorted() == [200, 200, 202], "\(answers)")
        #expect(Set(answers.compactMap { $0.json["id"] }).count == 1)
        #expect(answers.filter { $0.json["status"] == "duplicate" }.count == 2)
        #expect(Workbench.eventually(within: 60) { (try? bench.orders().count) == 1 && bench.files("inbox/deliveryapp-orders").isEmpty })
        // Sent again once it went through: still a duplicate, still one order.
        let late = try await listener.post("/hooks/deliveryapp-orders", body, token: token)
        #expect(late.status == 200)
        #expect(late.json["id"] == answers[0].json["id"])
        try await Task.sleep(for: .milliseconds(600))
        #expect(try bench.orders().count == 1)
        #expect(try bench.orders().first?["id"] as? String == Self.orderID)
        #expect(bench.files("outbox/reports").count == 1)
    }

    @Test func aKillBetweenTheFsyncAndTheAnswerLosesNothingAndTheRetryIsADuplicate() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"])
        let doomed = try await Listener.start(bench, environment: ["MUELLE_TEST_KILL_AT": "http-before-answer"], quietMs: 60_000)
        let body = try Self.orderBody()
        await #expect(throws: (any Error).self) { try await doomed.post("/hooks/deliveryapp-orders", body, token: token) }
        doomed.process.waitUntilExit()
        #expect(doomed.process.terminationReason == .uncaughtSignal)
        // On disk under its final name, and nothing else (no temporary file).
        let dropped = bench.files("inbox/deliveryapp-orders")
        #expect(dropped.count == 1 && dropped[0].hasPrefix("push-") && dropped[0].hasSuffix(".json"), "\(dropped)")

        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let retry = try await listener.post("/hooks/deliveryapp-orders", body, token: token)
        #expect(retry.status == 200 || retry.status == 202)
        #expect(retry.json["status"] == "duplicate", "\(retry.json)")
        #expect(Workbench.eventually(within: 60) { (try? bench.orders().count) == 1 && bench.files("inbox/deliveryapp-orders").isEmpty })
        #expect(bench.files("outbox/reports").count == 1)
    }

    @Test func wrongMissingOtherAndRevokedTokensAreRefusedAndNothingIsWritten() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"], name: "Gestión de órdenes")
        let other = try Listener.token(bench, routes: ["deliveryapp-order-status"], name: "status")
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let body = try Self.orderBody()
        #expect(try await listener.post("/hooks/deliveryapp-orders", body, token: nil).status == 401)
        #expect(try await listener.post("/hooks/deliveryapp-orders", body, token: token + "x").status == 401)
        #expect(try await listener.post("/hooks/deliveryapp-orders", body, token: other).status == 401)
        let list = try bench.muelle(["tokens", "list"])
        #expect(list.stdout.contains("Gestión de órdenes  routes: deliveryapp-orders"))
        #expect(!list.stdout.contains(token))
        #expect(try bench.muelle(["tokens", "revoke", "Gestión de órdenes"]).status == 0)
        let revoked = try await listener.post("/hooks/deliveryapp-orders", body, token: token)
        #expect(revoked.status == 401)
        #expect(revoked.json["error"] == "unauthorized")
        #expect(bench.files("inbox/deliveryapp-orders").isEmpty)
        #expect(try bench.orders().isEmpty)
    }

    @Test func theStatusPushWithTheOrderInItsPathCancelsTheOrder() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        defer { bench.remove() }
        try bench.dropExample("deliveryapp-orders", Self.order)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let token = try Listener.token(bench, routes: ["deliveryapp-order-status"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let cancellation = Data(#"{"status":"ORDER_CANCELLED","message":"Restaurante sin stock"}"#.utf8)
        let answer = try await listener.post("/hooks/deliveryapp-order-status/remoteId/1042/remoteOrder/x7gr-3fx4/posOrderStatus", cancellation, token: token)
        #expect(answer.status == 202, "\(answer.json)")
        #expect(Workbench.eventually(within: 60) { (try? bench.ndjson("outbox/order-updates").count) == 1 })
        let update = try #require(try bench.ndjson("outbox/order-updates").first)
        #expect(update["order_id"] as? String == Self.orderID)
        #expect((update["status"] as? [String: Any])?["to"] as? String == "cancelled")
        // The delivery app sends it with PUT: the same push again is a duplicate.
        #expect(try await listener.post("/hooks/deliveryapp-order-status/remoteId/1042/remoteOrder/x7gr-3fx4/posOrderStatus", cancellation, token: token, method: "PUT").status == 200)
        // The path the route declares, and nothing else.
        #expect(try await listener.post("/hooks/deliveryapp-order-status/remoteId/1042/posOrderStatus", cancellation, token: token).status == 404)
        #expect(try await listener.post("/hooks/deliveryapp-order-status/remoteId/1042/remoteOrder/x7gr%20y/posOrderStatus", cancellation, token: token).status == 400)
    }

    @Test func aChosenHeaderReachesTheDropsNameAndTheMappingsMeta() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        defer { bench.remove() }
        // The store's id comes in a header instead of the path: `headers:` names it, `file_name` carries it.
        let mapping = try bench.read("mappings/deliveryapp-order-status.yaml")
            .replacingOccurrences(of: "    path: remoteId/{vendor}/remoteOrder/{order}/posOrderStatus\n",
                                  with: "    path: remoteOrder/{order}/posOrderStatus\n    headers: { vendor: X-Vendor-Id }\n")
        #expect(mapping.contains("X-Vendor-Id"))
        try bench.write("mappings/deliveryapp-order-status.yaml", mapping)
        try bench.dropExample("deliveryapp-orders", Self.order)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        let token = try Listener.token(bench, routes: ["deliveryapp-order-status"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let cancellation = Data(#"{"status":"ORDER_CANCELLED","message":"Restaurante sin stock"}"#.utf8)
        let path = "/hooks/deliveryapp-order-status/remoteOrder/x7gr-3fx4/posOrderStatus"

        let missing = try await listener.post(path, cancellation, token: token)
        #expect(missing.status == 400)
        #expect(missing.json["error"] == "bad_header")
        #expect(try await listener.post(path, cancellation, token: token, headers: ["X-Vendor-Id": "10 42"]).status == 400)
        #expect(bench.files("inbox/deliveryapp-order-status").isEmpty)

        let answer = try await listener.post(path, cancellation, token: token, headers: ["X-Vendor-Id": "1042"])
        #expect(answer.status == 202, "\(answer)")
        #expect(answer.json["file"]?.hasPrefix("remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_") == true, "\(answer)")
        // The header's value, read back by file_pattern as meta: vendor, names the order that is cancelled.
        #expect(Workbench.eventually(within: 60) { (try? bench.ndjson("outbox/order-updates").count) == 1 })
        let update = try #require(try bench.ndjson("outbox/order-updates").first)
        #expect(update["order_id"] as? String == Self.orderID)
        #expect((update["status"] as? [String: Any])?["to"] as? String == "cancelled")
    }

    @Test func unknownRouteWrongContentAndOversizeAreJSONErrorsWithNothingWritten() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let unknown = try await listener.post("/hooks/nowhere", Data("{}".utf8), token: token)
        #expect(unknown.status == 404)
        #expect(unknown.json["error"] == "no_route")
        let csv = try await listener.post("/hooks/deliveryapp-orders", Data("a,b\n".utf8), token: token, contentType: "text/csv")
        #expect(csv.status == 415)
        let huge = try await listener.post("/hooks/deliveryapp-orders", Data(repeating: 0x20, count: (10 << 20) + 1), token: token)
        #expect(huge.status == 413)
        #expect(huge.json["error"] == "too_large")
        #expect(bench.files("inbox/deliveryapp-orders").isEmpty)
        #expect(try await listener.get("/healthz").status == 200)
        #expect(try await listener.get("/readyz").status == 200)
    }

    @Test func aFullDiskAnswers503AndLosesNothingAlreadyAccepted() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.path + "/muelle-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        guard Self.system(["/bin/mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]) == 0 else {
            print("⚠️⚠️⚠️ SKIPPED: mount -t tmpfs was refused (not root?): the full-disk push test did not run ⚠️⚠️⚠️")
            return
        }
        defer { Self.system(["/bin/umount", mountPoint]) }
        let bench = try Workbench(mappings: ["deliveryapp-orders"], in: mountPoint)
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"])
        // A quiet period longer than the test: what is accepted stays in the inbox to be looked at.
        let listener = try await Listener.start(bench, quietMs: 600_000)
        defer { listener.stop() }
        let first = try Self.orderBody()
        #expect(try await listener.post("/hooks/deliveryapp-orders", first, token: token).status == 202)
        let kept = bench.files("inbox/deliveryapp-orders")
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: mountPoint)
        let used = ((attributes[.systemSize] as? Int) ?? 0) - ((attributes[.systemFreeSize] as? Int) ?? 0)
        Self.system(["/bin/mount", "-o", "remount,size=\((used >> 10) + 64)k", mountPoint])

        let big = Data("[\(String(repeating: " ", count: 1 << 20))]".utf8)
        let full = try await listener.post("/hooks/deliveryapp-orders", big, token: token)
        #expect(full.status == 503, "\(full)")
        #expect(full.json["error"] == "disk_full")
        // The accepted push is whole, and nothing of the refused one is left (no temporary file either).
        #expect(bench.files("inbox/deliveryapp-orders") == kept)
        #expect(try Data(contentsOf: URL(fileURLWithPath: bench.root + "/inbox/deliveryapp-orders/" + kept[0])) == first)

        Self.system(["/bin/mount", "-o", "remount,size=64m", mountPoint])
        #expect(try await listener.post("/hooks/deliveryapp-orders", big, token: token).status == 202)
    }

    @Test func readyzFailsBelowTheConfiguredDiskFloorAndNamesAMappingThatDidNotLoad() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.path + "/muelle-floor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        guard Self.system(["/bin/mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint]) == 0 else {
            print("⚠️⚠️⚠️ SKIPPED: mount -t tmpfs was refused (not root?): the readiness floor test did not run ⚠️⚠️⚠️")
            return
        }
        defer { Self.system(["/bin/umount", mountPoint]) }
        let bench = try Workbench(mappings: ["deliveryapp-orders"], in: mountPoint)
        // 16 MB of room, a floor of 64 MB: not ready, and the answer says why.
        try bench.write("muelle.yaml", "listen:\n  ready_min_free: 64 MB\n")
        let starved = try await Listener.start(bench)
        let low = try await starved.get("/readyz")
        starved.stop()
        #expect(low.status == 503, "\(low)")
        let disk = try #require(Self.failures(low)["disk"] as? String, "\(low)")
        #expect(disk.contains("below the floor of \(64 << 20)") && disk.contains("ready_min_free"), "\(disk)")

        try bench.write("muelle.yaml", "listen:\n  ready_min_free: 1 MB\n")
        let roomy = try await Listener.start(bench)
        #expect(try await roomy.get("/readyz").status == 200)
        roomy.stop()

        // A mapping with an error: not ready, naming the mapping and its first error.
        try bench.write("mappings/broken-feed.yaml", "route: { kind: orders, platform: shop, account: main }\nreader: { format: csv }\nfields: { external_id: { uper: Name } }\n")
        let broken = try await Listener.start(bench)
        defer { broken.stop() }
        let answer = try await broken.get("/readyz")
        #expect(answer.status == 503, "\(answer)")
        let mappings = try #require(Self.failures(answer)["mappings"] as? [String: String], "\(answer)")
        #expect(Array(mappings.keys) == ["broken-feed"])
        #expect(mappings["broken-feed"]?.hasPrefix("mappings/broken-feed.yaml:3:") == true, "\(mappings)")
        #expect(Self.failures(answer)["disk"] == nil)
    }

    /// The `failures` object of a `/readyz` answer.
    static func failures(_ answer: Listener.Answer) -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.text.utf8))) as? [String: Any]
        return object?["failures"] as? [String: Any] ?? [:]
    }

    @discardableResult
    static func system(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func aSecretPathSegmentStandsInForTheHeader() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let body = try Self.orderBody()
        #expect(try await listener.post("/secret/wrong/hooks/deliveryapp-orders", body, token: nil).status == 401)
        #expect(try await listener.post("/secret/\(token)/hooks/deliveryapp-orders", body, token: nil).status == 202)
    }

    @Test func metricsParseAndTheirCountersMatchTheReports() async throws {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        defer { bench.remove() }
        let token = try Listener.token(bench, routes: ["deliveryapp-orders", "deliveryapp-order-status"])
        let listener = try await Listener.start(bench)
        defer { listener.stop() }
        let body = try Self.orderBody()
        // The start-up's /healthz answers count too: what this test adds is measured from here.
        let okBefore = try PrometheusText.parse(try await listener.get("/metrics").text)
            .first { $0.name == "muelle_http_requests_total" && $0.labels == ["status": "200"] }?.value ?? 0
        #expect(try await listener.post("/hooks/deliveryapp-orders", body, token: token).status == 202)
        #expect(Workbench.eventually(within: 60) { bench.files("outbox/reports").count == 1 })
        // A status push for an order never imported: quarantined.
        let unknownOrder = Data(#"{"status":"ORDER_CANCELLED"}"#.utf8)
        #expect(try await listener.post("/hooks/deliveryapp-order-status/remoteId/1042/remoteOrder/zz99/posOrderStatus", unknownOrder, token: token).status == 202)
        #expect(try await listener.post("/hooks/deliveryapp-orders", body, token: token).status == 200)
        #expect(Workbench.eventually(within: 60) { bench.files("outbox/reports").count == 2 })
        #expect(try await listener.post("/hooks/deliveryapp-orders", Data("{}".utf8), token: nil).status == 401)

        // A report is written before its input's counters move: wait until the second input is counted.
        var samples: [PrometheusText.Sample] = []
        for _ in 0 ..< 100 {
            samples = try PrometheusText.parse(try await listener.get("/metrics").text)
            let counted = samples.filter { $0.name == "muelle_inputs_total" }.reduce(0) { $0 + $1.value }
            if counted >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
        let reports = try bench.files("outbox/reports").map { try bench.report($0) }
        let processed = reports.filter { $0["state"] as? String == "processed" }
        let rejected = reports.filter { $0["state"] as? String == "rejected" }
        #expect(processed.count == 1 && rejected.count == 1)
        #expect(value("muelle_inputs_total", ["route": "deliveryapp-orders", "state": "processed"]) == Double(processed.count))
        #expect(value("muelle_inputs_total", ["route": "deliveryapp-order-status", "state": "rejected"]) == Double(rejected.count))
        let records = processed.compactMap { $0["records"] as? Int }.reduce(0, +)
        #expect(value("muelle_records_total", ["route": "deliveryapp-orders"]) == Double(records))
        #expect(value("muelle_orders_total", ["route": "deliveryapp-orders", "result": "imported"]) == 1)
        #expect(value("muelle_quarantine_files", ["route": "deliveryapp-order-status"]) == 1)
        #expect(value("muelle_inbox_backlog", ["route": "deliveryapp-orders"]) == 0)
        #expect(value("muelle_http_requests_total", ["status": "202"]) == 2)
        // The duplicate push, and the first /metrics.
        #expect(value("muelle_http_requests_total", ["status": "200"]) == okBefore + 2)
        #expect(value("muelle_http_requests_total", ["status": "401"]) == 1)
        #expect(value("muelle_processing_duration_seconds_count", ["route": "deliveryapp-orders"]) == 1)
    }
}

/// `muelle run --listen` on a free port of 127.0.0.1, and a client for it.
struct Listener: Sendable {
    let process: Process
    let port: Int

    struct Answer: Sendable, CustomStringConvertible {
        var status: Int
        var text: String
        /// The answer's JSON object, its values as text.
        var json: [String: String] {
            ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?.mapValues { "\($0)" } ?? [:]
        }
        var description: String { "\(status) \(text)" }
    }

    static func token(_ bench: Workbench, routes: [String], name: String = "test") throws -> String {
        let made = try bench.muelle(["tokens", "create", "--name", name] + routes.flatMap { ["--route", $0] })
        #expect(made.status == 0, "\(made.stderr)")
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func start(_ bench: Workbench, environment: [String: String] = [:], quietMs: Int = 50) async throws -> Listener {
        let port = try freePort()
        let process = bench.start(["run", "--listen", "127.0.0.1:\(port)", "--quiet-ms", "\(quietMs)", "--rescan-seconds", "1"])
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        try process.run()
        let listener = Listener(process: process, port: port)
        for _ in 0..<300 {
            if (try? await listener.get("/healthz"))?.status == 200 { return listener }
            try await Task.sleep(for: .milliseconds(50))
        }
        listener.stop()
        throw CocoaError(.fileReadUnknown)
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func get(_ path: String) async throws -> Answer {
        try await send(URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))))
    }

    func post(_ path: String, _ body: Data, token: String?, contentType: String = "application/json", method: String = "POST",
              headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        request.httpBody = body
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> Answer {
        var request = request
        request.timeoutInterval = 30
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, text: String(decoding: data, as: UTF8.self))
    }

    /// A port nobody listens on now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(socket, raw, length) == 0, getsockname(socket, raw, &length) == 0 else { throw CocoaError(.fileReadUnknown) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A small parser of Prometheus' text exposition format: `name{label="value",…} value` lines, comments skipped.
enum PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a Prometheus sample line: \(line)" }
    }

    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            var rest = Substring(line)
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
            guard !name.isEmpty else { throw Malformed(line: String(line)) }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    let key = rest.prefix { $0 != "=" }
                    rest = rest.dropFirst(key.count)
                    guard rest.hasPrefix("=\"") else { throw Malformed(line: String(line)) }
                    rest = rest.dropFirst(2)
                    var value = ""
                    while let character = rest.first, character != "\"" {
                        rest = rest.dropFirst()
                        if character == "\\", let escaped = rest.first {
                            rest = rest.dropFirst()
                            value.append(escaped == "n" ? "\n" : escaped)
                        } else {
                            value.append(character)
                        }
                    }
                    guard rest.first == "\"" else { throw Malformed(line: String(line)) }
                    rest = rest.dropFirst()
                    labels[String(key)] = value
                    if rest.first == "," { rest = rest.dropFirst() }
                    guard !rest.isEmpty else { throw Malformed(line: String(line)) }
                }
                rest = rest.dropFirst()
            }
            let fields = rest.split(separator: " ")
            guard let first = fields.first, let value = Double(first == "+Inf" ? "inf" : String(first)) else { throw Malformed(line: String(line)) }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
        return samples
    }
}
