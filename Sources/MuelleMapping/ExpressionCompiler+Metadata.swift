import MuelleCore
import Yams

extension ExpressionCompiler {
    /// `{ meta: key }`: a fact about the input rather than a field of it (its file name, when it arrived,
    /// a named capture of the route's `file_pattern`). The key must be one the route has, so a typo or a
    /// capture the pattern lacks is a mapping error, not a null at run time.
    func metadata(_ call: FunctionCall) -> CompiledExpression {
        guard let metadataKeys else {
            source.error("'meta' reads the input's metadata, which only group_by, filter and fields see; here the normalised record is read, so map the value into one of its fields", at: call.nameNode)
            return .constant(.null)
        }
        guard call.argument.isStringScalar, let key = call.argument.string, !key.isEmpty else {
            source.error("'meta' takes the name of a metadata key: \(metadataKeys.joined(separator: ", "))", at: call.argument)
            return .constant(.null)
        }
        guard metadataKeys.contains(key) else {
            let captures = metadataKeys.filter { !InputMetadata.standardKeys.contains($0) }
            let known = InputMetadata.standardKeys.joined(separator: ", ")
            let more = captures.isEmpty
                ? "; a name captured from the file name needs a named group in the route's file_pattern, such as (?<\(key)>[^_]+)"
                : ", and the captures of the route's file_pattern: \(captures.joined(separator: ", "))"
            let suggestion = metadataKeys.map { ($0, Self.editDistance($0, key)) }.filter { $0.1 <= max(1, $0.0.count / 3) }.min { $0.1 < $1.1 }
            source.error("no metadata '\(key)'\(suggestion.map { " (did you mean '\($0.0)'?)" } ?? ""): the keys are \(known)\(more)", at: call.argument)
            return .constant(.null)
        }
        references?.readMetadata(key)
        return CompiledExpression(sourceField: "meta:\(key)") { scope in scope.metadata[key] ?? .null }
    }
}
