import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// Values at the edges (issue 10 item 11): numbers too precise to hold exactly are refused, not rounded,
/// and long values are quoted by a bounded prefix.
@Suite struct ValueLimitsTests: EvaluatesExpressions {
    // MARK: money beyond 38 significant digits

    @Test func decimalWithMoreThan38DigitsIsRefusedNotRounded() throws {
        let digits45 = "123456789012345678901234567890123456789012345"
        let e = try #require(error("{ decimal: v }", digits45 + ".67"))
        #expect(e.code == .badNumber && e.position.field == "v" && e.position.record == 3 && e.position.line == 4)
        #expect(e.message.contains("has 47 significant digits, more than the 38 muelle holds exactly"), "\(e.message)")
        // 38 digits are exact, and zeros at either end are not significant.
        let digits38 = "12345678901234567890123456789012345678"
        #expect(try evaluate("{ decimal: v }", digits38) == .number(digits38))
        #expect(try evaluate("{ decimal: v }", "1" + String(repeating: "0", count: 45) + ".000") == .number("1" + String(repeating: "0", count: 45)))
        #expect(try evaluate("{ decimal: v }", "0.000000000000000000000000000000000000000000000125") == .number("0.000000000000000000000000000000000000000000000125"))
        #expect(ExactDecimal.parse("0." + String(repeating: "1", count: 39)) == nil)
        #expect(ExactDecimal.parse("1e-300") == nil, "an exponent below Decimal's range is not 0")
        #expect(ExactDecimal.sizeProblem(of: "12,5x") == nil, "not a number at all is not a size problem")
    }

    @Test func arithmeticThatNeedsMoreThan38DigitsIsRefused() throws {
        let big = String(repeating: "9", count: 30)
        let e = try #require(error("{ multiply: [v, v] }", big))
        #expect(e.code == .badNumber && e.message.contains("more than the 38 significant digits"), "\(e.message)")
        #expect(try evaluate("{ divide: [w, { const: 3 }], scale: 2 }", "x") == .number("0.33"), "a quotient still rounds")
        let exact = "1" + String(repeating: "0", count: 30)
        #expect(try evaluate("{ multiply: [v, v] }", exact) == .number("1" + String(repeating: "0", count: 60)), "zeros are exact")
        #expect(ExactDecimal.significantDigits(ofProduct: 25, 4) == 1)
    }

    // MARK: bounded quotes

    @Test func aHugeValueIsQuotedByABoundedPrefix() throws {
        let huge = String(repeating: "7", count: 10_000) + "x"
        for yaml in ["{ decimal: v }", "{ integer: v }", "{ datetime: v }", "{ multiply: [v, w] }", "{ map: v, table: { a: b } }"] {
            let e = try #require(error(yaml, huge, timezone: "UTC"), "\(yaml)")
            #expect(e.message.utf8.count < 400, "\(yaml): \(e.message.utf8.count) bytes")
            #expect(e.message.contains("\"" + String(repeating: "7", count: 80) + "…\" (10001 bytes)"), "\(yaml): \(e.message.prefix(200))")
        }
        #expect(QuotedInput.quote("12,5x") == "\"12,5x\"")
        #expect(QuotedInput.quote(String(repeating: "é", count: 80)) == "\"" + String(repeating: "é", count: 80) + "\"")
    }
}
