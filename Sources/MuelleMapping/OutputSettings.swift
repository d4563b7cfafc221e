import MuelleCore
import MuelleReaders
import Yams

/// The `output:` section: the route's records written again in a partner's own format — a CSV with
/// the partner's columns, named as the partner expects (`catalogue_{account}.csv`).
public struct OutputSettings: Sendable {
    /// The file name, with `{account}` and `{platform}` replaced from the route.
    public var fileTemplate: String
    public var columns: [String]
    let values: [CompiledExpression]
    /// The partner's SFTP server the file is delivered to, once per version.
    public var deliver: SFTPSettings?

    static let keys: Set<String> = ["format", "file", "columns", "deliver"]

    init?(source: YAMLSource, node: Node?) {
        guard let node else { return nil }
        guard let pairs = node.stringKeyedPairs else {
            source.error("'output' is a mapping: format, file, columns", at: node)
            return nil
        }
        for pair in pairs where !Self.keys.contains(pair.key) {
            source.error("unknown output setting '\(pair.key)'; settings are \(Self.keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        if let format = node.member("format"), format.string != "csv" {
            source.error("output format is csv", at: format)
        }
        fileTemplate = node.member("file")?.string ?? ""
        if fileTemplate.isEmpty || fileTemplate.contains("/") || fileTemplate.hasPrefix(".") {
            source.error("output needs a 'file' name such as catalogue_{account}.csv (no folders, not hidden)", at: node.member("file") ?? node)
        }
        guard let columnPairs = node.member("columns")?.stringKeyedPairs, !columnPairs.isEmpty else {
            source.error("output needs 'columns': the partner's column names, each with an expression on the normalised record", at: node)
            columns = []
            values = []
            return
        }
        deliver = SFTPSettings(source: source, node: node.member("deliver"))
        let compiler = ExpressionCompiler(source: source, splitsPaths: true, defaultTimeZone: nil)
        columns = columnPairs.map(\.key)
        values = columnPairs.map { compiler.expression($0.value) }
    }

    public func fileName(platform: String, account: String) -> String {
        fileTemplate.replacingOccurrences(of: "{account}", with: account).replacingOccurrences(of: "{platform}", with: platform)
    }

    /// One CSV row for a normalised record (RFC 4180 quoting).
    public func row(for record: Value) throws -> String {
        var scope = EvalScope(group: [SourceRecord(value: record, position: InputPosition())])
        var fields: [String] = []
        for value in values {
            let text: String
            switch try value(&scope) {
            case .null: text = ""
            case .bool(let b): text = b ? "true" : "false"
            case let other: text = other.text ?? JSONText.compact(other)
            }
            fields.append(Self.quoted(text))
        }
        return fields.joined(separator: ",")
    }

    public var header: String { columns.map(Self.quoted).joined(separator: ",") }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
