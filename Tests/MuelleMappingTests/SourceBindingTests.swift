import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// What a mapping reads from its input is collected at load, with the mapping line of each
/// reference, and checked against each file: a CSV header, or the records of a JSON/XML file.
@Suite struct SourceBindingTests {
    static let csvMapping = """
        route: { kind: orders, platform: shop, account: main }
        reader: { format: csv }
        group_by: Name
        filter: { equals: Financial Status, value: paid }
        fields:
          external_id: Name
          created_at: { datetime: Created at }
          status: { map: Financial Status, table: { paid: ready_to_ship } }
          currency: Currency
          customer:
            name: { coalesce: [Billing Name, Shipping Name] }
            phone: { coalesce: [Billing Phone, { const: "-" }] }
          totals:
            discount: { optional: { decimal: Discount Amount } }
          lines:
            each: rows
            fields:
              product_key: Lineitem sku
              quantity: { integer: Lineitem quantity }
              unit_price: { decimal: ../Lineitem price }
        output:
          format: csv
          file: partner.csv
          columns: { SKU: lines.sku }
        """

    static let fullHeader = ["Name", "Financial Status", "Created at", "Currency", "Billing Name", "Shipping Name",
                             "Lineitem sku", "Lineitem quantity", "Lineitem price"]

    func compile(_ yaml: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
    }

    @Test func everyColumnReadIsCollectedWithItsMappingLine() throws {
        let mapping = try compile(Self.csvMapping)
        let references = mapping.sourceRequirements.flatMap(\.references)
        let filter = try #require(references.first { $0.use == .filter })
        #expect(filter.name == "Financial Status")
        #expect(filter.location == "mappings/r.yaml:4:19")
        #expect(references.contains { $0.use == .groupBy && $0.name == "Name" && $0.line == 3 })
        // `../` inside `each: rows` still reads a column of the file.
        #expect(references.contains { $0.name == "Lineitem price" && $0.line == 20 })
        // `optional:` columns and output columns (which read the normalised order) are not required.
        #expect(!references.contains { $0.name == "Discount Amount" || $0.name == "lines.sku" || $0.name == "SKU" })
        #expect(mapping.headerProblems(Self.fullHeader, file: "orders.csv").isEmpty)
    }

    @Test func aRenamedColumnIsNamedWithTheMappingLineAndTheClosestHeader() throws {
        let mapping = try compile(Self.csvMapping)
        var header = Self.fullHeader
        header[1] = "Financial status"
        header.removeAll { $0 == "Currency" }
        let problems = mapping.headerProblems(header, file: "orders.csv")
        #expect(problems.count == 2, "every missing column is listed, not only the first")
        let renamed = try #require(problems.first)
        #expect(renamed.code == .missingColumn)
        #expect(renamed.position == InputPosition(file: "orders.csv", line: 1, field: "Financial Status"))
        #expect(renamed.message.contains("mappings/r.yaml:4:19 reads it (filter; also 8:18)"))
        #expect(renamed.message.hasSuffix("did you mean \"Financial status\"?"))
        #expect(problems[1].position.field == "Currency")
        #expect(problems[1].message.contains("mappings/r.yaml:9:13"))
        #expect(problems[1].message.contains("{ optional: Currency }"))
    }

    @Test func aCoalesceNeedsOneOfItsArguments() throws {
        let mapping = try compile(Self.csvMapping)
        #expect(mapping.headerProblems(Self.fullHeader.filter { $0 != "Billing Name" }, file: "o.csv").isEmpty)
        let neither = mapping.headerProblems(Self.fullHeader.filter { $0 != "Billing Name" && $0 != "Shipping Name" }, file: "o.csv")
        #expect(neither.count == 1)
        #expect(neither.first?.message.contains("none of \"Billing Name\", \"Shipping Name\" is in the file's header") == true)
        #expect(neither.first?.message.contains("mappings/r.yaml:11:24 reads them") == true)
    }

    static let jsonMapping = """
        route: { kind: order-events, platform: carrier, account: main }
        reader: { format: json, records: events }
        filter:
          all:
            - { present: buyer.id }
            - { not: { equals: estado, value: ANULADA } }
            - { optional: { present: flags } }
        fields:
          order_id: referencia
          status: { const: shipped }
          occurred_at: { datetime: fecha }
          note: { join: [missing.everywhere] }
        """

    func record(_ pairs: [(String, Value)]) -> SourceRecord {
        SourceRecord(value: .object(pairs), position: InputPosition(record: 1))
    }

    @Test func aFilterPathNoRecordHasIsNamed() throws {
        let mapping = try compile(Self.jsonMapping)
        var check = try #require(mapping.presenceCheck())
        check.observe(record([("buyer", .object([("id", .number("1"))])), ("status", .string("ANULADA"))]))
        check.observe(record([("buyer", .null), ("Estado", .string("ENTREGADA"))]))
        let problems = check.problems(file: "events.json")
        #expect(problems.count == 1, "only the filter's paths count, and a null on the way is not an absence: \(problems)")
        let problem = try #require(problems.first)
        #expect(problem.code == .missingColumn)
        #expect(problem.position == InputPosition(file: "events.json", field: "estado"))
        #expect(problem.message.contains("mappings/r.yaml:6:24 reads it (filter)"))
        #expect(problem.message.hasSuffix("did you mean \"Estado\"?"), "names seen where the path stops matching are suggested")
    }

    @Test func aFilterPathOneRecordHasIsEnough() throws {
        let mapping = try compile(Self.jsonMapping)
        var check = try #require(mapping.presenceCheck())
        check.observe(record([("buyer", .object([("id", .null)]))]))
        check.observe(record([("buyer", .object([("id", .number("2"))])), ("estado", .null)]))
        #expect(check.problems(file: "events.json").isEmpty)
        #expect(try #require(mapping.presenceCheck()).problems(file: "empty.json").isEmpty, "a file without records has nothing to filter")
    }

    @Test func theFilterTallyNamesTheClauseThatTurnedRecordsAway() throws {
        let mapping = try compile(Self.jsonMapping.replacingOccurrences(of: "reader: { format: json, records: events }", with: "reader: { format: json }"))
        var tally = FilterTally()
        let source = OrderContract.Source(route: "r", file: "e.json", sha256: "", record: 1, line: nil)
        for estado in ["ANULADA", "ANULADA", "ENTREGADA"] {
            let value = Value.object([("buyer", .object([("id", .number("7"))])), ("estado", .string(estado)), ("referencia", .string("x:1")),
                                      ("fecha", .string("2026-11-02T09:15:22+01:00")), ("flags", .string("x"))])
            _ = mapping.map([SourceRecord(value: value, position: InputPosition(record: 1))], source: source, tally: &tally)
        }
        _ = mapping.map([SourceRecord(value: .object([("estado", .string("x"))]), position: InputPosition(record: 4))], source: source, tally: &tally)
        #expect(tally.entries == [
            FilterTally.Entry(rule: "{ not: { equals: estado, value: ANULADA } }", location: "mappings/r.yaml:6:7", count: 2, example: "ANULADA"),
            FilterTally.Entry(rule: "{ present: buyer.id }", location: "mappings/r.yaml:5:7", count: 1, example: ""),
        ])
    }
}

/// A CSV header that names a column twice (issue 10 item 11): reading it would take the last copy silently.
@Suite struct AmbiguousColumnTests {
    func compile(_ yaml: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
    }

    @Test func aColumnTheMappingReadsTwiceInTheHeaderIsAnErrorNamingBothPositions() throws {
        let mapping = try compile(SourceBindingTests.csvMapping)
        var header = SourceBindingTests.fullHeader
        header.append("Currency")
        let problems = mapping.headerProblems(header, file: "orders.csv")
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        #expect(problem.code == .ambiguousColumn && problem.position.field == "Currency" && problem.position.line == 1)
        #expect(problem.message.contains("2 columns named \"Currency\" (columns 4 and 10)"), "\(problem.message)")
        #expect(problem.message.contains("mappings/r.yaml:9:13 reads it"), "\(problem.message)")
    }

    @Test func anOptionalReadIsAmbiguousToo() throws {
        let mapping = try compile(SourceBindingTests.csvMapping)
        let problems = mapping.headerProblems(SourceBindingTests.fullHeader + ["Discount Amount", "Discount Amount"], file: "o.csv")
        #expect(problems.map(\.code) == [.ambiguousColumn])
        #expect(problems.first?.message.contains("(columns 10 and 11)") == true)
    }

    @Test func aDuplicateColumnTheMappingDoesNotReadIsFine() throws {
        let mapping = try compile(SourceBindingTests.csvMapping)
        #expect(mapping.headerProblems(SourceBindingTests.fullHeader + ["Notes", "Notes"], file: "o.csv").isEmpty)
    }
}
