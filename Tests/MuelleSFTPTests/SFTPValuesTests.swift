import Foundation
import MuelleCore
import MuelleIntake
@testable import MuelleSFTP
import Testing

/// The pure parts: secret references that never print a secret, fingerprints as OpenSSH writes them, and
/// which remote names a pull takes.
@Suite struct SFTPValuesTests {
    @Test func secretReferencesParseAndPrintOnlyWhereTheSecretLives() throws {
        #expect(try SecretReference(parsing: "env:PARTNER_PASSWORD") == .environment("PARTNER_PASSWORD"))
        #expect(try SecretReference(parsing: "file:/run/secrets/partner") == .file("/run/secrets/partner"))
        #expect("\(SecretReference.environment("X"))" == "env:X")
        #expect("\(SecretReference.file("/k"))" == "file:/k")
        let inline = #expect(throws: MuelleError.self) { try SecretReference(parsing: "hunter2") }
        #expect(inline?.message.contains("hunter2") == false)
    }

    @Test func resolvedSecretsPrintAsARedaction() throws {
        let folder = try TemporaryFolder()
        try write(folder.child("secret"), "s3cret-value\r\n")
        let secret = try SecretReference.file(folder.child("secret")).resolve()
        #expect(secret.reveal() == "s3cret-value")
        #expect("\(secret)" == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("s3cret"))
    }

    @Test func endpointDescriptionsCarryNoSecret() {
        let endpoint = SFTPEndpoint(host: "sftp.partner.example", user: "shop",
                                    credential: .privateKey(path: "/keys/id", passphrase: .environment("KEY_PASS")),
                                    hostKey: nil)
        #expect("\(endpoint)" == "shop@sftp.partner.example:22")
        #expect(endpoint.address == "sftp://shop@sftp.partner.example:22")
        #expect("\(endpoint.credential)" == "private key /keys/id (passphrase from env:KEY_PASS)")
    }

    @Test func fingerprintsAreUnpaddedBase64LikeOpenSSH() throws {
        #expect(HostKeyFingerprint.base64(Array("Man".utf8)) == "TWFu")
        #expect(HostKeyFingerprint.base64(Array("Ma".utf8)) == "TWE")
        #expect(HostKeyFingerprint.base64(Array("M".utf8)) == "TQ")
        #expect(HostKeyFingerprint.base64([0xFB, 0xFF]) == "+/8")
        // A 32-byte digest makes 43 characters, as in `ssh-keygen -lf`.
        #expect(HostKeyFingerprint.sha256([UInt8](repeating: 0, count: 32)) == "SHA256:" + String(repeating: "A", count: 43))
        #expect(try HostKeyFingerprint.normalized(" SHA256:abc= \n") == "SHA256:abc")
        #expect(throws: MuelleError.self) { try HostKeyFingerprint.normalized("MD5:aa:bb:cc") }
    }

    @Test func pullTakesRegularMatchingFinishedFilesOldestFirst() {
        let run = PullRun(source: SFTPPullSource(remoteFolder: "/feed", pattern: "*.csv", afterDownload: .leave,
                                                 inboxFolder: "/tmp/x"),
                          sourceKey: "sftp://a@b:22/feed", store: InMemorySeenStore(), logger: SFTPClient.silentLogger)
        let listing = [
            RemoteFile(name: "b.csv", size: 1, modificationTime: 20),
            RemoteFile(name: "a.csv", size: 1, modificationTime: 30),
            RemoteFile(name: "c.csv", size: 1, modificationTime: 20),
            RemoteFile(name: ".hidden.csv", size: 1, modificationTime: 1),
            RemoteFile(name: "up.csv.filepart", size: 1, modificationTime: 1),
            RemoteFile(name: "notes.txt", size: 1, modificationTime: 1),
            RemoteFile(name: "dir.csv", size: 0, modificationTime: 1, kind: .folder),
            RemoteFile(name: "link.csv", size: 0, modificationTime: 1, kind: .symbolicLink),
        ]
        #expect(run.candidates(listing).map(\.name) == ["b.csv", "c.csv", "a.csv"])
        // Its own temporary names are ones the intake skips.
        #expect(InboxScanner.isTemporaryName(".orders.csv" + run.temporarySuffix))
        #expect(run.temporarySuffix == ".\(PullRun.tag("sftp://a@b:22/feed")).sftp-part")
        #expect(PullRun.tag("sftp://a@b:22/feed").count == 8)
    }

    @Test func remoteNamesThatCouldEscapeAFolderAreRefused() {
        for name in ["", ".", "..", "a/b", "x\0y"] { #expect(!RemotePath.isPlainName(name)) }
        for name in ["orders.csv", ".hidden", "a b.csv", "ñ.xml"] { #expect(RemotePath.isPlainName(name)) }
        #expect(RemotePath.join("/feed/", "a.csv") == "/feed/a.csv")
        #expect(RemotePath.join("feed", "a.csv") == "feed/a.csv")
        #expect(SFTPConnection.split("/a/b/c.csv") == ("/a/b", "c.csv"))
        #expect(SFTPConnection.split("/c.csv") == ("/", "c.csv"))
        #expect(SFTPConnection.split("c.csv") == ("", "c.csv"))
    }

    @Test func collidingLocalNamesGetANumberBeforeTheExtension() {
        #expect(LocalFile.numbered("orders.csv", 2) == "orders-2.csv")
        #expect(LocalFile.numbered("orders", 3) == "orders-3")
        #expect(LocalFile.numbered(".profile", 2) == ".profile-2")
        #expect(LocalFile.numbered("a.tar.gz", 2) == "a.tar-2.gz")
    }
}
