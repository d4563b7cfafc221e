import Foundation

/// Debian's headless Chromium, driven over the DevTools protocol: pages load, buttons are pressed and
/// forms submitted by the browser itself, as a merchant's would.
final class HeadlessChromium {
    private let process = Process()
    private let profile: String
    private let socket: WebSocketClient
    private var nextID = 0

    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init() throws {
        guard let binary = Self.binary else { throw WebSocketClient.Failure("no chromium: apt-get install -y chromium") }
        profile = FileManager.default.temporaryDirectory.path + "/muelle-chromium-\(UUID().uuidString)"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--remote-debugging-port=0", "--user-data-dir=\(profile)", "about:blank"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("DevTools listening on"), Date() < deadline {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"ws://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) else {
            process.terminate()
            throw WebSocketClient.Failure("chromium did not start: \(text)")
        }
        let port = text[range].dropFirst("ws://127.0.0.1:".count).dropLast()
        // Keep draining its stderr so the browser never blocks on a full pipe.
        let handle = errors.fileHandleForReading
        Thread { while !handle.availableData.isEmpty {} }.start()
        let list = try PlainHTTP.request("GET", "http://127.0.0.1:\(port)/json/list", headers: [:], body: nil).1
        let targets = try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]] ?? []
        guard let page = targets.first(where: { $0["type"] as? String == "page" })?["webSocketDebuggerUrl"] as? String, let url = URL(string: page) else {
            throw WebSocketClient.Failure("chromium has no page target")
        }
        socket = try WebSocketClient(url: url)
        _ = try call("Page.enable")
        _ = try call("Network.enable")
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Sends every request with these headers (the console's basic auth).
    func setHeaders(_ headers: [String: String]) throws {
        _ = try call("Network.setExtraHTTPHeaders", ["headers": headers])
    }

    /// Loads `url` and waits for the page (after redirects) to finish loading.
    func open(_ url: String) throws {
        _ = try call("Page.navigate", ["url": url])
        try waitFor("Page.loadEventFired")
    }

    /// Runs `expression` in the page; what it returns, as JSON-able values.
    @discardableResult
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return ((result["result"] as? [String: Any])?["result"] as? [String: Any])?["value"]
    }

    /// Presses what `selector` finds, and waits for the page it leads to.
    func click(_ selector: String) throws {
        let found = try evaluate("(() => { const b = document.querySelector(\(Self.quote(selector))); if (!b) return false; b.click(); return true })()") as? Bool
        guard found == true else { throw WebSocketClient.Failure("nothing on the page matches \(selector)") }
        try waitFor("Page.loadEventFired")
    }

    var text: String { ((try? evaluate("document.body.innerText")) as? String) ?? "" }

    private func call(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try socket.send(String(decoding: message, as: UTF8.self))
        while true {
            let reply = try JSONSerialization.jsonObject(with: Data(try socket.receive().utf8)) as? [String: Any] ?? [:]
            if reply["id"] as? Int == id {
                if let error = reply["error"] { throw WebSocketClient.Failure("\(method): \(error)") }
                return reply
            }
        }
    }

    private func waitFor(_ event: String) throws {
        while true {
            let message = try JSONSerialization.jsonObject(with: Data(try socket.receive().utf8)) as? [String: Any] ?? [:]
            if message["method"] as? String == event { return }
        }
    }

    private static func quote(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data(), as: UTF8.self).dropFirst().dropLast().description
    }
}
