import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleLedger
import MuelleMapping
import Testing

/// The processor on its own, where a test can reach into the middle of a file's processing.
@Suite struct FileProcessorTests {
    static let spanishERPMapping = """
        # A Spanish ERP's order export: Windows-1252, ';' separated, decimal commas.
        route: { kind: orders, platform: erp, account: tienda, timezone: Europe/Madrid }
        reader: { format: csv, delimiter: ";", encoding: windows-1252 }
        fields:
          external_id: Pedido
          created_at: { datetime: Fecha, format: "dd/MM/yyyy HH:mm" }
          status: { map: Estado, table: { Pagado: ready_to_ship, Pendiente: pending_payment } }
          currency: { const: EUR }
          customer: { name: Cliente }
          lines:
            each: rows
            fields:
              product_key: Referencia
              title: Artículo
              quantity: { integer: Unidades }
              unit_price: { decimal: Precio, decimal_separator: ",", thousands_separator: "." }
        """

    func workspace() throws -> (Workspace, FileProcessor, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-fp-\(UUID().uuidString)").path
        let workspace = Workspace(root: root)
        for folder in ["mappings", "inbox/erp", "outbox/orders", "outbox/order-updates", "outbox/reports", ".muelle/staging", "archive", "quarantine"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let ledger = try Ledger.open(path: workspace.ledgerPath)
        return (workspace, FileProcessor(workspace: workspace, ledger: ledger, logger: Logger(label: "test")), root)
    }

    @Test func windows1252SemicolonExportWithDecimalCommas() throws {
        let (_, processor, root) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mapping = try MappingLoader.compile(yaml: Self.spanishERPMapping, route: "erp", file: "mappings/erp.yaml")
        let text = "Pedido;Fecha;Estado;Cliente;Referencia;Artículo;Unidades;Precio\r\nV-77;03/11/2026 18:05;Pagado;\"Muñoz; Íñigo\";CAF-01;Café “Señor” €;2;1.234,50\r\n"
        let bytes = try #require(text.data(using: .windowsCP1252))
        let path = root + "/inbox/erp/pedidos.csv"
        try bytes.write(to: URL(fileURLWithPath: path))

        let outcome = try processor.process(path: path, name: "pedidos.csv", mapping: mapping)
        #expect(outcome.state == .processed)
        let output = try String(contentsOfFile: root + "/outbox/orders/" + (FileManager.default.contentsOfDirectory(atPath: root + "/outbox/orders").first ?? ""), encoding: .utf8)
        #expect(output.contains(#""name":"Muñoz; Íñigo""#))
        #expect(output.contains(#""title":"Café “Señor” €""#))
        #expect(output.contains(#""unit_price":"1234.50","total":"2469.00""#))
        #expect(output.contains(#""created_at":"2026-11-03T18:05:00+01:00""#))
    }

    @Test func aFileThatVanishesMidReadEmitsNothingAndIsNotRecorded() throws {
        let (_, processor, root) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mapping = try MappingLoader.compile(yaml: Self.spanishERPMapping.replacingOccurrences(of: "windows-1252", with: "utf-8"), route: "erp", file: "mappings/erp.yaml")
        var text = "Pedido;Fecha;Estado;Cliente;Referencia;Artículo;Unidades;Precio\n"
        for i in 0..<5000 { text += "V-\(i);03/11/2026 18:05;Pagado;Ana;R\(i);Té;1;2,00\n" }
        let path = root + "/inbox/erp/big.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        #expect {
            _ = try processor.process(path: path, name: "big.csv", mapping: mapping) { records, _ in
                if records == 1024 { try? FileManager.default.removeItem(atPath: path) }
            }
        } throws: { error in
            (error as? MuelleError)?.message.contains("changed or vanished while it was being read") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/outbox/orders").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/outbox/reports").isEmpty)
        #expect(try Ledger.open(path: root + "/.muelle/ledger.sqlite").inputs().isEmpty)
    }

    @Test func aFileRewrittenMidReadIsNotCommitted() throws {
        let (_, processor, root) = try workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mapping = try MappingLoader.compile(yaml: Self.spanishERPMapping.replacingOccurrences(of: "windows-1252", with: "utf-8"), route: "erp", file: "mappings/erp.yaml")
        var text = "Pedido;Fecha;Estado;Cliente;Referencia;Artículo;Unidades;Precio\n"
        for i in 0..<5000 { text += "V-\(i);03/11/2026 18:05;Pagado;Ana;R\(i);Té;1;2,00\n" }
        let path = root + "/inbox/erp/growing.csv"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        // The writer is another thread, as it would be another process: its open(2) waits on muelle's
        // claim, which notices it, gives up the file and lets it go on.
        let appended = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        #expect {
            _ = try processor.process(path: path, name: "growing.csv", mapping: mapping) { records, _ in
                guard records == 1024 else { return }
                Thread {
                    if let handle = FileHandle(forWritingAtPath: path) {
                        handle.seekToEndOfFile()
                        handle.write(Data("V-9999;03/11/2026 18:05;Pagado;Ana;R;Té;1;2,00\n".utf8))
                        try? handle.close()
                    }
                    appended.signal()
                }.start()
            }
        } throws: { error in
            (error as? FileHeld)?.reason.code == .inUse
        }
        appended.wait()
        #expect(ContinuousClock.now - started < .seconds(30), "the writer was let go, not held for the kernel's lease-break time")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/outbox/orders").isEmpty)
        #expect(FileManager.default.fileExists(atPath: path), "the file stays in the inbox to be taken again")
    }
}
