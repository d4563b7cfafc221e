import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleLedger
import MuelleMapping
import Testing

/// Files large enough that their records are staged on the second thread and classified against the
/// ledger in batches: what comes out is what one thread, one order at a time, made.
@Suite struct LargeFileStagingTests {
    /// One row per order (no `group_by`), so one file can name an order twice.
    static let mapping = """
        route: { kind: orders, platform: erp, account: tienda, timezone: Europe/Madrid }
        reader: { format: csv, delimiter: ";" }
        fields:
          external_id: Pedido
          created_at: { datetime: Fecha, format: "dd/MM/yyyy HH:mm" }
          status: { map: Estado, table: { Pagado: ready_to_ship, Enviado: shipped } }
          currency: { const: EUR }
          customer: { name: Cliente }
          lines:
            each: rows
            fields:
              product_key: Referencia
              title: Artículo
              quantity: { integer: Unidades }
              unit_price: { decimal: Precio, decimal_separator: "," }
        """
    static let header = "Pedido;Fecha;Estado;Cliente;Referencia;Artículo;Unidades;Precio\n"

    struct Desk {
        let root: String
        let processor: FileProcessor
        let mapping: RouteMapping

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-staging-\(UUID().uuidString)").path
            let workspace = Workspace(root: root)
            for folder in ["mappings", "inbox/erp", "outbox/orders", "outbox/order-updates", "outbox/reports", ".muelle/staging", "archive", "quarantine"] {
                try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            }
            processor = FileProcessor(workspace: workspace, ledger: try Ledger.open(path: workspace.ledgerPath), logger: Logger(label: "test"))
            mapping = try MappingLoader.compile(yaml: LargeFileStagingTests.mapping, route: "erp", file: "mappings/erp.yaml")
        }

        func take(_ name: String, rows: [String]) throws -> FileOutcome {
            let path = root + "/inbox/erp/" + name
            try (LargeFileStagingTests.header + rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return try processor.process(path: path, name: name, mapping: mapping)
        }

        /// The external ids in one outbox folder's files, line by line.
        func ids(in folder: String, key: String = "external_id") throws -> [String] {
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/outbox/" + folder).sorted()
            return try files.flatMap { file in
                try String(contentsOfFile: root + "/outbox/\(folder)/" + file, encoding: .utf8).split(separator: "\n").map { line in
                    let marker = "\"\(key)\":\""
                    guard let start = line.range(of: marker) else { return "" }
                    return String(line[start.upperBound...].prefix { $0 != "\"" })
                }
            }
        }
    }

    static func row(_ i: Int, status: String = "Pagado", price: String = "2,00") -> String {
        "V-\(i);03/11/2026 18:05;\(status);Ana;R\(i);Té;1;\(price)"
    }

    @Test func thousandsOfOrdersComeOutWholeAndInFileOrderThenChangedOnesAsUpdates() throws {
        let desk = try Desk()
        defer { try? FileManager.default.removeItem(atPath: desk.root) }
        let first = try desk.take("day1.csv", rows: (0..<3000).map { Self.row($0) })
        #expect(first.state == .processed)
        #expect(first.entry.kept == 3000)
        #expect(try desk.ids(in: "orders") == (0..<3000).map { "V-\($0)" })

        // Every third order changed its price: updates, in file order; the others are unchanged.
        let second = try desk.take("day2.csv", rows: (0..<3000).map { Self.row($0, price: $0 % 3 == 0 ? "3,00" : "2,00") })
        #expect(second.state == .processed)
        #expect(second.entry.kept == 0)
        #expect(second.entry.updated == 1000)
        #expect(second.entry.skipped == 2000)
        #expect(try desk.ids(in: "order-updates", key: "order_id") == stride(from: 0, to: 3000, by: 3).map { "erp:tienda:V-\($0)" })
        #expect(try desk.ids(in: "orders").count == 3000)
    }

    @Test func anOrderNamedTwiceInOneLargeFileIsImportedOnceThenUpdated() throws {
        let desk = try Desk()
        defer { try? FileManager.default.removeItem(atPath: desk.root) }
        // V-7 comes again 3 rows later, shipped: within one batch of the ledger's look-ups.
        var rows = (0..<1000).map { Self.row($0) }
        rows.insert(Self.row(7, status: "Enviado"), at: 10)
        let outcome = try desk.take("both.csv", rows: rows)
        #expect(outcome.state == .processed)
        #expect(outcome.entry.kept == 1000)
        #expect(outcome.entry.updated == 1)
        #expect(try desk.ids(in: "orders").filter { $0 == "V-7" }.count == 1)
        #expect(try desk.ids(in: "order-updates", key: "order_id") == ["erp:tienda:V-7"])
    }
}
