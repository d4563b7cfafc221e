import Foundation
import MuelleCore
import MuelleMapping
import Testing
@testable import MuelleEngine

/// Orders staged from their typed form (straight to JSON bytes) are byte for byte what staging them
/// through `Value`s writes: the same outbox lines, fingerprints and field digests, for every example
/// mapping and the bench's mappings.
@Suite struct TypedRecordTests {
    static let repository = Workbench.repository

    /// Every example drop with its route's mapping, the bench's Shopify import mapping on the Shopify
    /// export, and the bench's NDJSON mapping on the Mercado Libre orders one per line.
    static func inputs() throws -> [(mapping: String, input: String)] {
        var inputs: [(String, String)] = []
        let fm = FileManager.default
        for folder in ["examples/inbox", "examples/later"] {
            for route in try fm.contentsOfDirectory(atPath: repository + "/" + folder).sorted() {
                let mapping = repository + "/mappings/\(route).yaml"
                guard fm.fileExists(atPath: mapping) else { continue }
                for file in try fm.contentsOfDirectory(atPath: repository + "/\(folder)/\(route)").sorted() where !file.hasPrefix(".") {
                    inputs.append((mapping, repository + "/\(folder)/\(route)/\(file)"))
                }
            }
        }
        inputs.append((repository + "/bench/mappings/shopify-orders-import.yaml", repository + "/examples/inbox/shopify-orders/orders_export_1.csv"))
        // The NDJSON the bench reads: the example's orders, one object per line.
        let search = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json")))
        let results = (search as? [String: Any])?["results"] as? [Any] ?? []
        let lines = try results.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let ndjson = FileManager.default.temporaryDirectory.path + "/muelle-typed-\(UUID().uuidString).ndjson"
        try (lines.joined(separator: "\n") + "\n").write(toFile: ndjson, atomically: true, encoding: .utf8)
        inputs.append((repository + "/bench/mappings/ml-ndjson-orders.yaml", ndjson))
        return inputs
    }

    /// The staged orders and their index, written one way.
    private func stage(_ mapping: RouteMapping, _ input: String, typed: Bool) throws -> (orders: Data, index: Data, typedOrders: Int, summary: MappingSummary) {
        let folder = FileManager.default.temporaryDirectory.path + "/muelle-typed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let staged = try StagedOrders(directory: folder)
        var typedOrders = 0
        let name = (input as NSString).lastPathComponent
        let summary = FileMapper(mapping: mapping).run(path: input, fileName: name, sha256: "0123abcd", contract: .inline(typed: typed)) { item in
            guard case .record(let record, let selected) = item else { return }
            if case .order = record { typedOrders += 1 }
            try staged.append(record, selected: selected)
        }
        try staged.sync()
        return (try Data(contentsOf: URL(fileURLWithPath: staged.ordersPath)), try Data(contentsOf: URL(fileURLWithPath: staged.indexPath)), typedOrders, summary)
    }

    @Test func typedOrdersAreStagedByteForByteAsThroughValues() throws {
        var typedOrders = 0
        var routes: [String] = []
        for (path, input) in try Self.inputs() {
            let mapping = try MappingLoader.load(path: path, displayName: "mappings/" + (path as NSString).lastPathComponent)
            let slow = try stage(mapping, input, typed: false)
            let fast = try stage(mapping, input, typed: true)
            #expect(slow.typedOrders == 0)
            #expect(fast.orders == slow.orders, "\(input) with \(path): the outbox lines differ")
            #expect(fast.index == slow.index, "\(input) with \(path): the fingerprints or field digests differ")
            #expect(fast.summary.kept == slow.summary.kept && fast.summary.filtered == slow.summary.filtered)
            #expect(fast.summary.errors.map(\.description) == slow.summary.errors.map(\.description))
            if mapping.kind == .orders {
                #expect(fast.typedOrders == slow.orders.count { $0 == 0x0A }, "\(input): every order goes the typed way")
                typedOrders += fast.typedOrders
                routes.append(mapping.name)
            }
        }
        // The comparison means something: the order routes of the examples and the bench staged orders typed.
        #expect(routes.count >= 9)
        #expect(typedOrders >= 20)
    }

    /// A refused order still names the field, record and line, typed or not.
    @Test func aRefusedOrderNamesItsFieldEitherWay() throws {
        let mapping = try MappingLoader.load(path: Self.repository + "/mappings/shopify-orders.yaml", displayName: "mappings/shopify-orders.yaml")
        var text = try String(contentsOfFile: Self.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        // The first order's currency becomes a word: the contract refuses it.
        let currency = try #require(text.range(of: ",EUR,"))
        text.replaceSubrange(currency, with: ",EUROS,")
        let input = FileManager.default.temporaryDirectory.path + "/muelle-typed-\(UUID().uuidString).csv"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let fast = try stage(mapping, input, typed: true)
        let slow = try stage(mapping, input, typed: false)
        let refusal = try #require(fast.summary.rejections.first)
        #expect(refusal.position.field == "currency")
        #expect(refusal.position.line == 2)
        #expect(fast.summary.rejections.map(\.description) == slow.summary.rejections.map(\.description))
    }
}
