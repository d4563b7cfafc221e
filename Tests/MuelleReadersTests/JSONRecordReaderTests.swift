import Foundation
import MuelleCore
import Testing
@testable import MuelleReaders

private func readJSON(_ bytes: [UInt8], _ mode: JSONRecordReader.Mode, chunkSize: Int = 1 << 16) throws -> (records: [SourceRecord], bytesRead: Int) {
    try ReaderFixture.withFile(bytes, name: "orders.json") { path in
        let reader = try JSONRecordReader(source: ByteSource(path: path, fileName: "orders.json", chunkSize: chunkSize), mode: mode)
        var records: [SourceRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(try reader.next() == nil)
        return (records, reader.bytesRead)
    }
}

private func readJSON(_ text: String, _ mode: JSONRecordReader.Mode = .document(recordsPath: nil), chunkSize: Int = 1 << 16) throws -> [SourceRecord] {
    try readJSON(ReaderFixture.bytes(text), mode, chunkSize: chunkSize).records
}

private func jsonError(_ bytes: [UInt8], _ mode: JSONRecordReader.Mode = .document(recordsPath: nil), chunkSize: Int = 1 << 16) -> MuelleError? {
    ReaderFixture.error { _ = try readJSON(bytes, mode, chunkSize: chunkSize) }
}

private func jsonError(_ text: String, _ mode: JSONRecordReader.Mode = .document(recordsPath: nil)) -> MuelleError? {
    jsonError(ReaderFixture.bytes(text), mode)
}

private func at(record: Int? = nil, line: Int, column: Int, field: String? = nil) -> InputPosition {
    InputPosition(file: "orders.json", record: record, line: line, column: column, field: field)
}

@Suite struct JSONRecordReaderTests {
    static let mercadoLibre = """
    {
      "query": "",
      "paging": {"total": 2, "offset": 0, "limit": 51},
      "results": [
        {
          "id": 2000009876543210123,
          "status": "paid",
          "date_created": "2026-11-01T10:01:50.000-05:00",
          "order_items": [
            {"item": {"id": "MLM123", "title": "Taza \\"Café\\" 350 ml", "seller_sku": null},
             "quantity": 2, "unit_price": 16666.665, "currency_id": "MXN"}
          ],
          "total_amount": 33333.33,
          "buyer": {"id": 99, "nickname": "JOSÉNÚÑEZ", "first_name": "José"},
          "tags": ["paid", "delivered"],
          "fulfilled": true
        },
        {"id": 2000009876543210124, "status": "cancelled", "total_amount": 1.5E+3, "pack_id": null, "fulfilled": false}
      ],
      "sort": {"id": "date_asc", "name": "Date ascending"},
      "available_sorts": [{"id": "date_desc"}, -0.0e-0, [[], {}]]
    }
    """

    @Test func mercadoLibreOrdersKeepExactNumbersAndKeyOrder() throws {
        let (records, bytesRead) = try readJSON(ReaderFixture.bytes(Self.mercadoLibre), .document(recordsPath: ["results"]))
        #expect(records.count == 2)
        let first = records[0].value
        #expect(first["id"] == .number("2000009876543210123"))
        #expect(first["total_amount"] == .number("33333.33"))
        #expect(first["buyer"]?["first_name"] == .string("José"))
        #expect(first["fulfilled"] == .bool(true))
        #expect(first["tags"] == .array([.string("paid"), .string("delivered")]))
        guard case .object(let order) = first, case .array(let items)? = first["order_items"] else {
            Issue.record("order is not an object with order_items")
            return
        }
        #expect(order.keys.names == ["id", "status", "date_created", "order_items", "total_amount", "buyer", "tags", "fulfilled"])
        #expect(items.first?["item"]?["title"] == .string("Taza \"Café\" 350 ml"))
        #expect(items.first?["item"]?["seller_sku"] == .null)
        #expect(items.first?["unit_price"] == .number("16666.665"))
        #expect(records[1].value["total_amount"] == .number("1.5E+3"))
        #expect(records[1].value["pack_id"] == .null)
        #expect(records.map(\.position) == [at(record: 1, line: 5, column: 5), at(record: 2, line: 18, column: 5)])
        #expect(bytesRead == Self.mercadoLibre.utf8.count)
    }

    @Test func tinyChunksGiveTheSameRecords() throws {
        let bytes = ReaderFixture.bytes(Self.mercadoLibre.replacingOccurrences(of: "Café", with: "Caf\\u00e9 \\uD83D\\uDE00 ☕"))
        let expected = try readJSON(bytes, .document(recordsPath: ["results"])).records
        guard case .array(let items)? = expected.first?.value["order_items"] else {
            Issue.record("no order_items")
            return
        }
        #expect(items.first?["item"]?["title"] == .string("Taza \"Café 😀 ☕\" 350 ml"))
        for chunkSize in [4, 5, 7, 13] {
            let actual = try readJSON(bytes, .document(recordsPath: ["results"]), chunkSize: chunkSize).records
            #expect(actual.map(\.value) == expected.map(\.value), "chunk size \(chunkSize)")
            #expect(actual.map(\.position) == expected.map(\.position), "chunk size \(chunkSize)")
        }
    }

    @Test func topLevelArrayYieldsElements() throws {
        let records = try readJSON("\u{FEFF} [ {\"a\": 1}, \"two\", [3], -4.5e-1, true, null ]\n")
        #expect(records.map(\.value) == [.object([("a", .number("1"))]), .string("two"), .array([.number("3")]),
                                         .number("-4.5e-1"), .bool(true), .null])
        #expect(records.map(\.position.record) == [1, 2, 3, 4, 5, 6])
        #expect(records[1].position == at(record: 2, line: 1, column: 14))
        #expect(try readJSON("[]").isEmpty)
    }

    @Test func singleObjectIsOneRecord() throws {
        let records = try readJSON("\n  {\"b\": 2, \"a\": {\"z\": [], \"y\": \"\"}}  \n")
        #expect(records.count == 1)
        #expect(records.first?.value == .object([("b", .number("2")), ("a", .object([("z", .array([])), ("y", .string(""))]))]))
        #expect(records.first?.position == at(record: 1, line: 2, column: 3))
    }

    @Test func ndjsonSkipsBlankLines() throws {
        let text = "{\"id\": 1}\n\n   \r\n{\"id\": 2, \"s\": \"a\\nb\"}\r\n\t[1]\n\"x\"\n"
        let records = try readJSON(ReaderFixture.bytes(text), .lines).records
        #expect(records.map(\.value) == [.object([("id", .number("1"))]),
                                         .object([("id", .number("2")), ("s", .string("a\nb"))]),
                                         .array([.number("1")]), .string("x")])
        #expect(records.map(\.position) == [at(record: 1, line: 1, column: 1), at(record: 2, line: 4, column: 1),
                                            at(record: 3, line: 5, column: 2), at(record: 4, line: 6, column: 1)])
    }

    @Test func ndjsonValueMustFitOnItsLine() throws {
        let error = try #require(jsonError("{\"id\": 1}\n{\"id\":\n 2}\n", .lines))
        #expect(error.code == .malformedJSON)
        #expect(error.message.contains("found the end of the line"))
        #expect(error.position == at(record: 2, line: 2, column: 7))
        let twoValues = try #require(jsonError("{\"id\": 1} {\"id\": 2}\n", .lines))
        #expect(twoValues.message.contains("NDJSON holds exactly one value per line"))
        #expect(twoValues.position == at(record: 1, line: 1, column: 11))
    }

    @Test func nestedRecordsPathSkipsOtherMembers() throws {
        let text = """
        {"meta": {"orders": "not these", "deep": [[{"x": "\\u00e9\\"]"}], 1e5, false]},
         "data": {"count": 2, "orders": [{"n": 1}, {"n": 2}], "next": null},
         "orders": [{"n": 99}]}
        """
        let records = try readJSON(text, .document(recordsPath: ["data", "orders"]))
        #expect(records.map(\.value) == [.object([("n", .number("1"))]), .object([("n", .number("2"))])])
        #expect(records.map(\.position) == [at(record: 1, line: 2, column: 34), at(record: 2, line: 2, column: 44)])
    }

    @Test func missingOrWrongRecordsPath() throws {
        let missing = try #require(jsonError("{\"paging\": {\"total\": 0},\n \"result\": []}", .document(recordsPath: ["results"])))
        #expect(missing.code == .malformedJSON)
        #expect(missing.message == "the records path \"results\" is missing: the top-level object has no member \"results\"")
        #expect(missing.position == at(line: 2, column: 14, field: "results"))

        let nested = try #require(jsonError("{\"data\": {\"items\": []}}", .document(recordsPath: ["data", "orders"])))
        #expect(nested.message.contains("\"data\" has no member \"orders\""))
        #expect(nested.position.field == "data.orders")

        let notArray = try #require(jsonError("{\"results\": {\"id\": 1}}", .document(recordsPath: ["results"])))
        #expect(notArray.message == "\"results\" is an object, not an array of records")
        #expect(notArray.position == at(line: 1, column: 13, field: "results"))

        let notObject = try #require(jsonError("{\"data\": [1]}", .document(recordsPath: ["data", "orders"])))
        #expect(notObject.message.contains("\"data\" is an array, not an object holding \"orders\""))

        let topArray = try #require(jsonError("[{\"results\": []}]", .document(recordsPath: ["results"])))
        #expect(topArray.message.contains("expected an object at the top of the document"))
    }

    @Test(arguments: [
        ("{\"a\": 1 x}", "expected ',' or '}' after an object member, found 'x'", 1, 9, 1),
        ("[1,]", "expected a JSON value (an object, array, string, number, true, false or null), found ']'", 1, 4, 2),
        ("[1 2]", "expected ',' or ']' after a record in the array of records, found '2'", 1, 4, nil),
        ("[[1 2]]", "expected ',' or ']' after an array element, found '2'", 1, 5, 1),
        ("[01]", "a number must not start with a leading zero", 1, 3, 1),
        ("[1.]", "expected a digit after the decimal point in a number, found ']'", 1, 4, 1),
        ("[1e+]", "expected a digit in the exponent of a number, found ']'", 1, 5, 1),
        ("[-x]", "expected a digit after '-' in a number, found 'x'", 1, 3, 1),
        ("[\n  {\"ok\": tru}]", "invalid literal: expected 'true'", 2, 10, 1),
        ("[{\"a\" 1}]", "expected ':' after the member name \"a\", found '1'", 1, 7, 1),
        ("[{a: 1}]", "expected a member name in double quotes or '}', found 'a'", 1, 3, 1),
        ("[{\"a\": 1,}]", "expected a member name in double quotes, found '}'", 1, 10, 1),
        ("{\"a\": 1}\n}", "unexpected '}' after the end of the JSON document", 2, 1, nil),
        ("[\"a\\qb\"]", "invalid escape sequence \\q in a string", 1, 4, 1),
        ("[\"x\ty\"]", "a control character (byte 0x09) must be written as an escape sequence", 1, 4, 1),
        ("[\"abc\n\"]", "the string opened at line 1, column 2 is not closed before the end of the line", 1, 6, 1),
        ("[{\"a\": [1, 2}]", "expected ',' or ']' after an array element, found '}'", 1, 13, 1),
        ("42", "expected an array of records or an object at the top of the document, found '4'", 1, 1, nil),
    ] as [(String, String, Int, Int, Int?)])
    func malformedJSON(text: String, message: String, line: Int, column: Int, record: Int?) throws {
        let error = try #require(jsonError(text))
        #expect(error.code == .malformedJSON)
        #expect(error.message.hasPrefix(message), "\(error.message)")
        #expect(error.position == at(record: record, line: line, column: column))
    }

    @Test(arguments: [
        ("[\n\"abc", 2, 1, 1),
        ("", 1, 1, nil),
        ("{\"results\": [\n  {\"id\": 1},\n  {\"id\": 2, \"buyer\": {\"name\": \"Ana", 3, 31, 2),
        ("{\"results\": [\n  {\"id\": 1},\n  {\"id\": 2}", 3, 12, nil),
        ("{\"results\": [\n  {\"id\": 1}\n]", 3, 2, nil),
        ("[{\"id\": 1}, {\"id\": 12", 1, 22, 2),
        ("[{\"ok\": tru", 1, 9, 1),
    ] as [(String, Int, Int, Int?)])
    func aDocumentThatStopsEarlyIsIncomplete(text: String, line: Int, column: Int, record: Int?) throws {
        let mode: JSONRecordReader.Mode = text.hasPrefix("{") ? .document(recordsPath: ["results"]) : .document(recordsPath: nil)
        let error = try #require(jsonError(text, mode))
        #expect(error.code == .incomplete, "\(error)")
        #expect(error.message.hasPrefix("the file ends before the JSON is complete"), "\(error.message)")
        #expect(error.position.line == line && error.position.column == column && error.position.record == record, "\(error.position)")
    }

    @Test func anNDJSONLastLineWithoutItsLineEndIsIncomplete() throws {
        let error = try #require(jsonError("{\"id\": 1}\n{\"id\": 2}", .lines))
        #expect(error.code == .incomplete)
        #expect(error.message.contains("the last line (line 2) has no line end"))
        #expect(error.message.contains("record 2"))
        let cut = try #require(jsonError("{\"id\": 1}\n{\"id\": 2, \"na", .lines))
        #expect(cut.code == .incomplete)
        #expect(cut.position.record == 2 && cut.position.line == 2)
    }

    @Test func anNDJSONExportThatNeverEndsItsLastLineIsReadWhenAllowed() throws {
        try ReaderFixture.withFile(ReaderFixture.bytes("{\"id\": 1}\n{\"id\": 2}"), name: "orders.json") { path in
            let reader = try JSONRecordReader(source: ByteSource(path: path, fileName: "orders.json"), mode: .lines, finalLineBreak: .optional)
            #expect(try reader.next() != nil)
            #expect(try reader.next()?.value == .object([("id", .number("2"))]))
            #expect(try reader.next() == nil)
        }
        // A value cut off is incomplete whatever the option says.
        try ReaderFixture.withFile(ReaderFixture.bytes("{\"id\": 1}\n{\"id\": 2"), name: "orders.json") { path in
            let reader = try JSONRecordReader(source: ByteSource(path: path, fileName: "orders.json"), mode: .lines, finalLineBreak: .optional)
            #expect(try reader.next() != nil)
            let error = ReaderFixture.error { _ = try reader.next() }
            #expect(error?.code == .incomplete)
        }
    }

    @Test func malformedJSONBeforeTheEndStaysMalformed() throws {
        let error = try #require(jsonError("[{\"id\": 1}, {\"id\": x}, {\"id\": 3"))
        #expect(error.code == .malformedJSON)
    }

    @Test func errorsRepeatOnLaterCalls() throws {
        try ReaderFixture.withFile(ReaderFixture.bytes("[{\"a\": 1}, {\"a\": x}, {\"a\": 3}]"), name: "orders.json") { path in
            let reader = try JSONRecordReader(source: ByteSource(path: path, fileName: "orders.json"), mode: .document(recordsPath: nil))
            #expect(try reader.next()?.value == .object([("a", .number("1"))]))
            let first = ReaderFixture.error { _ = try reader.next() }
            let second = ReaderFixture.error { _ = try reader.next() }
            #expect(first?.position == at(record: 2, line: 1, column: 18))
            #expect(second == first)
        }
    }

    @Test func escapesAndSurrogatePairs() throws {
        let records = try readJSON(#"["\uD83D\uDE00", "\u00e9\u4E2D", "a\"b\\c\/d\b\f\n\r\t", "\u0000"]"#)
        #expect(records.map(\.value) == [.string("😀"), .string("é中"), .string("a\"b\\c/d\u{8}\u{C}\n\r\t"), .string("\u{0}")])
    }

    @Test func loneSurrogatesAreErrors() throws {
        let high = try #require(jsonError(#"["ab\uD83D x"]"#))
        #expect(high.message.contains("first half of a surrogate pair"))
        #expect(high.position == at(record: 1, line: 1, column: 5))
        let highThenNonLow = try #require(jsonError(#"["\uD83D\u0041"]"#))
        #expect(highThenNonLow.message.contains("first half of a surrogate pair"))
        let low = try #require(jsonError(#"["\uDE00"]"#))
        #expect(low.message.contains("second half of a surrogate pair"))
        #expect(low.position == at(record: 1, line: 1, column: 3))
        let badHex = try #require(jsonError(#"["\u12G4"]"#))
        #expect(badHex.message.contains("four hex digits"))
    }

    @Test func nestingDepthIsLimited() throws {
        let tooDeep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = try #require(jsonError(tooDeep))
        #expect(error.message.contains("deeper than 512"))
        #expect(error.position == at(record: 1, line: 1, column: 513))
        // 512 levels in all: the records array and 511 inside a record.
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        let records = try readJSON(deepest)
        #expect(records.count == 1)
        // Skipped members are limited too.
        let skipped = "{\"skip\": " + String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600) + ", \"r\": []}"
        let skipError = try #require(jsonError(skipped, .document(recordsPath: ["r"])))
        #expect(skipError.message.contains("deeper than 512"))
    }

    @Test func invalidUTF8IsAnEncodingError() throws {
        let plain: [UInt8] = ReaderFixture.bytes("[{\"name\": \"Jos") + [0xE9] + ReaderFixture.bytes("\"}]")
        let error = try #require(jsonError(plain))
        #expect(error.code == .encoding)
        #expect(error.message.contains("0xE9"))
        #expect(error.position == at(record: 1, line: 1, column: 15))
        // After escapes, in the slow path: the column still points at the byte in the file.
        let escaped: [UInt8] = ReaderFixture.bytes("[\"\\u00e9\\n") + [0xFF] + ReaderFixture.bytes("\"]")
        for chunkSize in [4, 7, 1 << 16] {
            let slow = try #require(jsonError(escaped, chunkSize: chunkSize))
            #expect(slow.code == .encoding)
            #expect(slow.position == at(record: 1, line: 1, column: 11), "chunk size \(chunkSize)")
        }
        // Skipped members are checked as well.
        let skipped: [UInt8] = ReaderFixture.bytes("{\"x\": \"") + [0xC3, 0x28] + ReaderFixture.bytes("\", \"r\": []}")
        let skipError = try #require(jsonError(skipped, .document(recordsPath: ["r"])))
        #expect(skipError.code == .encoding)
        #expect(skipError.position == at(line: 1, column: 8))
    }
}
