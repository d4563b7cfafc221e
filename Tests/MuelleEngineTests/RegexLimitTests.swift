import Foundation
import Testing

/// A regular expression cannot freeze a route: patterns shaped to backtrack exponentially are refused by
/// `muelle check`, and a value on which a pattern still needs too long rejects its record, at once.
@Suite struct RegexLimitTests {
    static let original = #"external_id: { replace: Name, pattern: "^#", with: "" }"#

    /// The Shopify mapping with `external_id` read through `pattern`.
    func bench(externalID: String) throws -> Workbench {
        let bench = try Workbench(mappings: ["shopify-orders"])
        let mapping = try bench.read("mappings/shopify-orders.yaml")
        #expect(mapping.contains(Self.original))
        try bench.write("mappings/shopify-orders.yaml", mapping.replacingOccurrences(of: Self.original, with: "external_id: \(externalID)"))
        return bench
    }

    /// The example's first row as `count` orders whose names are `name(i)`.
    func orders(count: Int, name: (Int) -> String) throws -> String {
        let example = try String(contentsOfFile: Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        let lines = example.split(whereSeparator: \.isNewline)
        let header = lines[0], row = lines[1]
        return ([String(header)] + (0..<count).map { row.replacingOccurrences(of: "#1050,", with: name($0) + ",") }).joined(separator: "\n") + "\n"
    }

    @Test func checkRefusesANestedRepeat() throws {
        let bench = try bench(externalID: #"{ regex: Name, pattern: "^#(a+)+$" }"#)
        defer { bench.remove() }
        let result = try bench.muelle(["check"])
        #expect(result.status != 0)
        let said = result.stdout + result.stderr
        #expect(said.contains("shopify-orders.yaml"))
        #expect(said.contains("(a+)+ repeats a group that itself repeats"), "\(said)")
    }

    /// `(?:\w|\d)*` passes the check (it takes the classes' meaning to see that both alternatives match a
    /// digit) but backtracks 2ⁿ ways on digits followed by a `!`: the limit stops it.
    @Test func aHostileValueRejectsItsRecordQuicklyNamingTheField() throws {
        let bench = try bench(externalID: #"{ regex: Name, pattern: "^#((?:\\w|\\d)*)$" }"#)
        defer { bench.remove() }
        #expect(try bench.muelle(["check"]).status == 0)
        let hostile = "#" + String(repeating: "1", count: 60) + "!"
        try bench.drop("shopify-orders", "orders.csv", try orders(count: 3) { $0 == 1 ? hostile : "#10\($0)" })
        let started = Date()
        let result = try bench.muelle(["run", "--once"])
        let took = Date().timeIntervalSince(started)
        #expect(took < 5, "took \(took) s")
        #expect(result.status == 1)
        let quarantined = bench.files("quarantine/shopify-orders")
        let errorFile = try #require(quarantined.first { $0.hasSuffix(".error.txt") })
        let reason = try bench.read("quarantine/shopify-orders/" + errorFile)
        #expect(reason.contains("record 2, line 3, field \"Name\""), "\(reason)")
        #expect(reason.contains("needed more than 1000000 backtracking steps"), "\(reason)")
    }

    /// Fifty hostile orders (a few tens of milliseconds each): the file in hand finishes and the process
    /// exits soon after SIGTERM.
    @Test func sigtermStillStopsTheWatcherPromptly() throws {
        let bench = try bench(externalID: #"{ regex: Name, pattern: "^#((?:\\w|\\d)*)$" }"#)
        defer { bench.remove() }
        let process = bench.start(["run", "--quiet-ms", "50"])
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try bench.drop("shopify-orders", "hostile.csv", try orders(count: 50) { "#" + String(repeating: "1", count: 60) + "!\($0)" })
        // In hand (staging), or already done.
        let taken = Workbench.eventually(within: 60) {
            !bench.files(".muelle/staging").isEmpty || !bench.exists("inbox/shopify-orders/hostile.csv")
        }
        #expect(taken)
        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        let stopped = Workbench.eventually(within: 60) { !process.isRunning }
        #expect(stopped)
        #expect(Date().timeIntervalSince(signalled) < 15)
        #expect(Workbench.eventually(within: 1) { bench.files("quarantine/shopify-orders").contains { $0.hasSuffix("hostile.csv") } })
    }
}
