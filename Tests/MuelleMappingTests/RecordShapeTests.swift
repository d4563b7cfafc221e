import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// A reader builds only what the route's mapping reads (`RouteMapping.recordShape`): the rest of each record
/// is checked but reads as null, and the orders made are the same as from records read whole.
@Suite struct RecordShapeTests {
    static let ndjsonMapping = """
        route: { kind: orders, platform: mercadolibre, account: main, product_key: sku }
        reader: { format: ndjson }
        filter: { equals: status, value: paid }
        fields:
          external_id: { string: id }
          created_at: { datetime: date_created }
          status: { map: status, table: { paid: ready_to_ship } }
          currency: currency_id
          customer: { name: { join: [buyer.first_name, buyer.last_name] } }
          lines:
            each: order_items
            fields:
              sku: { coalesce: [item.seller_sku, item.seller_custom_field] }
              title: item.title
              quantity: { integer: quantity }
              unit_price: { decimal: unit_price }
          totals:
            items: { sum: order_items, of: { multiply: [quantity, unit_price] } }
            grand_total: { decimal: total_amount }
        """

    static let ndjson = #"""
        {"id":2000010000000000,"date_created":"2026-11-05T23:06:43.940-05:00","status":"paid","pack_id":null,"order_items":[{"item":{"id":"MCO1","title":"Camiseta \"Montaña\"","category_id":"MCO1623","seller_custom_field":null,"seller_sku":"P00-BL-S"},"quantity":3,"unit_price":69.59,"full_unit_price":69.59,"currency_id":"COP"},{"item":{"id":"MCO2","title":"Gorra","seller_custom_field":"P01","seller_sku":null},"quantity":1,"unit_price":15.00}],"total_amount":223.77,"currency_id":"COP","buyer":{"id":1,"nickname":"ANA0","first_name":"Ana","last_name":"Jiménez"},"payments":[{"id":7,"status":"approved","transaction_amount":223.77}],"tags":["paid"]}

        """#

    static let csvMapping = """
        route: { kind: orders, platform: shopify, account: main, product_key: sku }
        reader: { format: csv }
        group_by: Name
        fields:
          external_id: Name
          created_at: { datetime: Created at, format: "yyyy-MM-dd HH:mm:ss Z" }
          status: { const: ready_to_ship }
          currency: Currency
          lines:
            each: rows
            fields:
              sku: Lineitem sku
              quantity: { integer: Lineitem quantity }
              unit_price: { decimal: Lineitem price }
        """

    func compile(_ yaml: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
    }

    func read(_ text: String, name: String, options: ReaderOptions, shape: RecordShape) throws -> [SourceRecord] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let reader = try RecordReaders.open(path: path, fileName: name, options: options, reading: shape)
        var records: [SourceRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    func order(_ mapping: RouteMapping, _ group: [SourceRecord]) throws -> String {
        let source = OrderContract.Source(route: "r", file: "f", sha256: "", record: 1, line: 1)
        guard case .mapped(let order, selected: true) = mapping.map(group, source: source) else {
            Issue.record("the record did not map: \(mapping.map(group, source: source))")
            return ""
        }
        return JSONText.compact(order)
    }

    @Test func jsonMembersTheMappingNeverReadsAreNotBuiltButKeepTheirKeys() throws {
        let mapping = try compile(Self.ndjsonMapping)
        let record = try #require(try read(Self.ndjson, name: "o.ndjson", options: mapping.reader, shape: mapping.recordShape).first)
        #expect(record.value["payments"] == .null)
        #expect(record.value["pack_id"] == .null)
        #expect(record.value["buyer"]?["nickname"] == .null)
        #expect(record.value["buyer"]?["first_name"] == .string("Ana"))
        guard case .array(let items)? = record.value["order_items"] else {
            Issue.record("order_items is not a list")
            return
        }
        #expect(items.first?["full_unit_price"] == .null)
        #expect(items.first?["item"]?["category_id"] == .null)
        #expect(items.first?["item"]?["title"] == .string(#"Camiseta "Montaña""#))
        #expect(items.last?["item"]?["seller_custom_field"] == .string("P01"))
        guard case .object(let object) = record.value else { return }
        #expect(object.keys.names.contains("payments"), "a record still shows every key it has")
    }

    @Test func ordersAreTheSameAsFromRecordsReadWhole() throws {
        let mapping = try compile(Self.ndjsonMapping)
        let shaped = try read(Self.ndjson, name: "o.ndjson", options: mapping.reader, shape: mapping.recordShape)
        let whole = try read(Self.ndjson, name: "o.ndjson", options: mapping.reader, shape: .everything)
        #expect(try order(mapping, shaped) == order(mapping, whole))
        #expect(try order(mapping, shaped).contains(#""grand_total":"223.77""#))
    }

    @Test func aMappingThatReadsTheWholeRecordGetsItWhole() throws {
        let mapping = try compile(Self.ndjsonMapping.replacingOccurrences(
            of: "customer: { name: { join: [buyer.first_name, buyer.last_name] } }", with: "customer: { name: { string: . } }"))
        #expect(mapping.recordShape.whole)
        let list = try compile(Self.ndjsonMapping.replacingOccurrences(of: "title: item.title", with: "title: { string: . }"))
        #expect(list.recordShape.member("order_items")?.whole == true)
        #expect(list.recordShape.member("payments") == nil)
    }

    @Test func csvColumnsTheMappingNeverReadsAreNotDecoded() throws {
        let mapping = try compile(Self.csvMapping)
        let csv = "Name,Notes,Created at,Currency,Lineitem sku,Lineitem quantity,Lineitem price\n"
            + "#1,\"gift, wrap it\",2026-11-05 23:06:43 +0100,EUR,P1,2,9.95\n#1,,2026-11-05 23:06:43 +0100,EUR,P2,1,5.00\n"
        let shaped = try read(csv, name: "o.csv", options: mapping.reader, shape: mapping.recordShape)
        let whole = try read(csv, name: "o.csv", options: mapping.reader, shape: .everything)
        #expect(shaped.first?.value["Notes"] == .null)
        #expect(shaped.first?.value["Lineitem sku"] == .string("P1"))
        #expect(shaped.last?.value["Notes"] == .string(""), "an empty field stays empty text")
        #expect(try order(mapping, shaped) == order(mapping, whole))
    }

    @Test func aBadByteInAColumnTheMappingNeverReadsStillRefusesTheFileWhereItIs() throws {
        let mapping = try compile(Self.csvMapping)
        let csv = "Name,Notes,Created at,Currency,Lineitem sku,Lineitem quantity,Lineitem price\n"
            + "#1,caf\u{E9},2026-11-05 23:06:43 +0100,EUR,P1,2,9.95\n"
        var bytes = Array(csv.utf8)
        // "é" as Latin-1: one byte 0xE9 where UTF-8 has two.
        if let at = bytes.firstIndex(of: 0xC3) { bytes.replaceSubrange(at...(at + 1), with: [0xE9]) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("o.csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try RecordReaders.open(path: path, fileName: "o.csv", options: mapping.reader, reading: mapping.recordShape)
        #expect(mapping.recordShape.member("Notes") == nil)
        do {
            _ = try reader.next()
            Issue.record("a byte that is not UTF-8 was read")
        } catch let error as MuelleError {
            #expect(error.code == .encoding)
            #expect(error.position == InputPosition(file: "o.csv", record: 1, line: 2, column: 7, field: "Notes"))
        }
    }
}
