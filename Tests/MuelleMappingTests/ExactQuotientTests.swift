import MuelleCore
@testable import MuelleMapping
import Testing
import Yams

/// `divide … exact: true`: a unit price taken from a row total is exact or the record is rejected,
/// never silently rounded.
@Suite struct ExactQuotientTests: EvaluatesExpressions {
    @Test func aQuotientThatComesOutExactIsKept() throws {
        #expect(try evaluate("{ divide: [v, { const: 3 }], scale: 2, exact: true }", "44.85") == .number("14.95"))
        #expect(try evaluate("{ divide: [v, { const: 2 }], scale: 2, exact: true }", "39.8") == .number("19.90"))
    }

    @Test func aQuotientWithMorePlacesRejectsTheRecordNamingTheField() throws {
        let e = try #require(error("{ divide: [v, { const: 3 }], scale: 2, exact: true }", "10.00"))
        #expect(e.code == .badNumber)
        #expect(e.position.field == "v")
        #expect(e.message.contains("does not come out exact at 2 decimal places"), "\(e.message)")
        #expect(try evaluate("{ divide: [v, { const: 3 }], scale: 2 }", "10.00") == .number("3.33"), "without exact, it rounds as before")
    }

    @Test func exactNeedsAScaleAndABoolean() {
        for (yaml, message) in [("{ divide: [v, w], exact: true }", "needs a 'scale'"), ("{ divide: [v, w], scale: 2, exact: yes please }", "true or false"),
                                ("{ multiply: [v, w], exact: true }", "'multiply' has no option 'exact'")] {
            let source = YAMLSource(file: "t.yaml", text: yaml)
            guard let node = try? Yams.compose(yaml: yaml) else { Issue.record("bad yaml"); continue }
            _ = ExpressionCompiler(source: source, splitsPaths: false, defaultTimeZone: nil).expression(node)
            #expect(source.diagnostics.contains { $0.message.contains(message) }, "\(yaml): \(source.diagnostics)")
        }
    }
}
