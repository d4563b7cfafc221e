import Foundation
import MuelleCore
import MuelleSFTP
import Testing

/// Not a test: a measurement, run on demand with `MUELLE_SFTP_MEASURE=1 swift test --filter ThroughputMeasurement`.
/// Pulls a 100 MB feed over loopback from the same test sshd with muelle's client and with the stock `sftp`
/// client (`-b`, `get`), three times each, and prints the best MB/s of each.
@Suite(.serialized, .enabled(if: TestAccounts.available && ProcessInfo.processInfo.environment["MUELLE_SFTP_MEASURE"] != nil))
struct ThroughputMeasurement {
    @Test func pullingA100MBFeedOverLoopback() async throws {
        let server = try TestSSHServer()
        try server.start()
        let local = try TemporaryFolder()
        let size = 100_000_000
        let remote = server.dataFolder + "/feed.csv"
        try makeFile(remote, size: size, seed: 42)
        let megabytes = Double(size) / 1_000_000

        var muelle: [Double] = []
        var stock: [Double] = []
        for round in 1 ... 3 {
            let target = local.child("muelle-\(round).part")
            let started = ContinuousClock.now
            _ = try await server.client().withConnection { connection throws(MuelleError) in
                try connection.download(remote, to: target, expectedSize: Int64(size))
            }
            muelle.append(megabytes / (ContinuousClock.now - started).timeInterval)
            #expect(fileSize(target) == Int64(size))
            try FileManager.default.removeItem(atPath: target)

            let copy = local.child("stock-\(round).csv")
            let stockStarted = ContinuousClock.now
            _ = try await onThread { try server.stockSFTP(["get \(remote) \(copy)"]) }
            stock.append(megabytes / (ContinuousClock.now - stockStarted).timeInterval)
            #expect(fileSize(copy) == Int64(size))
            try FileManager.default.removeItem(atPath: copy)
        }
        let shown = { (rates: [Double]) in rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
        print("SFTP 100 MB pull over loopback, MB/s (3 rounds; muelle includes connect, login and fsync):")
        print("  muelle (libssh2): best \(String(format: "%.0f", muelle.max() ?? 0)) — \(shown(muelle))")
        print("  stock sftp -b get: best \(String(format: "%.0f", stock.max() ?? 0)) — \(shown(stock))")
    }
}
