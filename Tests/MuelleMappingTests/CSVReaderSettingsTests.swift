import MuelleCore
@testable import MuelleMapping
import MuelleReaders
import Testing

/// `reader:` options of CSV files — quote, escape, comment, header_row — and their misuse, caught by
/// `muelle check` with the line and column.
@Suite struct CSVReaderSettingsTests {
    func compile(_ reader: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: """
            route: { kind: orders, platform: shop, account: main }
            reader: { \(reader) }
            fields:
              external_id: Name
              created_at: Created
              status: { const: ready_to_ship }
              currency: Currency
              lines: { each: rows, fields: { product_key: SKU, quantity: Qty, unit_price: Price } }
            """, route: "r", file: "mappings/r.yaml")
    }

    func diagnostics(_ reader: String) -> [MappingDiagnostic] {
        do {
            _ = try compile(reader)
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func optionsCompileToTheReader() throws {
        #expect(try compile("format: csv, delimiter: tab, quote: none").reader == .csv(CSVOptions(delimiter: 9, quote: nil)))
        #expect(try compile(##"format: csv, quote: "'", escape: "\\", comment: "#", header_row: 3"##).reader
            == .csv(CSVOptions(quote: UInt8(ascii: "'"), escape: UInt8(ascii: "\\"), comment: UInt8(ascii: "#"), headerLine: 3)))
    }

    @Test func misusesAreNamedWithLineAndColumn() {
        let cases: [(String, String)] = [
            ("format: csv, quote: none, escape: \"\\\\\"", "escape applies inside quoted fields, but this reader has quote: none"),
            ("format: csv, quote: '\"\"'", "quote is one character"),
            ("format: csv, escape: '\"'", "escape is the quote character itself"),
            ("format: csv, comment: \",\"", "the comment is the same character as the delimiter"),
            ("format: csv, header_row: 0", "header_row is the line number of the header"),
            ("format: csv, header_row: two", "header_row is the line number of the header"),
            ("format: json, comment: \"#\"", "comment is a CSV reader option; this reader's format is json"),
        ]
        for (reader, message) in cases {
            let found = diagnostics(reader)
            #expect(found.count == 1, "\(reader): \(found)")
            #expect(found.first?.message.contains(message) == true, "\(reader): \(found.map(\.message))")
            #expect(found.first?.line == 2, "\(reader)")
            #expect((found.first?.column ?? 0) > 10, "\(reader): the column points at the option")
        }
    }
}
