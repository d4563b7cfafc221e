import Foundation
import MuelleCore
import Testing
@testable import MuelleReaders

/// Field and record limits in every reader: over a limit the reader stops with `too_large`, naming
/// the record and the field, whether the value comes in one chunk or many.
@Suite struct ReaderLimitsTests {
    static let small = ReaderLimits(maxFieldBytes: 64, maxRecordBytes: 200)

    static func firstError(_ text: String, name: String, open: (String) throws -> any RecordReader) -> MuelleError? {
        ReaderFixture.error {
            try ReaderFixture.withFile(ReaderFixture.bytes(text), name: name) { path in
                let reader = try open(path)
                while try reader.next() != nil {}
            }
        }
    }

    @Test(arguments: [8, 1 << 16])
    func csvFieldOverTheLimit(chunkSize: Int) {
        let long = String(repeating: "x", count: 100)
        for text in ["id,note\n1,ok\n2,\(long)\n", "id,note\n1,ok\n2,\"\(long)\"\n", "id,note\n1,ok\n2,\"a\"\"\(long)\"\n"] {
            let error = Self.firstError(text, name: "orders.csv") {
                try CSVRecordReader(source: ByteSource(path: $0, fileName: "orders.csv", chunkSize: chunkSize), options: CSVOptions(), limits: Self.small)
            }
            #expect(error?.code == .tooLarge, "\(text)")
            #expect(error?.position.record == 2)
            #expect(error?.position.field == "note")
            #expect(error?.message.contains("max_field_bytes") == true)
        }
    }

    @Test func csvRecordOverTheLimit() {
        let field = String(repeating: "y", count: 60)
        let text = "a,b,c,d\n\(field),\(field),\(field),\(field)\n"
        let error = Self.firstError(text, name: "orders.csv") {
            try CSVRecordReader(source: ByteSource(path: $0, fileName: "orders.csv"), options: CSVOptions(), limits: Self.small)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.position.record == 1)
        #expect(error?.position.field == "d")
        #expect(error?.message.contains("max_record_bytes") == true)
    }

    @Test(arguments: [8, 1 << 16])
    func jsonStringOverTheLimit(chunkSize: Int) {
        let text = "[{\"id\": 1, \"note\": \"ok\"}, {\"id\": 2, \"note\": \"\(String(repeating: "z", count: 100))\"}]"
        let error = Self.firstError(text, name: "orders.json") {
            try JSONRecordReader(source: ByteSource(path: $0, fileName: "orders.json", chunkSize: chunkSize), mode: .document(recordsPath: nil), limits: Self.small)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.position.record == 2)
        #expect(error?.position.field == "note")
    }

    @Test func jsonRecordOfManySmallValuesOverTheLimit() {
        let numbers = (0..<200).map(String.init).joined(separator: ",")
        let text = "{\"results\": [{\"id\": 1}, {\"id\": 2, \"lines\": [\(numbers)]}]}"
        let error = Self.firstError(text, name: "orders.json") {
            try JSONRecordReader(source: ByteSource(path: $0, fileName: "orders.json"), mode: .document(recordsPath: ["results"]), limits: Self.small)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.position.record == 2)
        #expect(error?.position.field == "lines")
        #expect(error?.message.contains("max_record_bytes") == true)
    }

    @Test func xmlTextOverTheLimit() {
        let text = "<list><rec><note>ok</note></rec><rec><note>\(String(repeating: "w", count: 100))</note></rec></list>"
        let error = Self.firstError(text, name: "orders.xml") {
            try XMLRecordReader(path: $0, fileName: "orders.xml", recordPath: ["list", "rec"], limits: Self.small)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.position.record == 2)
        #expect(error?.position.field == "note")
    }

    @Test func xmlRecordOverTheLimit() {
        let lines = (0..<100).map { "<line><sku>S\($0)</sku></line>" }.joined()
        let text = "<list><rec><id>1</id></rec><rec><id>2</id>\(lines)</rec>\(String(repeating: " ", count: 70_000))</list>"
        let error = Self.firstError(text, name: "orders.xml") {
            try XMLRecordReader(path: $0, fileName: "orders.xml", recordPath: ["list", "rec"], limits: Self.small)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.position.record == 2)
        #expect(error?.message.contains("max_record_bytes") == true)
    }

    /// libxml2's own 10 MB limit for one text node comes first with limits above it: still too large, named.
    @Test func xmlTextOverLibxml2sOwnLimit() {
        let text = "<list><rec><note>\(String(repeating: "v", count: 11 << 20))</note></rec></list>"
        let error = Self.firstError(text, name: "orders.xml") {
            try XMLRecordReader(path: $0, fileName: "orders.xml", recordPath: ["list", "rec"], limits: ReaderLimits(maxFieldBytes: 64 << 20, maxRecordBytes: 64 << 20))
        }
        #expect(error?.code == .tooLarge, "\(String(describing: error))")
        #expect(error?.position.record == 1)
        #expect(error?.position.field == "note")
    }

    @Test func sizesAreReadAsWritten() {
        #expect(ReaderLimits.bytes("1 MB") == 1 << 20)
        #expect(ReaderLimits.bytes("512kb") == 512 << 10)
        #expect(ReaderLimits.bytes("1000") == 1000)
        #expect(ReaderLimits.bytes("-1 MB") == nil)
        #expect(ReaderLimits.bytes("lots") == nil)
        #expect(ReaderLimits.words(16 << 20) == "16 MB")
    }
}
