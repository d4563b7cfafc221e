import MuelleCore
@testable import MuelleMapping
import MuelleReaders
import Testing

/// The settings that decide when an input counts as complete: `route: incomplete_after` and
/// `reader: final_line_break`.
@Suite struct IntakeSettingsTests {
    func compile(route: String = "", reader: String = "format: csv") throws -> RouteMapping {
        try MappingLoader.compile(yaml: """
            route: { kind: orders, platform: shop, account: main\(route) }
            reader: { \(reader) }
            fields:
              external_id: Name
              created_at: Created
              status: { const: ready_to_ship }
              currency: Currency
              lines: { each: rows, fields: { product_key: SKU, quantity: Qty, unit_price: Price } }
            """, route: "r", file: "mappings/r.yaml")
    }

    func messages(route: String = "", reader: String = "format: csv") -> [String] {
        do {
            _ = try compile(route: route, reader: reader)
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics.map(\.message)
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func theDefaultsAreSafe() throws {
        let mapping = try compile()
        #expect(mapping.incompleteAfter == .seconds(300))
        #expect(mapping.reader == .csv(CSVOptions(finalLineBreak: .required)))
        #expect(try compile(reader: "format: ndjson").reader == .ndjson(finalLineBreak: .required))
    }

    @Test func bothCanBeSet() throws {
        let mapping = try compile(route: ", incomplete_after: 90 seconds", reader: "format: csv, final_line_break: optional")
        #expect(mapping.incompleteAfter == .seconds(90))
        #expect(mapping.reader == .csv(CSVOptions(finalLineBreak: .optional)))
        #expect(try compile(route: ", incomplete_after: 1 hour").incompleteAfter == .seconds(3600))
        #expect(try compile(reader: "format: ndjson, final_line_break: optional").reader == .ndjson(finalLineBreak: .optional))
    }

    @Test func badValuesAreNamed() {
        #expect(messages(route: ", incomplete_after: soon").contains { $0.hasPrefix("incomplete_after reads like '5 minutes'") })
        #expect(messages(reader: "format: csv, final_line_break: maybe").contains { $0.hasPrefix("final_line_break is required") })
        #expect(messages(reader: "format: json, final_line_break: optional").contains { $0.hasPrefix("final_line_break applies to csv and ndjson") })
    }
}
