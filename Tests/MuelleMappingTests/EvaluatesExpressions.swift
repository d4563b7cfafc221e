import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// Evaluates one mapping expression on a record `{ v: VALUE, w: "1" }` at record 3, line 4 of f.csv.
protocol EvaluatesExpressions {}

extension EvaluatesExpressions {
    func evaluate(_ yaml: String, _ value: String, timezone: String? = nil) throws -> Value {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        let expression = ExpressionCompiler(source: source, splitsPaths: false, defaultTimeZone: timezone).expression(node)
        #expect(source.diagnostics.isEmpty, "\(source.diagnostics)")
        var scope = EvalScope(group: [SourceRecord(value: .object([("v", .string(value)), ("w", .string("1"))]),
                                                   position: InputPosition(file: "f.csv", record: 3, line: 4))])
        return try expression(&scope)
    }

    func error(_ yaml: String, _ value: String, timezone: String? = nil) -> MuelleError? {
        do { _ = try evaluate(yaml, value, timezone: timezone); return nil } catch { return error as? MuelleError }
    }
}
