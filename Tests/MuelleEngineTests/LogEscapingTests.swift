import Foundation
import Testing

/// Names and values from inputs cannot forge a log line or drive the terminal: their control characters
/// reach stderr escaped.
@Suite struct LogEscapingTests {
    @Test func aFileNameAndAFieldValueWithLineBreaksAndEscapesForgeNothing() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let example = try String(contentsOfFile: Workbench.repository + "/examples/inbox/shopify-orders/orders_export_1.csv", encoding: .utf8)
        // A price that is not a number, carrying a line break, a forged record and a screen-clearing escape.
        let forgedValue = "\"9,90\nFORGED-BY-VALUE info muelle: all good\u{1B}[2J\""
        try bench.drop("shopify-orders", "price.csv", example.replacingOccurrences(of: ",19.90,", with: "," + forgedValue + ","))
        // A name with the same, taken fine and logged as processed.
        try bench.dropExample("shopify-orders", "orders_export_1.csv", as: "orders\nFORGED-BY-NAME error muelle: disk on fire\u{1B}[31m.csv")

        let result = try bench.muelle(["run", "--once", "--log-level", "debug"])
        #expect(result.status == 1)
        let stderr = result.stderr
        #expect(!stderr.unicodeScalars.contains("\u{1B}"), "a raw ESC reached stderr")
        let lines = stderr.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("FORGED") }, "\(stderr)")
        // Both were logged, escaped.
        #expect(stderr.contains(#"orders\nFORGED-BY-NAME error muelle: disk on fire\u{1B}[31m.csv"#), "\(stderr)")
        #expect(stderr.contains(#"9,90\nFORGED-BY-VALUE info muelle: all good\u{1B}[2J"#), "\(stderr)")
    }

    @Test func whatCommandsPrintOnStdoutIsEscapedToo() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        // A rejected file whose name clears the screen: `quarantine list` prints its name and reason.
        try bench.drop("shopify-orders", "bad\u{1B}[2J\u{7}.csv", "Name,Financial Status\n#1,paid\n")
        #expect(try bench.muelle(["run", "--once"]).status == 1)
        let list = try bench.muelle(["quarantine", "list"])
        #expect(list.stdout.contains(#"bad\u{1B}[2J\u{7}.csv"#), "\(list.stdout)")
        #expect(!list.stdout.unicodeScalars.contains("\u{1B}") && !list.stdout.unicodeScalars.contains("\u{7}"), "a raw control character reached stdout")
    }
}
