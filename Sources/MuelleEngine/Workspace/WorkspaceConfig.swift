import Foundation
import MuelleCore
import Yams

/// `muelle.yaml` at the workspace's root: settings of the workspace as a whole (not of one route). Missing,
/// everything has its default.
public struct WorkspaceConfig: Sendable, Equatable {
    /// `listen: 127.0.0.1:8080`: serve the HTTP intake there (as `muelle run --listen`).
    public var listen: ListenAddress?

    public init(listen: ListenAddress? = nil) { self.listen = listen }

    public static let fileName = "muelle.yaml"
    /// Keys of other parts of muelle (alerts) are theirs to check.
    static let keys: Set<String> = ["listen", "alerts"]

    public static func load(_ workspace: Workspace) throws -> WorkspaceConfig {
        let path = workspace.root + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return WorkspaceConfig() }
        let node: Node?
        do { node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw MuelleError(.configuration, "\(fileName) is not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            if node == nil { return WorkspaceConfig() }
            throw MuelleError(.configuration, "\(fileName) must be a mapping of settings, such as listen: 127.0.0.1:8080")
        }
        var config = WorkspaceConfig()
        for (key, value) in mapping {
            let name = key.string ?? ""
            let line = key.mark.map { ":\($0.line)" } ?? ""
            guard keys.contains(name) else {
                throw MuelleError(.configuration, "\(fileName)\(line): unknown setting '\(name)'; settings are \(keys.sorted().joined(separator: ", "))")
            }
            if name == "listen" {
                guard let address = ListenAddress(value.string ?? "") else {
                    throw MuelleError(.configuration, "\(fileName)\(line): listen is host:port, such as 127.0.0.1:8080")
                }
                config.listen = address
            }
        }
        return config
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
