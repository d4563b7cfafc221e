import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleLedger
import MuelleLedgerPostgres
import MuelleSFTP
import PostgresTestCluster
import Testing

/// Pulls and deliveries with a PostgreSQL ledger shared by several workers: while another worker holds the
/// work, `run --once` leaves it to that worker; once that worker lets go or its session is killed, it does it.
/// Two `muelle run` on one workspace still exclude each other (run.lock), so the other worker here is a ledger
/// session of the test's own, standing for a worker in the middle of that work.
@Suite(.serialized, .enabled(if: TestAccounts.available && PostgresCluster.enabled, "needs root (a real sshd) and a PostgreSQL server"))
struct OnceOnlyWorkTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A PostgreSQL ledger for the workspace, and a second session on it: the other worker.
    static func sharedLedger() throws -> (address: PostgresAddress, database: String, other: PostgresLedger, cluster: PostgresCluster) {
        let cluster = try PostgresCluster.started()
        setenv(PostgresCluster.passwordVariable, cluster.password, 1)
        let database = try cluster.database()
        let address = try PostgresAddress(parsing: database.url)
        return (address, database.name, try PostgresLedger.open(address, environment: cluster.environment), cluster)
    }

    @Test func aPullHeldByAnotherWorkerIsLeftToItAndTakenOverWhenItsSessionIsKilled() async throws {
        let server = try TestSSHServer()
        try server.start()
        defer { server.stop() }
        try TestSSHServer.makeFolder(server.dataFolder + "/feed", owner: TestAccounts.user)
        let page = try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json"))
        try page.write(to: URL(fileURLWithPath: server.dataFolder + "/feed/page-1.json"))
        let root = try TemporaryFolder()
        let mapping = try String(contentsOfFile: Self.repository + "/mappings/mercadolibre-orders.yaml", encoding: .utf8)
        let source = server.mappingSetting("source", folder: server.dataFolder + "/feed",
                                           extra: ["pattern: \"*.json\"", "every: 5 minutes", "after_download: leave"]) + "\n"
        try FileManager.default.createDirectory(atPath: root.child("mappings"), withIntermediateDirectories: true)
        try (source + mapping).write(toFile: root.child("mappings/ml-feed.yaml"), atomically: true, encoding: .utf8)
        let workspace = Workspace(root: root.path)
        let (address, database, other, cluster) = try Self.sharedLedger()
        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"), ledger: address)
        var options = RunOptions()
        options.quietPeriod = .milliseconds(10)

        let held = try #require(try other.holdExclusiveWork("sftp-pull:ml-feed"))
        let whileHeld = await runner.runOnce(options: options)
        #expect(whileHeld.processed == 0 && whileHeld.failures.isEmpty, "\(whileHeld.failures)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.inbox(route: "ml-feed")).filter { !$0.hasPrefix(".") }.isEmpty,
                "nothing pulled while the other worker holds the pull")

        // The other worker's session ends (killed): the server frees the pull, and this worker takes it.
        _ = cluster.psql(database, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        for _ in 0..<500 {
            if cluster.psql(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").output.hasPrefix("0") { break }
            usleep(10_000)
        }
        #expect(!held.isHeld)
        let afterwards = await runner.runOnce(options: options)
        #expect(afterwards.processed == 1, "\(afterwards.failures)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.outbox("orders")).count == 1)
    }

    @Test func deliveriesHeldByAnotherWorkerStayPendingUntilItLetsGoThenGoOnce() async throws {
        let server = try TestSSHServer()
        try server.start()
        defer { server.stop() }
        let inbound = server.dataFolder + "/orders-in"
        try TestSSHServer.makeFolder(inbound, owner: TestAccounts.user)
        let root = try server.workspaceDelivering(into: inbound)
        let workspace = Workspace(root: root.path)
        let (address, _, other, _) = try Self.sharedLedger()
        let runner = try Runner(workspace: workspace, logger: Logger(label: "test"), ledger: address)
        try FileManager.default.createDirectory(atPath: workspace.inbox(route: "mercadolibre-orders"), withIntermediateDirectories: true)
        let dropped = workspace.inbox(route: "mercadolibre-orders") + "/page.json"
        try FileManager.default.copyItem(atPath: Self.repository + "/examples/inbox/mercadolibre-orders/orders_search_2026-11-03.json", toPath: dropped)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: dropped)

        let held = try #require(try other.holdExclusiveWork("deliveries"))
        let first = await runner.runOnce()
        #expect(first.processed == 1 && first.pendingDeliveries == 1, "the file waits for the worker that holds the deliveries")
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound).isEmpty)

        held.release()
        let second = await runner.runOnce()
        #expect(second.pendingDeliveries == 0)
        let local = try FileManager.default.contentsOfDirectory(atPath: workspace.outbox("orders"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound) == local)
        try FileManager.default.removeItem(atPath: inbound + "/" + local[0])
        _ = await runner.runOnce()
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbound).isEmpty, "delivered once")
    }
}
