import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleSFTP
import Testing

/// A route with an SFTP `source:`: `muelle run --once` fetches the partner's files into the route's inbox
/// and imports them — each remote file once, kept in the ledger across runs.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct RoutePullTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A workspace whose only route fetches its files from `server`; keep `folder` alive while using it.
    func workspace(server: TestSSHServer, hostKey: String? = nil) throws -> (Workspace, TemporaryFolder) {
        let root = try TemporaryFolder()
        let mapping = try String(contentsOfFile: Self.repository + "/mappings/mercadolibre-orders.yaml", encoding: .utf8)
        let source = server.mappingSetting("source", folder: server.dataFolder + "/feed", hostKey: hostKey,
                                           extra: ["pattern: \"*.json\"", "every: 5 minutes", "after_download: leave"]) + "\n"
        try FileManager.default.createDirectory(atPath: root.child("mappings"), withIntermediateDirectories: true)
        try (source + mapping).write(toFile: root.child("mappings/ml-feed.yaml"), atomically: true, encoding: .utf8)
        return (Workspace(root: root.path), root)
    }

    @Test func runOnceFetchesThePartnersFilesAndImportsEachOnce() async throws {
        let server = try TestSSHServer()
        try server.start()
        try TestSSHServer.makeFolder(server.dataFolder + "/feed", owner: TestAccounts.user)
        let page = try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json"))
        try page.write(to: URL(fileURLWithPath: server.dataFolder + "/feed/page-1.json"))
        try Data("ignored".utf8).write(to: URL(fileURLWithPath: server.dataFolder + "/feed/readme.txt"))
        let (workspace, folder) = try workspace(server: server)
        defer { withExtendedLifetime(folder) {} }

        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"))
        var options = RunOptions()
        options.quietPeriod = .milliseconds(10)
        let first = await runner.runOnce(options: options)
        #expect(first.processed == 1, "\(first.failures)")
        let orders = try FileManager.default.contentsOfDirectory(atPath: workspace.outbox("orders"))
        #expect(orders.count == 1)
        #expect(try String(contentsOfFile: workspace.outbox("orders") + "/" + (orders.first ?? ""), encoding: .utf8).contains("mercadolibre:main:2000009876543210"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.archive + "/ml-feed").count == 1)

        // The file is still on the server ("leave"): the ledger remembers it, nothing is fetched again.
        let second = await runner.runOnce(options: options)
        #expect(second.processed == 0 && second.duplicates == 0 && second.failures.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.inbox(route: "ml-feed")).filter { !$0.hasPrefix(".") }.isEmpty)
        server.stop()
    }

    @Test func aChangedHostKeyIsRefusedWithTheOfferedFingerprint() async throws {
        let server = try TestSSHServer()
        try server.start()
        try TestSSHServer.makeFolder(server.dataFolder + "/feed", owner: TestAccounts.user)
        let (workspace, folder) = try workspace(server: server, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        defer { withExtendedLifetime(folder) {} }
        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"))
        let summary = await runner.runOnce()
        #expect(summary.exitCode == 1)
        #expect(summary.failures.contains { $0.contains(server.hostKeyFingerprint) }, "\(summary.failures)")
        server.stop()
    }
}
