import Foundation
@testable import MuelleCore
import Testing

/// Money stays exact: fixed-point while it fits, `Decimal` beyond, never `Double`.
@Suite struct ExactNumberTests {
    @Test(arguments: [
        ("19.90", ".", "", "19.9"), ("1.234,56", ",", ".", "1234.56"), ("  -0.50 ", ".", "", "-0.5"),
        ("1,234.00", ".", ",", "1234"), ("007", ".", "", "7"), ("+3", ".", "", "3"), ("0.000", ".", "", "0"),
    ])
    func parsesWithSeparators(_ text: String, _ decimal: String, _ thousands: String, _ expected: String) throws {
        let number = try #require(ExactNumber(text, decimal: decimal.utf8.first ?? 0, thousands: thousands.utf8.first ?? 0))
        #expect(number.text() == expected)
    }

    @Test(arguments: ["", "-", "1.2.3", "12,5x", "1e5", "abc", "1 000", ",5"])
    func refusesWhatIsNotOnePlainNumber(_ text: String) {
        #expect(ExactNumber(text) == nil)
    }

    @Test func tooManyDigitsFallBackToDecimalExactly() throws {
        #expect(ExactNumber("1234567890123456789.5") == nil)
        let big = try #require(ExactDecimal.parse("1234567890123456789.5"))
        #expect(ExactDecimal.plain(big) == "1234567890123456789.5")
        #expect(ExactDecimal.parse("2.5e3") == Decimal(2500))
    }

    @Test func arithmeticIsExact() throws {
        let price = try #require(ExactNumber("33333.33"))
        #expect(price.multiplying(ExactNumber(mantissa: 3, scale: 0))?.text() == "99999.99")
        #expect(try #require(ExactNumber("0.1")).adding(try #require(ExactNumber("0.2")))?.text() == "0.3")
        #expect(ExactNumber(mantissa: .max, scale: 0).adding(ExactNumber(mantissa: 1, scale: 0)) == nil, "overflow is reported, not wrapped")
    }

    @Test(arguments: [("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("2.344", 2, "2.34"), ("19.9", 2, "19.90"), ("100", 0, "100"), ("0.5", 0, "1"), ("-0.004", 2, "0.00")])
    func moneyRoundsHalfAwayFromZero(_ text: String, _ scale: Int, _ expected: String) throws {
        let formatted = try #require(ExactNumber(text)?.formatted(scale: scale))
        #expect(formatted == expected || (expected == "0.00" && formatted == "0.00"))
        #expect(ExactDecimal.format(try #require(ExactDecimal.parse(text)), scale: scale) == expected)
    }

    @Test func wholeValues() {
        #expect(ExactNumber("2.00")?.wholeValue == 2)
        #expect(ExactNumber("2.5")?.wholeValue == nil)
    }

    @Test func currencyMinorUnits() {
        #expect(ExactDecimal.minorUnits(of: "EUR") == 2)
        #expect(ExactDecimal.minorUnits(of: "clp") == 0)
        #expect(ExactDecimal.minorUnits(of: "KWD") == 3)
    }
}

@Suite struct JSONTextTests {
    @Test func escapesWhatJSONRequiresAndKeepsTheRest() {
        let value = Value.object([("name", .string("Zoë \"la\" \\ O'Brien\n\t\u{01}\u{2028}")), ("n", .number("33333.33")), ("x", .null), ("l", .array([.bool(true)]))])
        #expect(JSONText.compact(value) == #"{"name":"Zoë \"la\" \\ O'Brien\n\t\u0001\u2028","n":33333.33,"x":null,"l":[true]}"#)
    }

    @Test func markingAMemberGivesItsOffset() throws {
        guard case .object(let object) = Value.object([("a", .number("1")), ("source", .string("f"))]) else { return }
        var out: [UInt8] = []
        let offsets = JSONText.writeObject(object, into: &out)
        #expect(offsets.count == 3)
        #expect(String(decoding: out[..<offsets[1]], as: UTF8.self) == #"{"a":1"#)
        #expect(String(decoding: out[offsets[1]..<offsets[2]], as: UTF8.self) == #","source":"f""#)
    }
}

@Suite struct OrderContractTests {
    static let identity = OrderContract.Identity(platform: "shop", account: "main")
    static let source = OrderContract.Source(route: "r", file: "f.csv", sha256: String(repeating: "0", count: 64), record: 1, line: 2)

    func order(_ changes: [(String, Value)] = []) -> Value {
        var pairs: [(String, Value)] = [
            ("external_id", .string("1")), ("created_at", .string("2026-11-02T09:15:22+01:00")), ("status", .string("ready_to_ship")),
            ("currency", .string("eur")),
            ("lines", .array([.object([("product_key", .string("A")), ("quantity", .number("3")), ("unit_price", .string("33333.33"))])])),
        ]
        for (key, value) in changes {
            if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        }
        return .object(pairs)
    }

    @Test func derivesTotalsAndFormatsMoney() throws {
        let normalised = try OrderContract.normalise(order(), identity: Self.identity, source: Self.source, at: InputPosition())
        let json = JSONText.compact(normalised)
        #expect(json.contains(#""id":"shop:main:1""#))
        #expect(json.contains(#""currency":"EUR""#))
        #expect(json.contains(#""unit_price":"33333.33","total":"99999.99""#))
        #expect(json.contains(#""totals":{"items":"99999.99","shipping":"0.00","discount":"0.00","tax":"0.00","grand_total":"99999.99"}"#))
    }

    @Test(arguments: [
        ("status", Value.string("paid"), "\"paid\" is not one of muelle's values"),
        ("created_at", .string("2026-11-02 09:15:22"), "not an ISO 8601 time with offset"),
        ("currency", .string("EURO"), "not an ISO 4217 currency code"),
        ("external_id", .string("  "), "is required"),
        ("lines", .array([]), "needs at least 1 entry"),
    ])
    func rejectsWhatDoesNotFitNamingTheField(_ field: String, _ value: Value, _ message: String) {
        #expect {
            _ = try OrderContract.normalise(order([(field, value)]), identity: Self.identity, source: Self.source, at: InputPosition(file: "f.csv", record: 4, line: 5))
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.position.field == field && e.message.contains(message) && e.description.hasPrefix("f.csv: record 4, line 5")
        }
    }

    @Test func lineErrorsNameTheLine() {
        let bad = order([("lines", .array([.object([("product_key", .string("A")), ("quantity", .number("1")), ("unit_price", .string("1"))]),
                                          .object([("product_key", .string("B")), ("quantity", .number("0")), ("unit_price", .string("1"))])]))])
        #expect {
            _ = try OrderContract.normalise(bad, identity: Self.identity, source: Self.source, at: InputPosition())
        } throws: { ($0 as? MuelleError)?.position.field == "lines[2].quantity" }
    }

    @Test(arguments: ["2026-11-02T09:15:22+01:00", "2026-11-02T09:15:22.123Z", "2026-11-02T09:15:22-05:00"])
    func acceptsTimestampsWithOffset(_ text: String) { #expect(FieldChecker.isTimestampWithOffset(text)) }

    @Test(arguments: ["2026-11-02T09:15:22", "2026-11-02 09:15:22+01:00", "2026-11-02T09:15:22+0100", "2026-11-02T09:15:22.+01:00"])
    func refusesTimestampsWithoutOffset(_ text: String) { #expect(!FieldChecker.isTimestampWithOffset(text)) }
}
