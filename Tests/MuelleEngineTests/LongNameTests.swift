import Foundation
import Testing

/// Names up to NAME_MAX (255 bytes) always fit in archive/ and quarantine/: the `<sha12>-` prefix used to
/// push them past it, so the outputs went out but the original stayed in the inbox for ever (and a rejected
/// one left a staging file behind on every rescan). Stored names are shortened; the full name is kept.
@Suite(.serialized) struct LongNameTests {
    static let route = "mercadolibre-orders"

    /// A 250-byte name with two-byte characters, so a careless cut would split one.
    static func longName(extension ext: String = ".json") -> String {
        var name = "pedidos-"
        while name.utf8.count + ext.utf8.count + 2 <= 250 { name += "ñ" }
        while name.utf8.count + ext.utf8.count < 250 { name += "x" }
        return name + ext
    }

    /// `Workbench.drop` writes under ".<name>.part" first, which would not fit: a short temporary name here.
    static func drop(_ bench: Workbench, _ name: String, _ contents: String) throws {
        try bench.drop(Self.route, "short.json", contents)
        let folder = bench.root + "/inbox/\(Self.route)/"
        #expect(rename(folder + "short.json", folder + name) == 0)
    }

    @Test func aProcessedFileWithA250ByteNameIsArchivedOnceAndEmittedOnce() throws {
        let name = Self.longName()
        #expect(name.utf8.count == 250)
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        try Self.drop(bench, name, ExactlyOnceTests.page(7))

        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(bench.files("inbox/\(Self.route)").isEmpty, "the original left the inbox")
        let archived = bench.files("archive/\(Self.route)")
        #expect(archived.count == 1)
        let stored = try #require(archived.first)
        #expect(stored.utf8.count <= 255)
        #expect(stored.hasSuffix("….json") && stored.contains("-pedidos-ññ"), "keeps the start and the extension: \(stored)")
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)
        let report = try bench.report(try #require(bench.files("outbox/reports").first))
        #expect(report["file"] as? String == name, "the report keeps the full name")

        // Nothing left over to take again or to clean up.
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 0)
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)
        #expect(bench.files(".muelle/staging").isEmpty)

        // The same content again under the same long name: a duplicate, archived (its name fits too).
        try Self.drop(bench, name, ExactlyOnceTests.page(7))
        let again = try bench.muelle(["run", "--once"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(bench.files("inbox/\(Self.route)").isEmpty)
        #expect(bench.files("archive/\(Self.route)/duplicates").count == 1)
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)
    }

    @Test func aRejectedFileWithA250ByteNameIsQuarantinedBesideItsReportAndReplaysUnderItsFullName() throws {
        let name = Self.longName()
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        try Self.drop(bench, name, "{\"results\": [ {\"id\": 1,, } ]}\n")

        let first = try bench.muelle(["run", "--once"])
        #expect(first.status == 1, "\(first.stderr)")
        #expect(bench.files("inbox/\(Self.route)").isEmpty, "the original left the inbox")
        let quarantined = bench.files("quarantine/\(Self.route)")
        #expect(quarantined.count == 2, "\(quarantined)")
        let stored = try #require(quarantined.first { !$0.hasSuffix(".error.txt") })
        #expect(quarantined.contains(stored + ".error.txt"))
        #expect((stored + ".error.txt").utf8.count <= 255)
        #expect(try bench.read("quarantine/\(Self.route)/\(stored).error.txt").contains(name), "the report names the full name")
        #expect(bench.files(".muelle/staging").isEmpty)
        let second = try bench.muelle(["run", "--once"])
        #expect(second.status == 0)
        #expect(bench.files(".muelle/staging").isEmpty, "no staging file left per rescan")

        // Fixed and replayed, it goes through under the name it arrived with.
        try bench.write("quarantine/\(Self.route)/\(stored)", ExactlyOnceTests.page(8))
        let replay = try bench.muelle(["replay", "quarantine/\(Self.route)/\(stored)"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("processed: \(Self.route)/\(name) → archive/"), "\(replay.stdout)")
        #expect(try bench.orders().count == ExactlyOnceTests.ordersPerFile)
    }
}
