import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// Compile-time diagnostics: every problem named by file, line and column, all of them at once.
@Suite struct MappingCompilerTests {
    static let header = """
        route: { kind: orders, platform: shop, account: main }
        reader: { format: csv }

        """

    func diagnostics(_ yaml: String) -> [MappingDiagnostic] {
        do {
            _ = try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func unknownFunctionIsNamedWithLineColumnAndSuggestion() {
        let found = diagnostics(Self.header + """
            fields:
              external_id: Name
              currency: { uper: Currency }
              created_at: { datetime: Created }
              status: { const: ready_to_ship }
              lines: { each: rows, fields: { product_key: Sku, quantity: { integer: Qty }, unit_price: { decimal: Price } } }
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 5)
        #expect(found.first?.column == 15)
        #expect(found.first?.description.hasPrefix("mappings/r.yaml:5:15: error: unknown function 'uper' (did you mean 'upper'?)") == true)
        #expect(found.first?.snippet?.contains("^") == true)
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let found = diagnostics("""
            route: { kind: invoices, platform: shop }
            reader: { format: csv, delimiter: "ab" }
            fields:
              external_id: { decimal: X, decimal_separator: ",", thousands_separator: "," }
              created_at: { datetime: D, format: "yyyy-QQ-dd" }
              colour: Name
              status: { map: S }
            """)
        let messages = found.map(\.message)
        #expect(messages.contains { $0.contains("unknown kind 'invoices'") })
        #expect(messages.contains { $0.contains("the delimiter is one character") })
        #expect(messages.contains { $0.contains("separators must differ") })
        #expect(messages.contains { $0.contains("'yyyy-QQ-dd' is not a date format") })
        #expect(messages.contains { $0.contains("an order has no field 'colour'") })
        #expect(messages.contains { $0.contains("'map' needs a 'table'") })
        #expect(found.count >= 6)
    }

    @Test func unknownOptionsAndSectionsAreErrors() {
        let found = diagnostics(Self.header + """
            filters: { present: Name }
            fields:
              external_id: { trim: Name, side: left }
            """)
        #expect(found.map(\.message).contains { $0.hasPrefix("unknown section 'filters'") })
        #expect(found.map(\.message).contains { $0 == "'trim' has no option 'side'; it takes no options" })
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() {
        let found = diagnostics("route: { kind: orders\nreader: [\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("YAML syntax") == true)
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func invalidRegexAndUnknownTimeZoneAreCaughtAtLoad() {
        let found = diagnostics(Self.header + """
            fields:
              external_id: { regex: Name, pattern: "([0-9]+" }
              created_at: { datetime: D, timezone: Europe/Atlantis }
            """)
        #expect(found.map(\.message).contains { $0.contains("not a valid regular expression") })
        #expect(found.map(\.message).contains { $0.contains("unknown time zone 'Europe/Atlantis'") })
    }

    @Test func everyFieldTheContractRequiresMustBeMappedAndAllMissingAreNamed() throws {
        let found = diagnostics(Self.header + """
            fields:
              external_id: Name
              created_at: { datetime: D }
              currency: { const: null }
              lines:
                each: rows
                fields:
                  product_key: Sku
                  quantity: { integer: Q }
            """)
        #expect(found.count == 2, "\(found)")
        let order = try #require(found.first)
        #expect(order.description.hasPrefix("mappings/r.yaml:4:3: error: an order needs 'status', 'currency', but the mapping produces no value for them"))
        #expect(order.message.contains("`{ const: null }` counts as missing"))
        let line = try #require(found.last)
        #expect(line.description.hasPrefix("mappings/r.yaml:10:7: error: each of an order's lines needs 'unit_price'"))
    }

    @Test func eventsProductsAndPromotionsHaveTheirOwnRequiredFields() {
        let event = diagnostics("""
            route: { kind: order-events, platform: carrier, account: main }
            reader: { format: json }
            fields: { order_id: ref, status: { const: shipped } }
            """)
        #expect(event.map(\.description) == ["mappings/r.yaml:3:9: error: an order event needs 'occurred_at', but the mapping produces no value for it"
            + "\n    fields: { order_id: ref, status: { const: shipped } }\n            ^"])
        let product = diagnostics("""
            route: { kind: products, platform: feed, account: main }
            reader: { format: csv }
            fields: { key: SKU, price: { decimal: Price } }
            """)
        #expect(product.map(\.message) == ["a product needs 'currency', but the mapping produces no value for it"])
        let promotion = diagnostics("""
            route: { kind: promotions, platform: feed, account: main }
            reader: { format: csv }
            fields: { product_key: SKU, type: { const: percentage }, value: V, currency: { const: ARS }, starts_at: S }
            """)
        #expect(promotion.map(\.message) == ["a promotion needs 'ends_at', but the mapping produces no value for it"])
    }
}
