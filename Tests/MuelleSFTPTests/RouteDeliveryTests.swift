import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleSFTP
import Testing

/// A route whose partner file (`output:`) is delivered to the partner's SFTP server: after each run,
/// pending while the server is down, delivered when it is back.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct RouteDeliveryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let header = "SKU,Barcode,Price,Active,Quantity,Vendors,Exclude\r\n"

    func drop(_ workspace: Workspace, _ name: String, _ text: String) throws {
        let path = workspace.inbox(route: "deliveryapp-catalogue") + "/" + name
        try FileManager.default.createDirectory(atPath: workspace.inbox(route: "deliveryapp-catalogue"), withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: path)
    }

    @Test func thePartnerFileReachesThePartnersServerAndWaitsWhileItIsDown() async throws {
        let server = try TestSSHServer()
        try server.start()
        let inbound = server.dataFolder + "/inbound"
        try TestSSHServer.makeFolder(inbound, owner: TestAccounts.user)
        let root = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: root.child("mappings"), withIntermediateDirectories: true)
        // Under the mapping's `output:` section: the partner file goes to the partner's server.
        let mapping = try String(contentsOfFile: Self.repository + "/mappings/deliveryapp-catalogue.yaml", encoding: .utf8)
            + server.mappingSetting("deliver", folder: inbound, indent: 2)
        try mapping.write(toFile: root.child("mappings/deliveryapp-catalogue.yaml"), atomically: true, encoding: .utf8)
        let workspace = Workspace(root: root.path)
        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"))

        try drop(workspace, "catalogue_1042.csv", Self.header + "A,1,10.00,true,5,1042,false\r\n")
        let first = await runner.runOnce()
        #expect(first.processed == 1 && first.pendingDeliveries == 0)
        let local = try String(contentsOfFile: workspace.outbox("partner") + "/catalogue_1042.csv", encoding: .utf8)
        #expect(try String(contentsOfFile: inbound + "/catalogue_1042.csv", encoding: .utf8) == local)

        // The partner's server is down: the new version waits, and the status card says so.
        server.stop()
        try drop(workspace, "catalogue_1042 (2).csv", Self.header + "A,1,12.00,true,5,1042,false\r\n")
        let second = await runner.runOnce()
        #expect(second.processed == 1 && second.exitCode == 0)
        #expect(second.pendingDeliveries == 1)
        let cards = try StatusCards.cards(workspace: workspace, catalog: runner.catalog.snapshot)
        #expect(cards.first?.pendingDeliveries == 1)

        // Back up: the next run delivers it, once.
        try server.start()
        let third = await runner.runOnce()
        #expect(third.pendingDeliveries == 0)
        #expect(try String(contentsOfFile: inbound + "/catalogue_1042.csv", encoding: .utf8).contains("A,1,12.00,true,5,1042,false"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound) == ["catalogue_1042.csv"], "no temporary name left behind")
        server.stop()
    }

    @Test func aRoutesOwnOutboxFilesAreDeliveredOnce() async throws {
        let server = try TestSSHServer()
        try server.start()
        let inbound = server.dataFolder + "/orders-in"
        try TestSSHServer.makeFolder(inbound, owner: TestAccounts.user)
        let root = try server.workspaceDelivering(into: inbound)
        let workspace = Workspace(root: root.path)
        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"))
        let page = Self.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json"
        try FileManager.default.createDirectory(atPath: workspace.inbox(route: "mercadolibre-orders"), withIntermediateDirectories: true)
        let dropped = workspace.inbox(route: "mercadolibre-orders") + "/page.json"
        try FileManager.default.copyItem(atPath: page, toPath: dropped)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: dropped)

        let run = await runner.runOnce()
        #expect(run.processed == 1 && run.pendingDeliveries == 0)
        let local = try FileManager.default.contentsOfDirectory(atPath: workspace.outbox("orders"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound) == local)
        #expect(try Data(contentsOf: URL(fileURLWithPath: inbound + "/" + local[0])) == Data(contentsOf: URL(fileURLWithPath: workspace.outbox("orders") + "/" + local[0])))
        // Delivered means delivered: the next run sends nothing again.
        try FileManager.default.removeItem(atPath: inbound + "/" + local[0])
        _ = await runner.runOnce()
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound).isEmpty)
        server.stop()
    }
}
