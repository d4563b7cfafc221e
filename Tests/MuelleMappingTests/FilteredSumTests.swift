import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// `sum` over the elements a `filter:` selects: WooCommerce fee lines that are shipping surcharges.
@Suite struct FilteredSumTests {
    let order: Value = .object([
        ("fee_lines", .array([
            .object([("name", .string("Recargo envío urgente")), ("total", .string("2.48"))]),
            .object([("name", .string("Gift wrap")), ("total", .string("1.65"))]),
            .object([("name", .string("Shipping surcharge (islands)")), ("total", .string("10.00"))]),
        ])),
    ])

    func evaluate(_ yaml: String) throws -> (Value, [MappingDiagnostic]) {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        let expression = ExpressionCompiler(source: source, splitsPaths: true, defaultTimeZone: nil).expression(node)
        var scope = EvalScope(group: [SourceRecord(value: order, position: InputPosition(file: "f.json", record: 1))])
        return (try expression(&scope), source.diagnostics)
    }

    @Test func onlyTheSelectedElementsAreAddedUp() throws {
        let (shipping, problems) = try evaluate(#"{ sum: fee_lines, filter: { matches: name, pattern: "(?i)shipping|envío" }, of: total }"#)
        #expect(problems.isEmpty)
        #expect(shipping == .number("12.48"))
        let (all, _) = try evaluate("{ sum: fee_lines, of: total }")
        #expect(all == .number("14.13"))
        let (none, _) = try evaluate("{ sum: fee_lines, filter: { equals: name, value: nothing }, of: total }")
        #expect(none == .number("0"))
    }

    @Test func aBrokenFilterIsAMappingErrorWithLineAndColumn() throws {
        let (_, badPattern) = try evaluate("{ sum: fee_lines, filter: { matches: name, pattern: \"(shipping\" }, of: total }")
        #expect(badPattern.count == 1)
        #expect(badPattern.first?.description.contains("t.yaml:1:53: error: '(shipping' is not a valid regular expression") == true)
        let (_, noPattern) = try evaluate("{ sum: fee_lines, filter: { matches: name }, of: total }")
        #expect(noPattern.first?.description.contains("'matches' needs a 'pattern'") == true)
        let (_, option) = try evaluate("{ sum: fee_lines, where: { matches: name, pattern: x }, of: total }")
        #expect(option.first?.description.contains("'sum' has no option 'where'; it takes 'filter', 'of'") == true)
    }
}
