import Foundation
import Testing

/// Uploads caught half-way, through the real binary: a writer that pauses with the file open, a client
/// that closes mid-line and appends later, a pause right after a whole row. The test process is the
/// writer. `--quiet-ms 300` (the old default) shows that the claim and the completeness check, not a long
/// quiet period, keep the halves out.
@Suite(.serialized) struct PartialUploadTests {
    static let example = Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv"

    /// The example export's bytes, and the offset just past its `line`th line break (1-based lines).
    static func export() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: example)) }

    static func offset(afterLine line: Int, in data: Data) -> Int {
        var seen = 0
        for (index, byte) in data.enumerated() where byte == 0x0A {
            seen += 1
            if seen == line { return index + 1 }
        }
        return data.count
    }

    /// Paid orders of the example: 1050 with 2 lines, 1052 with 3.
    static func expectEveryOrderOnceWithAllItsLines(_ bench: Workbench) throws {
        let orders = try bench.orders()
        let lines = Dictionary(orders.map { ($0["external_id"] as? String ?? "?", ($0["lines"] as? [Any])?.count ?? 0) },
                               uniquingKeysWith: { _, _ in -1 })
        #expect(orders.count == 2, "each order once")
        #expect(lines == ["1050": 2, "1052": 3])
        #expect(bench.files("quarantine/shopify-orders").isEmpty, "nothing quarantined")
    }

    func watching(_ bench: Workbench) throws -> Process {
        let process = bench.start(["run", "--quiet-ms", "300"])
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)
        return process
    }

    func stop(_ process: Process) {
        kill(process.processIdentifier, SIGTERM)
        if !Workbench.eventually(within: 10, { !process.isRunning }) { process.terminate() }
    }

    @Test func aWriterPausingMidLineWithTheFileOpenIsWaitedFor() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let process = try watching(bench)
        defer { stop(process) }

        let data = try Self.export()
        let cut = data.count / 2
        #expect(data[cut - 1] != 0x0A, "the first half ends mid-line")
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let writer = try #require(FileHandle(forWritingAtPath: path))
        try writer.write(contentsOf: data[..<cut])
        Thread.sleep(forTimeInterval: 3)
        #expect(try bench.orders().isEmpty, "nothing taken from the half file")
        #expect(bench.files("quarantine/shopify-orders").isEmpty, "the half file is not quarantined")
        try writer.write(contentsOf: data[cut...])
        try writer.close()

        #expect(Workbench.eventually(within: 60) { bench.files("inbox/shopify-orders").isEmpty })
        Thread.sleep(forTimeInterval: 1)
        try Self.expectEveryOrderOnceWithAllItsLines(bench)
    }

    @Test func aClientThatClosesMidLineAndAppendsLaterIsWaitedFor() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let process = try watching(bench)
        defer { stop(process) }

        let data = try Self.export()
        let cut = data.count / 2
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        try data[..<cut].write(to: URL(fileURLWithPath: path))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try bench.orders().isEmpty, "nothing taken from the half file")
        #expect(bench.files("quarantine/shopify-orders").isEmpty, "the half file is not quarantined")
        let appender = try #require(FileHandle(forWritingAtPath: path))
        try appender.seekToEnd()
        try appender.write(contentsOf: data[cut...])
        try appender.close()

        #expect(Workbench.eventually(within: 60) { bench.files("inbox/shopify-orders").isEmpty })
        Thread.sleep(forTimeInterval: 1)
        try Self.expectEveryOrderOnceWithAllItsLines(bench)
    }

    @Test func aPauseRightAfterAWholeRowWithTheFileOpenImportsTheWholeOrder() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let process = try watching(bench)
        defer { stop(process) }

        // Lines 5–6 are order 1052's first row (its note spans two lines); rows 2 and 3 of it follow.
        let data = try Self.export()
        let cut = Self.offset(afterLine: 6, in: data)
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let writer = try #require(FileHandle(forWritingAtPath: path))
        try writer.write(contentsOf: data[..<cut])
        Thread.sleep(forTimeInterval: 3)
        #expect(try bench.orders().isEmpty, "nothing taken while the writer has the file open")
        try writer.write(contentsOf: data[cut...])
        try writer.close()

        #expect(Workbench.eventually(within: 60) { bench.files("inbox/shopify-orders").isEmpty })
        Thread.sleep(forTimeInterval: 1)
        try Self.expectEveryOrderOnceWithAllItsLines(bench)
    }

    @Test func theDefaultQuietPeriodCoversAClientThatClosesAfterAWholeRowAndAppendsSoonAfter() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        // The default quiet period: nothing else can tell this file from a finished one.
        let process = bench.start(["run"])
        try process.run()
        defer { stop(process) }
        Thread.sleep(forTimeInterval: 0.5)

        let data = try Self.export()
        let cut = Self.offset(afterLine: 6, in: data)
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        try data[..<cut].write(to: URL(fileURLWithPath: path))
        // Well past the old 300 ms, and far enough inside the 2 s default that a starved test machine keeps it inside.
        Thread.sleep(forTimeInterval: 0.8)
        let appender = try #require(FileHandle(forWritingAtPath: path))
        try appender.seekToEnd()
        try appender.write(contentsOf: data[cut...])
        try appender.close()

        #expect(Workbench.eventually(within: 60) { bench.files("inbox/shopify-orders").isEmpty })
        Thread.sleep(forTimeInterval: 1)
        try Self.expectEveryOrderOnceWithAllItsLines(bench)
    }

    @Test func runOnceHoldsAFileOpenForWritingAndTheNextRunTakesIt() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: try Self.export()))
        let writer = try #require(FileHandle(forWritingAtPath: path))
        // Quiet for a minute, yet still open: only the claim can tell.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)

        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 0, "held is not a rejection")
        #expect(first.stderr.contains("processed 0, rejected 0, duplicates 0, held 1"), "\(first.stderr)")
        #expect(bench.files("inbox/shopify-orders") == ["orders_export_1.csv"])
        #expect(bench.files("quarantine/shopify-orders").isEmpty)
        #expect(try bench.orders().isEmpty)

        try writer.close()
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 0)
        #expect(second.stderr.hasSuffix("processed 1, rejected 0, duplicates 0\n"), "the line is unchanged when nothing is held")
        try Self.expectEveryOrderOnceWithAllItsLines(bench)
    }

    /// The shopify-orders mapping with `incomplete_after: 30 seconds`.
    func benchWaitingThirtySeconds() throws -> Workbench {
        let bench = try Workbench(mappings: ["shopify-orders"])
        let mapping = try bench.read("mappings/shopify-orders.yaml")
        try bench.write("mappings/shopify-orders.yaml",
                        mapping.replacingOccurrences(of: "  account: main\n", with: "  account: main\n  incomplete_after: 30 seconds\n"))
        return bench
    }

    /// The example cut in the middle of line 9 (record 7, order 1053's row).
    func truncatedExport() throws -> Data {
        let data = try Self.export()
        return data[..<(Self.offset(afterLine: 8, in: data) + 20)]
    }

    @Test func aFileThatEndsMidLineAndStaysUnchangedIsQuarantinedAsTruncated() throws {
        let bench = try benchWaitingThirtySeconds()
        defer { bench.remove() }
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        try truncatedExport().write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("processed 0, rejected 1, duplicates 0"))
        #expect(try bench.orders().isEmpty, "nothing of it is emitted")
        let quarantined = bench.files("quarantine/shopify-orders")
        let report = try #require(quarantined.first { $0.hasSuffix(".error.txt") })
        let text = try bench.read("quarantine/shopify-orders/" + report)
        #expect(text.contains("record 7, line 9"), "\(text)")
        #expect(text.contains("looks cut off"), "\(text)")
        #expect(text.contains("has not changed for 30 seconds"), "\(text)")
        #expect(!text.contains("malformed"))
    }

    @Test func aFileThatEndsMidLineButChangedRecentlyIsHeld() throws {
        let bench = try benchWaitingThirtySeconds()
        defer { bench.remove() }
        let path = bench.root + "/inbox/shopify-orders/orders_export_1.csv"
        try truncatedExport().write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: path)

        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("processed 0, rejected 0, duplicates 0, held 1"), "\(run.stderr)")
        #expect(bench.files("inbox/shopify-orders") == ["orders_export_1.csv"])
        #expect(bench.files("quarantine/shopify-orders").isEmpty)
        #expect(try bench.orders().isEmpty)
    }
}
