import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// What compiled expressions compute, on records shaped like the readers' output.
@Suite struct ExpressionTests {
    func evaluate(_ yaml: String, csv row: [String: String]) throws -> Value {
        try evaluate(yaml, record: .object(row.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) }), splitting: false)
    }

    func evaluate(_ yaml: String, record: Value, splitting: Bool = true, timezone: String? = nil) throws -> Value {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        let expression = ExpressionCompiler(source: source, splitsPaths: splitting, defaultTimeZone: timezone).expression(node)
        #expect(source.diagnostics.isEmpty, "\(source.diagnostics)")
        var scope = EvalScope(group: [SourceRecord(value: record, position: InputPosition(file: "f.csv", record: 7, line: 9))])
        return try expression(&scope)
    }

    @Test func decimalWithCommaAndThousandsIsExact() throws {
        let v = try evaluate(#"{ decimal: Precio, decimal_separator: ",", thousands_separator: "." }"#, csv: ["Precio": "1.234,56"])
        #expect(v == .number("1234.56"))
    }

    @Test func multiplicationNeverGoesThroughDouble() throws {
        let v = try evaluate("{ multiply: [q, p] }", record: .object([("q", .number("3")), ("p", .number("33333.33"))]))
        #expect(v == .number("99999.99"))
        let tiny = try evaluate("{ add: [a, b] }", record: .object([("a", .number("0.1")), ("b", .number("0.2"))]))
        #expect(tiny == .number("0.3"))
    }

    @Test func badNumberNamesFieldRecordAndLine() {
        #expect {
            _ = try evaluate("{ decimal: Lineitem price }", csv: ["Lineitem price": "12,5x"])
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.code == .badNumber && e.position.field == "Lineitem price" && e.position.line == 9 && e.position.record == 7
                && e.message.contains("\"12,5x\" is not a decimal number")
        }
    }

    @Test func datetimeKeepsGivenOffsetOrAppliesTheRouteTimeZoneAcrossDST() throws {
        let shopify = try evaluate(#"{ datetime: d, format: "yyyy-MM-dd HH:mm:ss Z" }"#, record: .object([("d", .string("2026-11-02 09:15:22 +0100"))]))
        #expect(shopify == .string("2026-11-02T09:15:22+01:00"))
        let winter = try evaluate("{ datetime: d }", record: .object([("d", .string("2026-01-15T10:00:00"))]), timezone: "Europe/Paris")
        #expect(winter == .string("2026-01-15T10:00:00+01:00"))
        let summer = try evaluate("{ datetime: d }", record: .object([("d", .string("2026-07-15T10:00:00"))]), timezone: "Europe/Paris")
        #expect(summer == .string("2026-07-15T10:00:00+02:00"))
        let custom = try evaluate(#"{ datetime: d, format: "dd/MM/yyyy HH:mm", timezone: America/Bogota }"#, record: .object([("d", .string("03/11/2026 18:05"))]))
        #expect(custom == .string("2026-11-03T18:05:00-05:00"))
    }

    @Test func impossibleDatesAreRejected() {
        #expect(throws: MuelleError.self) {
            _ = try evaluate("{ datetime: d }", record: .object([("d", .string("2026-02-30T10:00:00Z"))]))
        }
        #expect(throws: MuelleError.self) {
            _ = try evaluate("{ datetime: d }", record: .object([("d", .string("2026-11-02T10:00:00"))]))  // no offset, no zone
        }
    }

    @Test func stringFunctions() throws {
        let r = Value.object([("n", .string("  #1050 ")), ("full", .string("Ana Pérez|Madrid")), ("a", .string("")), ("b", .string("x"))])
        #expect(try evaluate("{ upper: { trim: n } }", record: r) == .string("#1050"))
        #expect(try evaluate(##"{ regex: n, pattern: "#([0-9]+)" }"##, record: r) == .string("1050"))
        #expect(try evaluate(##"{ replace: { trim: n }, pattern: "^#", with: "" }"##, record: r) == .string("1050"))
        #expect(try evaluate(#"{ split: full, separator: "|", index: 1 }"#, record: r) == .string("Madrid"))
        #expect(try evaluate(#"{ concat: [a, { const: "-" }, b] }"#, record: r) == .string("-x"))
        #expect(try evaluate("{ coalesce: [a, missing, b] }", record: r) == .string("x"))
        #expect(try evaluate("{ lower: full }", record: r) == .string("ana pérez|madrid"))
    }

    @Test func conditionalsAndTables() throws {
        let yaml = """
            if: { in: s, values: [paid, authorized] }
            then: { map: s, table: { paid: ready_to_ship, authorized: on_hold } }
            else: { const: pending_payment }
            """
        #expect(try evaluate(yaml, record: .object([("s", .string("paid"))])) == .string("ready_to_ship"))
        #expect(try evaluate(yaml, record: .object([("s", .string("pending"))])) == .string("pending_payment"))
    }

    @Test func unknownTableValueNamesTheValueAndTheMappingLine() {
        #expect {
            _ = try evaluate("{ map: status,\n  table: { paid: ready_to_ship } }", record: .object([("status", .string("in_mediation"))]))
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.code == .unmappedValue && e.message.contains("\"in_mediation\"") && e.message.contains("t.yaml:2")
        }
    }

    @Test func pathsReachNestedValuesListsAndParents() throws {
        let order = Value.object([
            ("currency_id", .string("COP")),
            ("buyer", .object([("first_name", .string("Sofía"))])),
            ("items", .array([.object([("q", .number("2"))]), .object([("q", .number("5"))])])),
        ])
        #expect(try evaluate("buyer.first_name", record: order) == .string("Sofía"))
        #expect(try evaluate("items[1].q", record: order) == .number("5"))
        #expect(try evaluate("{ sum: items, of: q }", record: order) == .number("7"))
        let lines = try evaluate("{ each: items, fields: { q: q, c: ../currency_id } }", record: order)
        #expect(lines == .array([
            .object([("q", .number("2")), ("c", .string("COP"))]),
            .object([("q", .number("5")), ("c", .string("COP"))]),
        ]))
    }

    @Test func csvColumnNamesAreNeverSplit() throws {
        #expect(try evaluate("Lineitem price (incl. tax)", csv: ["Lineitem price (incl. tax)": "9.90"]) == .string("9.90"))
    }
}
