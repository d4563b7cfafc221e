import Foundation
import MuelleCore
import Testing
@testable import MuelleReaders

/// Fixture files in a fresh temporary directory, removed after use; shared by the reader tests.
enum ReaderFixture {
    static func withFile<R>(_ bytes: [UInt8], name: String = "orders.csv", _ body: (String) throws -> R) throws -> R {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The thrown error as a `MuelleError`; records an issue if nothing (or something else) was thrown.
    static func error(_ body: () throws -> Void) -> MuelleError? {
        do {
            try body()
        } catch let error as MuelleError {
            return error
        } catch {
            Issue.record("expected a MuelleError, got \(error)")
            return nil
        }
        Issue.record("expected an error, but reading succeeded")
        return nil
    }
}

private func readCSV(_ bytes: [UInt8], _ options: CSVOptions = CSVOptions(), chunkSize: Int = 1 << 16) throws -> (header: [String], records: [SourceRecord], bytesRead: Int) {
    try ReaderFixture.withFile(bytes) { path in
        let reader = try CSVRecordReader(source: ByteSource(path: path, fileName: "orders.csv", chunkSize: chunkSize), options: options)
        var records: [SourceRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(try reader.next() == nil)
        return (reader.header, records, reader.bytesRead)
    }
}

private func readCSV(_ text: String, _ options: CSVOptions = CSVOptions(), chunkSize: Int = 1 << 16) throws -> (header: [String], records: [SourceRecord], bytesRead: Int) {
    try readCSV(ReaderFixture.bytes(text), options, chunkSize: chunkSize)
}

private func csvError(_ bytes: [UInt8], _ options: CSVOptions = CSVOptions(), chunkSize: Int = 1 << 16) -> MuelleError? {
    ReaderFixture.error { _ = try readCSV(bytes, options, chunkSize: chunkSize) }
}

private func csvError(_ text: String, _ options: CSVOptions = CSVOptions()) -> MuelleError? {
    csvError(ReaderFixture.bytes(text), options)
}

/// The string values of a record, in column order.
private func strings(_ record: SourceRecord) -> [String] {
    guard case .object(let object) = record.value else { return [] }
    return object.values.map { $0.text ?? "<not text>" }
}

@Suite struct CSVRecordReaderTests {
    static let shopify: [UInt8] = [0xEF, 0xBB, 0xBF] + ReaderFixture.bytes(
        "Name,Email,Financial Status,Lineitem name,Lineitem price,Billing Name,Notes,Shipping City\r\n"
        + "#1001,jose@example.com,paid,\"Camiseta \"\"Edición\"\" roja, talla M\",19.90,José Núñez,\"Entregar en portería,\r\npiso 3\",Ærø\r\n"
        + "#1002,anna@example.pl,pending,Kubek,\"1,234.50\",Anna Wójcik,,Łódź\r\n")

    @Test func shopifyExportWithBOMAndCRLF() throws {
        let (header, records, bytesRead) = try readCSV(Self.shopify)
        #expect(header == ["Name", "Email", "Financial Status", "Lineitem name", "Lineitem price", "Billing Name", "Notes", "Shipping City"])
        #expect(records.count == 2)
        #expect(strings(records[0]) == ["#1001", "jose@example.com", "paid", "Camiseta \"Edición\" roja, talla M", "19.90",
                                        "José Núñez", "Entregar en portería,\r\npiso 3", "Ærø"])
        #expect(strings(records[1]) == ["#1002", "anna@example.pl", "pending", "Kubek", "1,234.50", "Anna Wójcik", "", "Łódź"])
        #expect(records[0].value["Billing Name"] == .string("José Núñez"))
        #expect(records[1].value["Shipping City"] == .string("Łódź"))
        // The embedded line break moves the second row to line 4.
        #expect(records.map(\.position) == [
            InputPosition(file: "orders.csv", record: 1, line: 2),
            InputPosition(file: "orders.csv", record: 2, line: 4),
        ])
        #expect(bytesRead == Self.shopify.count)
        if case .object(let first) = records[0].value, case .object(let second) = records[1].value {
            #expect(first.keys === second.keys)
        } else {
            Issue.record("records are not objects")
        }
    }

    @Test(arguments: [(UInt8(ascii: ";"), ";"), (UInt8(ascii: "\t"), "\t"), (UInt8(ascii: "|"), "|")])
    func otherDelimiters(delimiter: UInt8, text: String) throws {
        let d = text
        let csv = "order-id\(d)buyer-name\(d)item-price\n111-222\(d)\"Smith\(d) J.\"\(d)12,50\n333-444\(d)Ruiz\(d)\n"
        let (header, records, _) = try readCSV(csv, CSVOptions(delimiter: delimiter))
        #expect(header == ["order-id", "buyer-name", "item-price"])
        #expect(records.map(strings) == [["111-222", "Smith\(d) J.", "12,50"], ["333-444", "Ruiz", ""]])
    }

    @Test func blankLinesLoneCRAndMissingFinalNewline() throws {
        let (_, records, _) = try readCSV("a,b\n\n1,2\r\n\r\n3,4\r5,6\n\"\",\n7", CSVOptions(finalLineBreak: .optional))
        #expect(records.map(strings) == [["1", "2"], ["3", "4"], ["5", "6"], ["", ""], ["7", ""]])
        #expect(records.map(\.position.record) == [1, 2, 3, 4, 5])
        #expect(records.map(\.position.line) == [3, 5, 6, 7, 8])
    }

    @Test func shortRowsArePaddedAndTrailingDelimiterMakesAnEmptyField() throws {
        let (_, records, _) = try readCSV("a,b,c\nx\ny,\nz,1,", CSVOptions(finalLineBreak: .optional))
        #expect(records.map(strings) == [["x", "", ""], ["y", "", ""], ["z", "1", ""]])
    }

    @Test func trimFieldsTrimsUnquotedOnly() throws {
        let (header, records, _) = try readCSV(" a ,\tb\n  x  , \" y \"  \n", CSVOptions(trimFields: true))
        #expect(header == ["a", "b"])
        #expect(records.map(strings) == [["x", " y "]])
        let (_, untrimmed, _) = try readCSV(" a ,\tb\n  x  ,y\n")
        #expect(untrimmed.map(strings) == [["  x  ", "y"]])
    }

    @Test func otherQuoteCharacter() throws {
        let (_, records, _) = try readCSV("a,b\n'x, y','it''s'\n", CSVOptions(quote: UInt8(ascii: "'")))
        #expect(records.map(strings) == [["x, y", "it's"]])
    }

    @Test func latin1() throws {
        let bytes: [UInt8] = ReaderFixture.bytes("Name;City\n") + [0x4A, 0x6F, 0x73, 0xE9, 0x20, 0x4E, 0xFA, 0xF1, 0x65, 0x7A, 0x3B, 0xC6, 0x72, 0xF8, 0x0A]
        let (_, records, _) = try readCSV(bytes, CSVOptions(delimiter: UInt8(ascii: ";"), encoding: .latin1))
        #expect(records.map(strings) == [["José Núñez", "Ærø"]])
    }

    @Test func windows1252() throws {
        // "€ 12,50" ; “Hola” ; Ré…
        let bytes: [UInt8] = ReaderFixture.bytes("price;note;name\n") + [0x80, 0x20, 0x31, 0x32, 0x2C, 0x35, 0x30, 0x3B,
                                                                         0x93, 0x48, 0x6F, 0x6C, 0x61, 0x94, 0x3B, 0x52, 0xE9, 0x85, 0x0A]
        let (_, records, _) = try readCSV(bytes, CSVOptions(delimiter: UInt8(ascii: ";"), encoding: .windows1252))
        #expect(records.map(strings) == [["€ 12,50", "\u{201C}Hola\u{201D}", "Ré\u{2026}"]])
    }

    @Test func windows1252UndefinedByteIsAnError() throws {
        let bytes: [UInt8] = ReaderFixture.bytes("a,b\nok,x") + [0x81] + ReaderFixture.bytes("y\n")
        let error = try #require(csvError(bytes, CSVOptions(encoding: .windows1252)))
        #expect(error.code == .encoding)
        #expect(error.message.contains("0x81"))
        #expect(error.position == InputPosition(file: "orders.csv", record: 1, line: 2, column: 5, field: "b"))
    }

    @Test func invalidUTF8NamesLineColumnAndField() throws {
        // Latin-1 "é" in a file read as UTF-8.
        let bytes: [UInt8] = ReaderFixture.bytes("id,name\n1,Ana\n2,Jos") + [0xE9] + ReaderFixture.bytes("\n")
        let error = try #require(csvError(bytes))
        #expect(error.code == .encoding)
        #expect(error.message.contains("0xE9") && error.message.contains("Latin-1"))
        #expect(error.position == InputPosition(file: "orders.csv", record: 2, line: 3, column: 6, field: "name"))
    }

    @Test func invalidUTF8InsideQuotedMultilineField() throws {
        // In the file the bad byte is on line 3, column 4, after doubled quotes and a line break.
        let bytes: [UInt8] = ReaderFixture.bytes("id,note\n1,\"he said \"\"hi\"\"\nJos") + [0xE9] + ReaderFixture.bytes("\"\n")
        for chunkSize in [4, 7, 1 << 16] {
            let error = try #require(csvError(bytes, chunkSize: chunkSize))
            #expect(error.code == .encoding)
            #expect(error.position == InputPosition(file: "orders.csv", record: 1, line: 3, column: 4, field: "note"))
        }
        // Each doubled quote before the bad byte is two columns in the file.
        let sameLine: [UInt8] = ReaderFixture.bytes("id,note\n2,\"x\"\"y") + [0xE9] + ReaderFixture.bytes("\"\n")
        let error = try #require(csvError(sameLine))
        #expect(error.position == InputPosition(file: "orders.csv", record: 1, line: 2, column: 8, field: "note"))
    }

    @Test func aQuoteOpenAtTheEndIsIncomplete() throws {
        // Whether the rest never came or the quote is never closed, only time tells: incomplete, not malformed.
        for options in [CSVOptions(), CSVOptions(finalLineBreak: .optional)] {
            let error = try #require(csvError("id,name,note\n1,Ana,ok\n2,Bea,ok\n3,Carla Ruiz,\"never closed\n4,Dan,ok\n", options))
            #expect(error.code == .incomplete)
            #expect(error.message.contains("the file ends inside a quoted field opened at line 4, column 14"))
            #expect(error.position == InputPosition(file: "orders.csv", record: 3, line: 4, column: 14, field: "note"))
        }
    }

    @Test(arguments: [
        ("id,name\n1,Ana\n2,Be", 2, 3, 5),
        ("id,name\r\n1,Ana\r\n2,", 2, 3, 3),
        ("id,name\n1,Ana\n2,\"Bea\"", 2, 3, 8),
        ("id,na", nil, 1, 6),
    ] as [(String, Int?, Int, Int)])
    func aLastLineWithoutItsLineEndIsIncomplete(text: String, record: Int?, line: Int, column: Int) throws {
        let error = try #require(csvError(text))
        #expect(error.code == .incomplete)
        #expect(error.message.contains("the last line (line \(line)) has no line end"))
        #expect(error.message.contains(record.map { "record \($0)" } ?? "the header row"))
        #expect(error.position == InputPosition(file: "orders.csv", record: record, line: line, column: column))
    }

    @Test func everyLineEndCountsAsTheFinalOne() throws {
        for text in ["id\n1\n", "id\r\n1\r\n", "id\r1\r", "id\n1\n\n"] {
            #expect(try readCSV(text).records.count == 1, "\(text.debugDescription)")
        }
    }

    @Test func textAfterClosingQuote() throws {
        let error = try #require(csvError("id,name,note\n1,\"abc\"x,z\n"))
        #expect(error.code == .malformedCSV)
        #expect(error.message.contains("unexpected character 'x' after the closing quote"))
        #expect(error.position == InputPosition(file: "orders.csv", record: 1, line: 2, column: 8, field: "name"))
    }

    @Test func strayQuoteInUnquotedField() throws {
        let error = try #require(csvError("id,name,note\n1,ok,ok\n2,12\" screen,z\n"))
        #expect(error.code == .malformedCSV)
        #expect(error.message.contains("quote character appears inside a field that is not enclosed in quotes"))
        #expect(error.position == InputPosition(file: "orders.csv", record: 2, line: 3, column: 5, field: "name"))
    }

    @Test func tooManyFields() throws {
        let error = try #require(csvError("id,price\n1,12.50\n\n2,12,50\n"))
        #expect(error.code == .malformedCSV)
        #expect(error.message.contains("more fields than the 2 columns of the header"))
        #expect(error.message.contains("','"))
        #expect(error.position == InputPosition(file: "orders.csv", record: 2, line: 4, column: 6))
    }

    @Test func errorsRepeatOnLaterCalls() throws {
        try ReaderFixture.withFile(ReaderFixture.bytes("a,b\n1,2,3\n4,5\n")) { path in
            let reader = try CSVRecordReader(source: ByteSource(path: path, fileName: "orders.csv"), options: CSVOptions())
            let first = ReaderFixture.error { _ = try reader.next() }
            let second = ReaderFixture.error { _ = try reader.next() }
            #expect(first?.position.record == 1)
            #expect(second == first)
        }
    }

    @Test func malformedHeaderHasNoRecord() throws {
        let error = try #require(csvError("id,\"name\n"))
        #expect(error.position == InputPosition(file: "orders.csv", line: 1, column: 4))
    }

    @Test func anEmptyFileIsIncomplete() throws {
        for text in ["", "\u{FEFF}", "\n\r\n"] {
            let error = try #require(csvError(text))
            #expect(error.code == .incomplete)
            #expect(error.message.contains("empty"))
        }
        let (header, records, _) = try readCSV("a,b\r\n")
        #expect(header == ["a", "b"])
        #expect(records.isEmpty)
    }

    @Test func tinyChunksGiveTheSameRecords() throws {
        var text = "\u{FEFF}Name,Note,City\r\n"
        for i in 0..<40 {
            text += "#\(i),\"He said \"\"¿qué?\"\", then\r\nleft; ✓ \(i)\",Łódź 😀\r\n"
            text += "\"\",\"\"\"\",\"a\"\"\"\r\n\r\n"
            text += "plain \(i),x\n"
        }
        let bytes = Array(text.utf8)
        let expected = try readCSV(bytes)
        #expect(expected.header == ["Name", "Note", "City"])
        #expect(expected.records.count == 120)
        #expect(strings(expected.records[0]) == ["#0", "He said \"¿qué?\", then\r\nleft; ✓ 0", "Łódź 😀"])
        #expect(strings(expected.records[1]) == ["", "\"", "a\""])
        for chunkSize in [4, 5, 6, 7, 11, 64] {
            let actual = try readCSV(bytes, chunkSize: chunkSize)
            #expect(actual.header == expected.header)
            #expect(actual.records.map(\.value) == expected.records.map(\.value), "chunk size \(chunkSize)")
            #expect(actual.records.map(\.position) == expected.records.map(\.position), "chunk size \(chunkSize)")
            #expect(actual.bytesRead == bytes.count)
        }
    }

    @Test func errorPositionsDoNotDependOnChunkSize() throws {
        let bytes = ReaderFixture.bytes("id,name,note\n1,\"Zoë \"\"Z\"\"\nB\",ok\n2,\"abc\"  x,z\n")
        for chunkSize in [4, 7, 1 << 16] {
            let error = try #require(csvError(bytes, chunkSize: chunkSize))
            #expect(error.position == InputPosition(file: "orders.csv", record: 2, line: 4, column: 8, field: "name"))
        }
    }
}

@Suite struct TextDecodingTests {
    @Test func windows1252Table() throws {
        #expect(try TextDecoding.decode([0x80, 0x8A, 0x99, 0x9F, 0xA0, 0xFF], as: .windows1252) == "€Š™Ÿ\u{A0}ÿ")
        for undefined: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            #expect(throws: TextDecodingError.self) { try TextDecoding.decode([0x41, undefined], as: .windows1252) }
        }
        #expect(try TextDecoding.decode([0x80, 0x9D], as: .latin1) == "\u{80}\u{9D}")
    }

    @Test func utf8Validation() {
        let cases: [([UInt8], Int?)] = [
            (Array("plain ascii text, longer than eight".utf8), nil),
            (Array("Łódź 😀 中".utf8), nil),
            ([0x41, 0xC0, 0x80], 1),              // overlong
            ([0x41, 0x42, 0xED, 0xA0, 0x80], 2),  // UTF-16 surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),        // above U+10FFFF
            ([0x41, 0xE2, 0x82], 1),              // truncated
            ([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x80], 8),
        ]
        for (bytes, expected) in cases {
            #expect(bytes.withUnsafeBufferPointer { TextDecoding.firstInvalidUTF8(in: $0) } == expected, "\(bytes)")
        }
    }
}
