import MuelleCore
import Testing

/// Money the contracts take (issue 10 item 11): an amount `Decimal` cannot hold exactly is refused with
/// its field and position, and the value is quoted by a bounded prefix.
@Suite struct MoneyLimitsTests {
    func product(price: String) throws -> Value {
        let source = OrderContract.Source(route: "r", file: "f.csv", sha256: "", record: 5, line: 6)
        return try ProductContract.normalise(
            .object([("key", .string("K")), ("title", .string("T")), ("price", .number(price)), ("currency", .string("EUR"))]),
            source: source, at: InputPosition(file: "f.csv", record: 5, line: 6))
    }

    @Test func aPriceWithMoreThan38SignificantDigitsIsRefusedWithItsField() throws {
        let price = "1234567890123456789012345678901234567890.12"
        #expect {
            _ = try product(price: price)
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.code == .badNumber && e.position.field == "price" && e.position.record == 5 && e.position.line == 6
                && e.message.contains("has 42 significant digits, more than the 38 muelle holds exactly")
        }
        #expect(try product(price: "12345678901234567890123456789012345.67")["price"] == .string("12345678901234567890123456789012345.67"))
    }

    @Test func aHugeAmountIsQuotedByABoundedPrefix() throws {
        let huge = String(repeating: "9", count: 50_000) + "x"
        do {
            _ = try product(price: huge)
            Issue.record("a 50,000-character price was accepted")
        } catch let e as MuelleError {
            #expect(e.message.utf8.count < 300, "\(e.message.utf8.count) bytes")
            #expect(e.message.hasSuffix("…\" (50001 bytes) is not an amount; convert it with `decimal:`"), "\(e.message.suffix(120))")
        }
    }

    @Test func contractTimesAreInRange() {
        #expect(SourceTime("0999-11-02T09:15:22+01:00") != nil)
        #expect(SourceTime("0000-11-02T09:15:22+01:00") == nil)
        #expect(SourceTime("2026-02-30T09:15:22+01:00") == nil)
        #expect(SourceTime("2026-12-31T23:59:60Z") == nil, "the contract takes no second 60; `datetime:` rolls it over")
    }

    @Test func aHugeFieldNameIsQuotedByABoundedPrefixToo() {
        let position = InputPosition(file: "f.csv", record: 1, field: String(repeating: "c", count: 5000))
        #expect(position.description.utf8.count < 200)
    }
}
