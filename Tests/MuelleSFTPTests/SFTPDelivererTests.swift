import Foundation
import MuelleCore
@testable import MuelleSFTP
import Testing

/// Delivering files to a partner's folder against a real sshd: hidden until complete, once, and patient
/// with a server that is down.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct SFTPDelivererTests {
    @Test func uploadsUnderAHiddenTemporaryNameThenRenamesAndDeliversOnce() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        let size = 64 << 20
        try makeFile(local.child("shipments.ndjson"), size: size, seed: 11)
        let outbox = server.dataFolder + "/outbox"
        try TestSSHServer.makeFolder(outbox, owner: TestAccounts.user)
        let store = InMemoryDeliveredStore()
        let deliverer = SFTPDeliverer(client: server.client(), remoteFolder: outbox, delivered: store)

        // The partner's side, polling its folder during the upload.
        let seenNames = Shared<Set<String>>([])
        let partial = Shared<[Int64]>([])
        let partner = Watcher {
            for name in names(in: outbox) {
                seenNames.update { _ = $0.insert(name) }
                if name == "shipments.ndjson", let now = fileSize(outbox + "/" + name), now != Int64(size) {
                    partial.update { $0.append(now) }
                }
            }
        }
        let first = try await deliverer.deliver(local.child("shipments.ndjson"))
        await partner.stop()

        let delivery = SFTPDelivery(destination: deliverer.destination, name: "shipments.ndjson", size: Int64(size))
        #expect(first == .delivered(delivery, attempts: 1))
        #expect(partial.current == [], "the final name never showed a partial file")
        #expect(seenNames.current.contains(".shipments.ndjson.part"), "uploaded under the temporary name")
        #expect(seenNames.current.allSatisfy { $0 == "shipments.ndjson" || $0 == ".shipments.ndjson.part" })
        #expect(names(in: outbox) == ["shipments.ndjson"])
        #expect(sameBytes(outbox + "/shipments.ndjson", local.child("shipments.ndjson")))

        let inode = try FileManager.default.attributesOfItem(atPath: outbox + "/shipments.ndjson")[.systemFileNumber]
        let second = try await deliverer.deliver(local.child("shipments.ndjson"))
        #expect(second == .alreadyDelivered(delivery))
        let inodeAfter = try FileManager.default.attributesOfItem(atPath: outbox + "/shipments.ndjson")[.systemFileNumber]
        #expect("\(inode ?? 0)" == "\(inodeAfter ?? 1)", "not uploaded again")
        #expect(store.count == 1)
    }

    @Test func redeliveryUnderTheSameNameReplacesTheOldFile() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        let outbox = server.dataFolder
        try write(outbox + "/labels.csv", "old\n")
        try write(local.child("labels.csv"), "new, longer\n")
        let deliverer = SFTPDeliverer(client: server.client(), remoteFolder: outbox, delivered: InMemoryDeliveredStore())
        _ = try await deliverer.deliver(local.child("labels.csv"))
        #expect(contents(outbox + "/labels.csv") == Data("new, longer\n".utf8))
        #expect(names(in: outbox) == ["labels.csv"])
    }

    @Test func retriesWithBackoffWhileTheServerIsDownThenDelivers() async throws {
        let server = try TestSSHServer()
        let local = try TemporaryFolder()
        try write(local.child("manifest.csv"), "parcel\n1\n")
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.7)
            try? server.start()
        }
        let waits = Shared<[Duration]>([])
        let deliverer = SFTPDeliverer(
            client: server.client(), remoteFolder: server.dataFolder, delivered: InMemoryDeliveredStore(),
            backoff: Backoff(initialDelay: .milliseconds(150), multiplier: 2, maximumDelay: .seconds(1),
                             maximumAttempts: 12, jitter: 0),
            sleep: { delay in
                waits.update { $0.append(delay) }
                try await Task.sleep(for: delay)
            })
        let outcome = try await deliverer.deliver(local.child("manifest.csv"))
        guard case .delivered(_, let attempts) = outcome else {
            Issue.record("not delivered: \(outcome)")
            return
        }
        #expect(attempts > 1)
        #expect(waits.current.count == attempts - 1)
        #expect(waits.current.prefix(3) == [.milliseconds(150), .milliseconds(300), .milliseconds(600)].prefix(waits.current.count))
        #expect(contents(server.dataFolder + "/manifest.csv") == Data("parcel\n1\n".utf8))
    }

    @Test func givesUpAfterTheLastAttemptWithTheConnectionError() async throws {
        let server = try TestSSHServer()
        let local = try TemporaryFolder()
        try write(local.child("manifest.csv"), "parcel\n1\n")
        let waits = Shared<[Duration]>([])
        let deliverer = SFTPDeliverer(
            client: server.client(), remoteFolder: server.dataFolder, delivered: InMemoryDeliveredStore(),
            backoff: Backoff(initialDelay: .seconds(1), multiplier: 3, maximumDelay: .seconds(5), maximumAttempts: 4, jitter: 0),
            sleep: { delay in waits.update { $0.append(delay) } })
        let error = try await #require(throws: MuelleError.self) {
            try await deliverer.deliver(local.child("manifest.csv"))
        }
        #expect(error.code == .sftpConnection)
        #expect(error.message.contains("refused the connection"))
        #expect(waits.current == [.seconds(1), .seconds(3), .seconds(5)])
    }

    @Test func authenticationFailureIsNotRetried() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        try write(local.child("manifest.csv"), "parcel\n1\n")
        setenv("MUELLE_SFTP_TEST_WRONG_PASSWORD", "Wr0ng-Pa55word", 1)
        var endpoint = server.endpoint
        endpoint.credential = .password(.environment("MUELLE_SFTP_TEST_WRONG_PASSWORD"))
        let waits = Shared<Int>(0)
        let deliverer = SFTPDeliverer(client: server.client(endpoint), remoteFolder: server.dataFolder,
                                      delivered: InMemoryDeliveredStore(), sleep: { _ in waits.update { $0 += 1 } })
        let error = try await #require(throws: MuelleError.self) {
            try await deliverer.deliver(local.child("manifest.csv"))
        }
        #expect(error.code == .sftpAuthentication)
        #expect(waits.current == 0)
    }
}
