import Foundation
import Testing

/// Issue 10 item 4: a huge field is refused in bounded memory, naming record and field; a file that
/// stopped the process twice while being read is quarantined at the next start, unread.
@Suite(.serialized) struct HugeInputTests {
    static let route = "shopify-orders"

    /// The example export with a first row whose Email is `fieldBytes` bytes, written in chunks.
    static func writeHugeFieldCSV(to path: String, fieldBytes: Int) throws {
        let example = try Data(contentsOf: URL(fileURLWithPath: Workbench.repository + "/examples/inbox/\(route)/orders_export_1.csv"))
        let lines = example.split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false)
        try Data().write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: lines[0] + Data("\n#9999,\"".utf8))
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<(fieldBytes >> 20) { try handle.write(contentsOf: chunk) }
        try handle.write(contentsOf: Data("\"\n".utf8) + lines[1])
    }

    @Test func a500MBFieldIsRefusedInBoundedMemoryNamingRecordAndField() throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        let inbox = bench.root + "/inbox/\(Self.route)/huge.csv"
        try Self.writeHugeFieldCSV(to: inbox, fieldBytes: 500 << 20)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: inbox)

        // Peak RSS of the binary, by /usr/bin/time -v when it is there, else by polling VmHWM.
        let timed = FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: timed ? "/usr/bin/time" : Workbench.binary)
        process.arguments = (timed ? ["-v", Workbench.binary] : []) + ["run", "--once", "--root", bench.root]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let drained = PipeDrain(err.fileHandleForReading)
        var polledKB = 0
        while process.isRunning {
            if !timed, let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
                polledKB = max(polledKB, Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let stderr = String(decoding: drained.wait(), as: UTF8.self)
        let peakKB = timed ? (stderr.split(separator: "\n").first { $0.contains("Maximum resident set size") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0) : polledKB
        print("peak RSS of muelle run --once on a 500 MB field: \(peakKB / 1024) MB")
        #expect(peakKB > 0 && peakKB <= 100 * 1024, "peak RSS \(peakKB / 1024) MB\n\(stderr.suffix(2000))")

        let quarantined = bench.files("quarantine/\(Self.route)")
        #expect(quarantined.contains { $0.hasSuffix("-huge.csv") }, "\(stderr.suffix(2000))")
        let errorText = try bench.read("quarantine/\(Self.route)/" + (quarantined.first { $0.hasSuffix(".error.txt") } ?? ""))
        #expect(errorText.contains("too_large") || errorText.contains("max_field_bytes"), "\(errorText.prefix(1500))")
        #expect(errorText.contains("record 1"), "\(errorText.prefix(1500))")
        #expect(errorText.contains("Email"), "\(errorText.prefix(1500))")
        #expect(errorText.count < 100_000, "the error file echoes the value")
    }

    @Test func theRouteSetsItsOwnLimits() throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        let mapping = try bench.read("mappings/\(Self.route).yaml")
        try bench.write("mappings/\(Self.route).yaml", mapping.replacingOccurrences(of: "  format: csv", with: "  format: csv\n  max_field_bytes: 2 KB\n  max_record_bytes: 64 KB"))
        let path = bench.root + "/inbox/\(Self.route)/wide.csv"
        try Self.writeHugeFieldCSV(to: path, fieldBytes: 1 << 20)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: path)
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1, "\(run.stderr)")
        let quarantined = bench.files("quarantine/\(Self.route)")
        let errorText = try bench.read("quarantine/\(Self.route)/" + (quarantined.first { $0.hasSuffix(".error.txt") } ?? ""))
        #expect(errorText.contains("limit of 2 KB (reader: max_field_bytes)"), "\(errorText.prefix(1500))")

        try bench.write("mappings/\(Self.route).yaml", mapping.replacingOccurrences(of: "  format: csv", with: "  format: csv\n  max_field_bytes: 2 MB\n  max_record_bytes: 1 MB"))
        let check = try bench.muelle(["check"])
        #expect(check.status != 0)
        #expect((check.stdout + check.stderr).contains("max_record_bytes (1 MB) is smaller than max_field_bytes (2 MB)"), "\(check.stdout)\(check.stderr)")
    }

    @Test func aFileThatStoppedTheProcessTwiceIsQuarantinedUnreadAndTheFilesBehindItFlow() throws {
        let bench = try Workbench(mappings: [Self.route])
        defer { bench.remove() }
        let poison = try bench.drop(Self.route, "a-poison.csv", try String(contentsOfFile: Workbench.repository + "/examples/inbox/\(Self.route)/orders_export_1.csv", encoding: .utf8))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: poison)

        for attempt in 1...2 {
            let process = bench.start(["run", "--once"])
            process.environment = ProcessInfo.processInfo.environment.merging(["MUELLE_TEST_KILL_AT": "reading"]) { $1 }
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "attempt \(attempt): the test hook did not stop the process while reading")
            #expect(FileManager.default.fileExists(atPath: poison), "attempt \(attempt)")
        }
        // A file behind it, from another export.
        try bench.dropExample(Self.route, "orders_export_1.csv", as: "b-next.csv")
        var next = try String(contentsOfFile: bench.root + "/inbox/\(Self.route)/b-next.csv", encoding: .utf8)
        next = next.replacingOccurrences(of: "#10", with: "#20")
        try FileManager.default.removeItem(atPath: bench.root + "/inbox/\(Self.route)/b-next.csv")
        try bench.drop(Self.route, "b-next.csv", next)

        let third = try bench.muelle(["run", "--once"])
        #expect(!FileManager.default.fileExists(atPath: poison))
        let quarantined = bench.files("quarantine/\(Self.route)")
        #expect(quarantined.contains { $0.hasSuffix("-a-poison.csv") }, "\(third.stderr)")
        let errorText = try bench.read("quarantine/\(Self.route)/" + (quarantined.first { $0.hasSuffix(".error.txt") } ?? ""))
        #expect(errorText.contains("stopped 2 times while reading this file"), "\(errorText.prefix(1500))")
        #expect(bench.files("archive/\(Self.route)").contains { $0.hasSuffix("-b-next.csv") }, "\(third.stderr)")
        #expect(!bench.files("outbox/orders").isEmpty)
    }
}
