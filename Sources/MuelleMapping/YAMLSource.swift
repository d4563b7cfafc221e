import Foundation
import Yams

/// One YAML file's text (a mapping, a carrier profile) and the diagnostics found while compiling it, each
/// with its file, line, column and the line itself with a caret, like compiler output.
///
/// Compilation never stops at the first problem: `muelle check` reports them all. The one diagnostic source
/// of every YAML file muelle reads (carrier profiles add their typed readers in `MuelleShipping`).
package final class YAMLSource {
    package let file: String
    package let text: String
    package private(set) var diagnostics: [MappingDiagnostic] = []

    package init(file: String, text: String) {
        self.file = file
        self.text = text
    }

    /// - Parameter quotingSource: false where the line may hold a secret written by mistake: the
    ///   diagnostic then names the position only, so `muelle check` output never repeats it.
    package func error(_ message: String, at node: Node?, quotingSource: Bool = true) {
        error(message, mark: node?.mark, quotingSource: quotingSource)
    }

    package func error(_ message: String, mark: Mark?, quotingSource: Bool = true) {
        let line = mark?.line ?? 1
        let column = mark?.column ?? 1
        let snippet = quotingSource ? snippet(line: line, column: column) : nil
        diagnostics.append(MappingDiagnostic(file: file, line: line, column: column, message: message, snippet: snippet))
    }

    package func snippet(line: Int, column: Int) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        let source = String(lines[line - 1]).replacingOccurrences(of: "\r", with: "")
        return "    " + source + "\n    " + String(repeating: " ", count: max(0, column - 1)) + "^"
    }
}

extension Node {
    /// Mapping pairs with their keys as plain strings.
    var stringKeyedPairs: [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = self else { return nil }
        return mapping.compactMap { pair in
            guard let key = pair.key.string else { return nil }
            return (key, pair.key, pair.value)
        }
    }

    func member(_ key: String) -> Node? {
        stringKeyedPairs?.first { $0.key == key }?.value
    }

    /// True for a scalar that YAML resolves to a string (not a number, bool or null).
    var isStringScalar: Bool {
        guard case .scalar(let scalar) = self else { return false }
        if scalar.style != .plain { return true }
        return tag.rawValue == Tag.Name.str.rawValue
    }

    /// The node on one line, as a merchant would write it in flow style: `{ equals: Status, value: paid }`.
    var flowText: String {
        switch self {
        case .scalar(let scalar):
            let text = scalar.string
            let plain = !text.isEmpty && !text.contains(where: { ",:{}[]#\"'".contains($0) }) && text.trimmingCharacters(in: .whitespaces) == text
            return plain || !isStringScalar ? text : "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .sequence(let items):
            return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let mapping):
            return "{ " + mapping.map { "\($0.key.flowText): \($0.value.flowText)" }.joined(separator: ", ") + " }"
        case .alias:
            return "*alias"
        }
    }
}
