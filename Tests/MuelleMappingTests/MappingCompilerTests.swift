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
}
