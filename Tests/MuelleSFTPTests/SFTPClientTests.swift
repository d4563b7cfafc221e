import Foundation
import Glibc
import MuelleCore
@testable import MuelleSFTP
import Testing

/// The client against a real OpenSSH server on loopback: transfers byte for byte, and each way a connection
/// is refused, with the message a merchant would read.
@Suite(.serialized, .enabled(if: TestAccounts.available, "needs root: runs a real sshd with throwaway accounts"))
struct SFTPClientTests {
    @Test func listDownloadUploadRoundTripKeepsEveryByte() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        try makeFile(server.dataFolder + "/catalogue.xml", size: 3_000_017, seed: 7)
        try write(server.dataFolder + "/empty.csv", "")
        try FileManager.default.createDirectory(atPath: server.dataFolder + "/sub", withIntermediateDirectories: false)
        try makeFile(local.child("orders.ndjson"), size: 5_242_881, seed: 9)
        let data = server.dataFolder

        let listing = try await server.client().withConnection { connection throws(MuelleError) in
            // Blocking libssh2 work runs on the client's own queue, never on the cooperative pool.
            #expect(SFTPClient.isOnClientQueue)
            let before = try connection.list(data)
            try connection.download(data + "/catalogue.xml", to: local.child("catalogue.xml"))
            try connection.download(data + "/empty.csv", to: local.child("empty.csv"))
            try connection.upload(local.child("orders.ndjson"), to: data + "/orders.ndjson")
            return before
        }

        let byName = Dictionary(uniqueKeysWithValues: listing.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["catalogue.xml", "empty.csv", "sub"])
        #expect(byName["catalogue.xml"]?.size == 3_000_017)
        #expect(byName["catalogue.xml"]?.kind == .regular)
        #expect(byName["sub"]?.kind == .folder)
        // Seconds since 1970, as written moments ago (a machine loaded by other suites can take minutes here).
        #expect(abs((byName["catalogue.xml"]?.modificationTime ?? 0) - Int64(Date().timeIntervalSince1970)) < 900)
        #expect(sameBytes(local.child("catalogue.xml"), data + "/catalogue.xml"))
        #expect(contents(local.child("empty.csv")) == Data())
        #expect(sameBytes(local.child("orders.ndjson"), data + "/orders.ndjson"))
        #expect(names(in: data) == ["catalogue.xml", "empty.csv", "orders.ndjson", "sub"], "no temporary name left")
    }

    @Test func renameRemoveAndMakeFolder() async throws {
        let server = try TestSSHServer()
        try server.start()
        try write(server.dataFolder + "/a.csv", "id\n1\n")
        let data = server.dataFolder
        try await server.client().withConnection { connection throws(MuelleError) in
            try connection.makeFolder(data + "/done")
            try connection.makeFolderIfMissing(data + "/done")
            try connection.rename(data + "/a.csv", to: data + "/done/a.csv")
            #expect(try connection.attributes(of: data + "/a.csv") == nil)
            #expect(try connection.attributes(of: data + "/done/a.csv")?.size == 5)
            try connection.remove(data + "/done/a.csv")
        }
        #expect(names(in: data + "/done") == [])
    }

    @Test func passwordFromTheEnvironmentOrAFileLogsIn() async throws {
        let server = try TestSSHServer()
        try server.start()
        let secrets = try TemporaryFolder()
        try write(secrets.child("password"), try TestAccounts.prepared.get() + "\n")
        for reference in [SecretReference.environment(TestAccounts.passwordVariable), .file(secrets.child("password"))] {
            var endpoint = server.endpoint
            endpoint.credential = .password(reference)
            let folder = server.dataFolder
            let listed = try await server.client(endpoint).withConnection { connection throws(MuelleError) in
                try connection.list(folder).count
            }
            #expect(listed == 0)
        }
    }

    @Test func wrongPasswordIsAnAuthenticationErrorThatNeverShowsThePassword() async throws {
        let server = try TestSSHServer()
        try server.start()
        setenv("MUELLE_SFTP_TEST_WRONG_PASSWORD", "Wr0ng-Pa55word", 1)
        var endpoint = server.endpoint
        endpoint.credential = .password(.environment("MUELLE_SFTP_TEST_WRONG_PASSWORD"))

        let error = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpAuthentication)
        #expect(error.message.contains("refused to log in muelle-sftp-test"))
        #expect(error.message.contains("env:MUELLE_SFTP_TEST_WRONG_PASSWORD"))
        #expect(!error.message.contains("Wr0ng-Pa55word"))
        #expect(!"\(endpoint)".contains("Wr0ng") && !"\(endpoint.credential)".contains("Wr0ng"))
    }

    @Test func keyTheServerDoesNotKnowIsAnAuthenticationError() async throws {
        let server = try TestSSHServer()
        try server.start()
        let keys = try TemporaryFolder()
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keys.child("stranger")])
        var endpoint = server.endpoint
        endpoint.credential = .privateKey(path: keys.child("stranger"), passphrase: nil)

        let error = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpAuthentication)
        #expect(error.message.contains("publickey"), "names the methods the server accepts: \(error.message)")
    }

    @Test func missingSecretOrKeyFileSaysWhichReference() async throws {
        let server = try TestSSHServer()
        try server.start()
        var endpoint = server.endpoint
        endpoint.credential = .password(.environment("MUELLE_SFTP_TEST_UNSET_VARIABLE"))
        let unset = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(unset.code == .sftpCredential)
        #expect(unset.message.contains("MUELLE_SFTP_TEST_UNSET_VARIABLE is not set"))

        endpoint.credential = .privateKey(path: "/nonexistent/id_ed25519", passphrase: nil)
        let missing = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(missing.code == .sftpCredential)
        #expect(missing.message.contains("/nonexistent/id_ed25519"))
    }

    @Test func changedHostKeyRefusesAndShowsBothFingerprints() async throws {
        let server = try TestSSHServer()
        try server.start()
        let keys = try TemporaryFolder()
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keys.child("other")])
        let other = try run("/usr/bin/ssh-keygen", ["-lf", keys.child("other.pub")]).split(separator: " ")[1]
        var endpoint = server.endpoint
        endpoint.hostKey = String(other)

        let error = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpHostKeyChanged)
        #expect(error.message.contains("offered the ED25519 key \(server.hostKeyFingerprint)"))
        #expect(error.message.contains("but \(other) is pinned"))
        #expect(error.message.contains("host_key"))
        #expect(!server.logText.contains("Accepted"), "nothing was sent to an unverified server")
    }

    @Test func unknownHostKeyRefusesAndShowsTheFingerprintToPin() async throws {
        let server = try TestSSHServer()
        try server.start()
        var endpoint = server.endpoint
        endpoint.hostKey = nil
        let error = try await #require(throws: MuelleError.self) {
            try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpHostKeyUnknown)
        #expect(error.message.contains("host_key: \"\(server.hostKeyFingerprint)\""))

        // Pinned the way people paste it: padded, with spaces around.
        endpoint.hostKey = "  \(server.hostKeyFingerprint)=\n"
        try await server.client(endpoint).withConnection { _ throws(MuelleError) in }
    }

    @Test func missingFolderAndMissingFileAreNotFound() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        let data = server.dataFolder
        let folderError = try await #require(throws: MuelleError.self) {
            try await server.client().withConnection { connection throws(MuelleError) in
                _ = try connection.list(data + "/no-such-folder")
            }
        }
        #expect(folderError.code == .sftpNotFound)
        #expect(folderError.message.contains("the folder \"\(data)/no-such-folder\" does not exist"))

        let fileError = try await #require(throws: MuelleError.self) {
            try await server.client().withConnection { connection throws(MuelleError) in
                try connection.download(data + "/gone.csv", to: local.child(".gone.part"))
            }
        }
        #expect(fileError.code == .sftpNotFound)
        #expect(names(in: local.path) == [], "no local file for a download that never started")
    }

    @Test func foldersTheAccountMayNotUseArePermissionDenied() async throws {
        let server = try TestSSHServer()
        try server.start()
        let data = server.dataFolder
        try TestSSHServer.makeFolder(data + "/locked", owner: "root", mode: 0o000)
        try TestSSHServer.makeFolder(data + "/readonly", owner: "root", mode: 0o755)
        let local = try TemporaryFolder()
        try write(local.child("x.csv"), "x\n")

        let listError = try await #require(throws: MuelleError.self) {
            try await server.client().withConnection { connection throws(MuelleError) in
                _ = try connection.list(data + "/locked")
            }
        }
        #expect(listError.code == .sftpPermissionDenied)
        #expect(listError.message.contains("muelle-sftp-test may not list the folder \"\(data)/locked\""))

        let uploadError = try await #require(throws: MuelleError.self) {
            try await server.client().withConnection { connection throws(MuelleError) in
                try connection.upload(local.child("x.csv"), to: data + "/readonly/x.csv")
            }
        }
        #expect(uploadError.code == .sftpPermissionDenied)
    }

    @Test func refusedConnectionIsAConnectionError() async throws {
        let server = try TestSSHServer()
        // Never started: nothing listens on the port.
        let error = try await #require(throws: MuelleError.self) {
            try await server.client().withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpConnection)
        #expect(error.message.contains("refused the connection"))
        #expect(error.isTransientSFTPFailure)
    }

    @Test func serverThatNeverSpeaksTimesOut() async throws {
        // A socket that accepts connections (the kernel's backlog does) but never sends an SSH banner.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(silent, $0, length) == 0 && getsockname(silent, $0, &length) == 0 && listen(silent, 4) == 0
            }
        }
        try #require(listening)
        let endpoint = SFTPEndpoint(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), user: "x",
                                    credential: .password(.environment("UNUSED")), hostKey: nil, timeout: .seconds(1))
        let started = ContinuousClock.now
        let error = try await #require(throws: MuelleError.self) {
            try await SFTPClient(endpoint: endpoint).withConnection { _ throws(MuelleError) in }
        }
        #expect(error.code == .sftpTimeout)
        #expect(error.message.contains("did not complete the SSH handshake within 1.0 seconds"))
        // Without the timeout the silent server holds it forever; the slack is for a test process whose cooperative
        // pool other suites keep busy (its resumption, not the handshake, has been seen to take over 30 s).
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func cancellingTheTaskInterruptsATransferAtOnce() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        try makeFile(server.dataFolder + "/big.csv", size: 256 << 20, seed: 13)
        let remote = server.dataFolder + "/big.csv"
        let target = local.child(".big.csv.part")
        let client = server.client()
        let transfer = Task {
            try await client.withConnection { connection throws(MuelleError) in
                try connection.download(remote, to: target)
            }
        }
        #expect(await eventually { (fileSize(target) ?? 0) > 4 << 20 })
        let cancelled = ContinuousClock.now
        transfer.cancel()
        let result = await transfer.result
        // The error's code, not this bound, tells a cancelled transfer from one that ran to its end.
        #expect(ContinuousClock.now - cancelled < .seconds(60))
        #expect(throws: MuelleError.self) { try result.get() }
        if case .failure(let error as MuelleError) = result { #expect(error.code == .sftpCancelled) }
        #expect(names(in: local.path) == [], "the partial download was deleted")
    }

    @Test func connectionUsedAfterItsScopeThrowsInsteadOfCrashing() async throws {
        let server = try TestSSHServer()
        try server.start()
        let escaped = try await server.client().withConnection { connection throws(MuelleError) in
            Escaped(connection: connection)
        }
        #expect(throws: MuelleError.self) { try escaped.connection.list("/") }
    }
}

/// Smuggles a connection out of its scope, which the API is designed to make useless.
private struct Escaped: @unchecked Sendable {
    let connection: SFTPConnection
}
