import MuelleCore
import Yams

/// A problem in a mapping file, reported like compiler output so a merchant can find and fix it:
/// `mappings/shopify-orders.yaml:12:7: error: unknown function 'uper'`.
public struct MappingDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The offending source line, with a caret under the column.
    public var snippet: String?

    public init(file: String, line: Int, column: Int, message: String, snippet: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.snippet = snippet
    }

    /// A YAML syntax error, at the mark where Yams stopped.
    public init(yamlError error: YamlError, file: String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            self.init(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        default:
            self.init(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    public var description: String {
        var text = "\(file):\(line):\(column): error: \(message)"
        if let snippet { text += "\n" + snippet }
        return text
    }
}

/// All the problems found in one or more mapping files; `muelle check` prints every one.
public struct MappingLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [MappingDiagnostic]

    public init(_ diagnostics: [MappingDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
