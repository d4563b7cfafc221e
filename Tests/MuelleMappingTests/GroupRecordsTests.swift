import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// `fill_down` and `records: { each: rows }`: one group of rows, several records, each with its
/// group's first-row values and its own row's position; and the customer kind's route checks.
@Suite struct GroupRecordsTests {
    static let products = """
        route: { kind: products, platform: shopify, account: main }
        reader: { format: csv }
        group_by: Handle
        fill_down: [Title, Status]
        records: { each: rows, filter: { present: SKU } }
        fields:
          key: SKU
          title: { join: [Title, Size], separator: " – " }
          price: { decimal: Price }
          currency: { const: EUR }
          active: { equals: Status, value: active }
        """

    static let keys = KeyTable(["Handle", "Title", "Status", "Size", "SKU", "Price"])

    func row(_ values: [String], line: Int) -> SourceRecord {
        SourceRecord(value: .object(ValueObject(keys: Self.keys, values: values.map(Value.string))),
                     position: InputPosition(record: line - 1, line: line))
    }

    func compile(_ yaml: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
    }

    func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try compile(yaml)
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func everyRowWithASKUIsAProductWithItsGroupsFirstRowValuesAndItsOwnLine() throws {
        let mapping = try compile(Self.products)
        let group = [
            row(["tee", "Tee", "active", "S", "TEE-S", "10.00"], line: 2),
            row(["tee", "", "", "M", "TEE-M", "10.00"], line: 5),
            row(["tee", "", "", "", "", ""], line: 6),                 // an image-only row
            row(["tee", "", "", "L", "TEE-L", "1O.00"], line: 7),       // a typo in the price
        ]
        let source = OrderContract.Source(route: "r", file: "p.csv", sha256: "x", record: 1, line: 2)
        var tally = FilterTally()
        var rounded = RoundedAmounts()
        let outcomes = mapping.mapRecords(group, source: source, tally: &tally, rounded: &rounded)
        #expect(outcomes.count == 3, "the row without a SKU makes no record at all")
        guard case .mapped(let second, true) = outcomes[1] else {
            Issue.record("the second variant was not mapped: \(outcomes[1])")
            return
        }
        #expect(second["title"] == .string("Tee – M"))
        #expect(second["active"] == .bool(true))
        #expect(second["source"]?["line"] == .number("5"))
        guard case .rejected(let error) = outcomes[2] else {
            Issue.record("the bad price was not rejected")
            return
        }
        #expect(error.position.line == 7, "the error names the variant's own row")
    }

    @Test func misusesAreNamedAtLoad() {
        let noGroup = diagnostics(Self.products.replacingOccurrences(of: "group_by: Handle\n", with: ""))
        #expect(noGroup.contains { $0.contains("mappings/r.yaml:3:12: error: fill_down carries values down the rows of a group: it needs group_by") })
        #expect(noGroup.contains { $0.contains("records: { each: rows } makes several records of one group: it needs group_by") })
        let badEach = diagnostics(Self.products.replacingOccurrences(of: "each: rows, filter", with: "each: lines, filter"))
        #expect(badEach.contains { $0.contains(":5:18: error: records: { each: rows } makes one record per row") })
        let path = diagnostics(Self.products.replacingOccurrences(of: "reader: { format: csv }", with: "reader: { format: json }")
            .replacingOccurrences(of: "[Title, Status]", with: "[product.title, Status]"))
        #expect(path.contains { $0.contains("fill_down takes fields of the record itself, not paths into it: 'product.title'") })
    }

    @Test func aFillDownColumnTheHeaderLacksRefusesTheFile() throws {
        let mapping = try compile(Self.products)
        let problems = mapping.headerProblems(["Handle", "Title", "Size", "SKU", "Price"], file: "p.csv")
        #expect(problems.count == 1)
        #expect(problems.first?.description.contains("mappings/r.yaml:4:20 reads it (fill_down; also") == true)
    }

    @Test func aCustomerRouteNeedsItsCustomerKeyAndTheFieldItNames() {
        let base = """
            route: { kind: customers, platform: shopify, account: main, customer_key: email }
            reader: { format: csv }
            fields:
              name: Name
            """
        #expect(diagnostics(base).contains { $0.contains("a customer needs 'email', the route's customer_key, but the mapping produces no value for it") })
        #expect(diagnostics(base.replacingOccurrences(of: ", customer_key: email", with: "")).contains { $0.contains("a customer route needs customer_key") })
        #expect(diagnostics(base.replacingOccurrences(of: "customer_key: email", with: "customer_key: phone")).contains { $0.contains("customer_key is one of email, tax_id, platform_id, not 'phone'") })
        #expect(diagnostics(base + "\n  email: Email\n  loyalty: Points").contains { $0.contains("a customer has no field 'loyalty'") })
    }
}
