import MuelleCore
import Yams

/// A partner's SFTP server and folder: the `source:` a route fetches its files from on a schedule (into
/// its own inbox folder, where they are taken like any drop), or where `output: deliver:` sends the
/// partner's file.
///
/// Secrets are references only (`{ env: NAME }`, `{ file: path }`); the host key is pinned.
public struct SFTPSettings: Sendable, Equatable {
    public enum AfterDownload: Sendable, Equatable {
        case delete, leave
        case move(String)
    }

    public var host = ""
    public var port = 22
    public var user = ""
    /// `env:NAME` or `file:PATH`.
    public var password: String?
    public var privateKey: String?
    public var passphrase: String?
    /// `SHA256:…` as OpenSSH prints it.
    public var hostKey = ""
    public var folder = ""
    public var pattern = "*"
    public var everySeconds = 300
    public var afterDownload: AfterDownload = .leave

    static let keys: Set<String> = ["host", "port", "user", "password", "private_key", "passphrase", "host_key", "folder", "pattern", "every", "after_download"]

    init?(source: YAMLSource, node: Node?) {
        guard let node else { return nil }
        guard let sftp = node.member("sftp"), let pairs = sftp.stringKeyedPairs else {
            source.error("an SFTP server is given as { sftp: { host, user, password or private_key, host_key, folder, … } }", at: node)
            return nil
        }
        for pair in pairs where !Self.keys.contains(pair.key) {
            source.error("unknown sftp setting '\(pair.key)'; settings are \(Self.keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        host = sftp.member("host")?.string ?? ""
        user = sftp.member("user")?.string ?? ""
        hostKey = sftp.member("host_key")?.string ?? ""
        folder = sftp.member("folder")?.string ?? ""
        pattern = sftp.member("pattern")?.string ?? "*"
        for (name, value) in [("host", host), ("user", user), ("folder", folder)] where value.isEmpty {
            source.error("the sftp source needs a '\(name)'", at: sftp)
        }
        if !hostKey.hasPrefix("SHA256:") {
            source.error("host_key pins the server's key as OpenSSH prints it (ssh-keygen -lf): SHA256:…", at: sftp.member("host_key") ?? sftp)
        }
        if let portNode = sftp.member("port") {
            if let value = portNode.int, (1...65535).contains(value) { port = value } else { source.error("port is a number from 1 to 65535", at: portNode) }
        }
        password = reference(sftp.member("password"), "password", source)
        passphrase = reference(sftp.member("passphrase"), "passphrase", source)
        privateKey = sftp.member("private_key")?.string
        if (password == nil) == (privateKey == nil) {
            source.error("the sftp source needs either 'password' ({ env: NAME } or { file: path }) or 'private_key' (a key file path)", at: sftp)
        }
        if let every = sftp.member("every") {
            if let seconds = DurationSetting.seconds(every.string ?? "") { everySeconds = seconds } else {
                source.error("every reads like '5 minutes' (seconds, minutes or hours)", at: every)
            }
        }
        if let action = sftp.member("after_download") {
            switch action.string {
            case "delete": afterDownload = .delete
            case "leave": afterDownload = .leave
            default:
                if let folder = action.member("move")?.string { afterDownload = .move(folder) } else {
                    source.error("after_download is delete, leave, or { move: /remote/folder }", at: action)
                }
            }
        }
    }

    /// `{ env: NAME }` → `env:NAME`; `{ file: path }` → `file:path`; inline text is refused.
    private func reference(_ node: Node?, _ what: String, _ source: YAMLSource) -> String? {
        guard let node else { return nil }
        if let name = node.member("env")?.string { return "env:" + name }
        if let path = node.member("file")?.string { return "file:" + path }
        source.error("\(what) is a reference, { env: NAME } or { file: path }: secrets never go in a mapping", at: node)
        return nil
    }
}
