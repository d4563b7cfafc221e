import Foundation
import MuelleCore
import Testing
@testable import MuelleReaders

/// The CSV reader options flat files and other dialects need: no quoting, another quote or an escape
/// character, comment lines and a header further down — with the file's own line numbers.
@Suite struct CSVReaderOptionsTests {
    private func read(_ text: String, _ options: CSVOptions, chunkSize: Int = 1 << 16) throws -> (header: [String], rows: [[String]], lines: [Int]) {
        try ReaderFixture.withFile(ReaderFixture.bytes(text)) { path in
            let reader = try CSVRecordReader(source: ByteSource(path: path, fileName: "report.txt", chunkSize: chunkSize), options: options)
            var rows: [[String]] = [], lines: [Int] = []
            while let record = try reader.next() {
                guard case .object(let object) = record.value else { continue }
                rows.append(object.values.map { $0.text ?? "" })
                lines.append(record.position.line ?? 0)
            }
            return (reader.header, rows, lines)
        }
    }

    private func failure(_ text: String, _ options: CSVOptions) -> MuelleError? {
        ReaderFixture.error { _ = try read(text, options) }
    }

    private let flat = CSVOptions(delimiter: 9, quote: nil)

    @Test func withoutQuotingAQuoteAnywhereIsACharacter() throws {
        let text = "sku\tproduct-name\tqty\nA1\t\"Moka\" cafetera 6\"\t2\nB2\tBandeja 14\" bambú\t1\nC3\t\"\t1\n"
        for chunk in [1, 2, 3, 1 << 16] {
            let (header, rows, lines) = try read(text, flat, chunkSize: chunk)
            #expect(header == ["sku", "product-name", "qty"])
            #expect(rows == [["A1", "\"Moka\" cafetera 6\"", "2"], ["B2", "Bandeja 14\" bambú", "1"], ["C3", "\"", "1"]], "chunk \(chunk)")
            #expect(lines == [2, 3, 4])
        }
    }

    @Test func theDefaultQuotingRefusesAFlatFileAndSaysWhichOptionReadsIt() throws {
        let error = failure("sku\tname\nA1\t\"Moka\" cafetera\n", CSVOptions(delimiter: 9))
        #expect(error?.code == .malformedCSV)
        #expect(error?.message.contains("quote: none") == true)
        #expect(error?.position.line == 2)
    }

    @Test func anotherQuoteCharacter() throws {
        let (_, rows, _) = try read("a;b\n'x;y';'it''s'\n\"q\";z\n", CSVOptions(delimiter: UInt8(ascii: ";"), quote: UInt8(ascii: "'")))
        #expect(rows == [["x;y", "it's"], ["\"q\"", "z"]])
    }

    @Test func aBackslashEscapesAQuoteInsideAQuotedField() throws {
        let text = "name,note\n\"say \\\"hi\\\"\",\"back\\\\slash\"\n\"two\\\nlines\",x\nlast,\"\"\n"
        for chunk in [1, 2, 5, 1 << 16] {
            let (_, rows, lines) = try read(text, CSVOptions(escape: UInt8(ascii: "\\")), chunkSize: chunk)
            #expect(rows == [["say \"hi\"", "back\\slash"], ["two\nlines", "x"], ["last", ""]], "chunk \(chunk)")
            #expect(lines == [2, 3, 5])
        }
    }

    @Test func anEscapeAtTheEndOfTheFileIsAnOpenField() {
        let error = failure("a\n\"x\\", CSVOptions(escape: UInt8(ascii: "\\")))
        #expect(error?.code == .incomplete)
    }

    @Test func commentLinesAreSkippedAndLinesStillCounted() throws {
        let text = "# exported 2026-11-03\nsku,qty\n# a note\nA1,2\n\n#B2,9\nC3,1\n"
        for chunk in [1, 3, 1 << 16] {
            let (header, rows, lines) = try read(text, CSVOptions(comment: UInt8(ascii: "#")), chunkSize: chunk)
            #expect(header == ["sku", "qty"])
            #expect(rows == [["A1", "2"], ["C3", "1"]], "chunk \(chunk)")
            #expect(lines == [4, 7])
        }
    }

    @Test func aCommentCharacterInsideAFieldIsData() throws {
        let (_, rows, _) = try read("sku,note\nA1,#1 seller\n", CSVOptions(comment: UInt8(ascii: "#")))
        #expect(rows == [["A1", "#1 seller"]])
    }

    @Test func theHeaderRowFurtherDownSkipsTheLinesBeforeItUnread() throws {
        // A title line with an unclosed quote, and a blank line: neither is read as CSV.
        let text = "Informe de pedidos \"noviembre\r\n\r\nsku,qty\r\nA1,2\r\nB2,x\n"
        let (header, rows, lines) = try read(text, CSVOptions(headerLine: 3), chunkSize: 2)
        #expect(header == ["sku", "qty"])
        #expect(rows.first == ["A1", "2"])
        #expect(lines == [4, 5])
        let error = failure("title\nsku,qty\nA1,2,3\n", CSVOptions(headerLine: 2))
        #expect(error?.position.line == 3, "errors name the file's own line")
    }

    @Test func aFileEndingBeforeItsHeaderRowSaysSo() {
        let error = failure("title\n", CSVOptions(headerLine: 3))
        #expect(error?.code == .incomplete)
        #expect(error?.message.contains("line 3") == true)
    }
}
