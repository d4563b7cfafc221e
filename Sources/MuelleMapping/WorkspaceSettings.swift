import Foundation
import MuelleCore
import MuelleReaders
import Yams

/// The workspace config file, `muelle.yaml` beside `mappings/`: settings of the workspace as a whole
/// (where the HTTP intake listens, where alerts go, the console's token), checked with line and column
/// like a mapping. A key it does not know is an error.
public struct WorkspaceSettings: Sendable, Equatable {
    /// `alerts:`: a JSON POST to `url` when something needs a person.
    public struct Alerts: Sendable, Equatable {
        public var url: URL
        /// The HMAC-SHA256 key of the signature header, by reference (`env:NAME` or `file:path`).
        public var secret: String
        /// Deliveries failing at least this long are an alert (shorter failures are retried quietly).
        public var deliveriesFailingAfter: Duration = .seconds(1800)
        /// How often the causes are looked at.
        public var checkEvery: Duration = .seconds(30)
    }

    /// `console:`: the web console's token, by reference.
    public struct Console: Sendable, Equatable {
        public var token: String
    }

    /// `listen: 127.0.0.1:8080`, or `listen: { address: 127.0.0.1:8080 }`: serve the HTTP intake there (as
    /// `muelle run --listen`).
    public var listen: ListenAddress?
    /// `listen: { ready_min_free: 500 MB }`: `/readyz` fails when the workspace's file system has less room.
    public var readyMinFreeBytes: Int64 = WorkspaceSettings.defaultReadyMinFreeBytes
    public var alerts: Alerts?
    public var console: Console?
    /// `ledger: postgres://muelle@db:5432/muelle?password=env:PGPASS`: the ledger in PostgreSQL (as `muelle run
    /// --ledger`), for several workers on this workspace; none: the SQLite ledger in `.muelle/`.
    public var ledger: PostgresAddress?

    public static let defaultReadyMinFreeBytes: Int64 = 100 << 20

    public init(listen: ListenAddress? = nil, alerts: Alerts? = nil, console: Console? = nil, ledger: PostgresAddress? = nil) {
        self.listen = listen
        self.alerts = alerts
        self.console = console
        self.ledger = ledger
    }

    static let keys: Set<String> = ["listen", "alerts", "console", "ledger"]

    /// The settings in `path`; none when the file does not exist. Errors name the line, like a mapping's.
    public static func load(path: String, displayName: String) throws(MappingLoadError) -> WorkspaceSettings {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return WorkspaceSettings() }
        return try compile(yaml: text, file: displayName)
    }

    public static func compile(yaml text: String, file: String) throws(MappingLoadError) -> WorkspaceSettings {
        let source = YAMLSource(file: file, text: text)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw MappingLoadError([MappingDiagnostic(yamlError: error, file: file)])
        } catch {
            throw MappingLoadError([MappingDiagnostic(file: file, line: 1, column: 1, message: "\(error)")])
        }
        guard let root else { return WorkspaceSettings() }
        var settings = WorkspaceSettings()
        for pair in root.stringKeyedPairs ?? [] where !keys.contains(pair.key) {
            source.error("unknown setting '\(pair.key)'; settings are \(keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        if let node = root.member("listen") { listen(node, source, into: &settings) }
        if let node = root.member("alerts") { settings.alerts = alerts(node, source) }
        if let node = root.member("ledger") {
            do {
                settings.ledger = try PostgresAddress(parsing: node.string ?? "")
            } catch {
                source.error(error.message, at: node)
            }
        }
        if let node = root.member("console") {
            let token = node.member("token")
            settings.console = reference(token, "console: token", node, source).map(Console.init(token:))
        }
        if !source.diagnostics.isEmpty { throw MappingLoadError(source.diagnostics) }
        return settings
    }

    /// `listen: HOST:PORT`, or the mapping `{ address: HOST:PORT, ready_min_free: SIZE }` (the address may be left
    /// to `--listen`).
    private static func listen(_ node: Node, _ source: YAMLSource, into settings: inout WorkspaceSettings) {
        let addressNode: Node?
        if let pairs = node.stringKeyedPairs {
            let keys: Set<String> = ["address", "ready_min_free"]
            for pair in pairs where !keys.contains(pair.key) {
                source.error("unknown listen setting '\(pair.key)'; settings are \(keys.sorted().joined(separator: ", "))", at: pair.keyNode)
            }
            addressNode = node.member("address")
            if let floor = node.member("ready_min_free") {
                if let bytes = ReaderLimits.bytes(floor.string ?? "") { settings.readyMinFreeBytes = Int64(bytes) } else {
                    source.error("ready_min_free is a size such as 500 MB (B, KB, MB or GB)", at: floor)
                }
            }
        } else {
            addressNode = node
        }
        guard let addressNode else { return }
        settings.listen = ListenAddress(addressNode.string ?? "")
        if settings.listen == nil { source.error("listen is host:port, such as 127.0.0.1:8080", at: addressNode) }
    }

    private static func alerts(_ node: Node, _ source: YAMLSource) -> Alerts? {
        let keys: Set<String> = ["url", "secret", "deliveries_failing_after", "check_every"]
        guard let pairs = node.stringKeyedPairs else {
            source.error("alerts is a mapping: { url: https://…, secret: { env: NAME } }", at: node)
            return nil
        }
        for pair in pairs where !keys.contains(pair.key) {
            source.error("unknown alerts setting '\(pair.key)'; settings are \(keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        let text = node.member("url")?.string ?? ""
        let url = URL(string: text).flatMap { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil ? $0 : nil }
        if url == nil { source.error("alerts needs a url, http:// or https://, such as https://hooks.example.com/muelle", at: node.member("url") ?? node) }
        let secret = reference(node.member("secret"), "alerts: secret", node, source)
        guard let url, let secret else { return nil }
        var alerts = Alerts(url: url, secret: secret)
        for (key, path) in [("deliveries_failing_after", \Alerts.deliveriesFailingAfter), ("check_every", \Alerts.checkEvery)] {
            guard let value = node.member(key) else { continue }
            if let seconds = DurationSetting.seconds(value.string ?? "") { alerts[keyPath: path] = .seconds(seconds) } else {
                source.error("\(key) reads like '30 minutes' (seconds, minutes, hours or days)", at: value)
            }
        }
        return alerts
    }

    /// `{ env: NAME }` → `env:NAME`; `{ file: path }` → `file:path`; a secret written inline is refused.
    private static func reference(_ node: Node?, _ what: String, _ parent: Node, _ source: YAMLSource) -> String? {
        guard let node else {
            source.error("\(what) is missing: give it as { env: NAME } or { file: path }", at: parent)
            return nil
        }
        if let name = node.member("env")?.string, !name.isEmpty { return "env:" + name }
        if let path = node.member("file")?.string, !path.isEmpty { return "file:" + path }
        source.error("\(what) is a reference, { env: NAME } or { file: path }: secrets never go in muelle.yaml", at: node)
        return nil
    }
}

/// Where the HTTP intake listens: `127.0.0.1:8080`, `[::1]:8080`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
