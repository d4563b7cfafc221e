import Foundation
@testable import MuelleMapping
import Testing

/// `expect:`: checked when the mapping compiles, and when a feed counts as late.
@Suite struct FeedExpectationTests {
    func compile(_ expect: String) throws -> RouteMapping {
        try MappingLoader.compile(yaml: """
            route: { kind: reference, platform: shop, account: main }
            reader: { format: csv }
            expect: \(expect)
            fields: { key: id }
            """, route: "r", file: "mappings/r.yaml")
    }

    func messages(_ expect: String) -> [String] {
        do {
            _ = try compile(expect)
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics.map { "\($0.line): \($0.message)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test func everyAndByCompile() throws {
        #expect(try compile("{ every: 10 minutes }").expectation == .every(seconds: 600))
        let madrid = try #require(TimeZone(identifier: "Europe/Madrid"))
        #expect(try compile("{ by: \"07:00\", timezone: Europe/Madrid }").expectation == .dailyBy(hour: 7, minute: 0, timeZone: madrid))
    }

    @Test func mistakesAreFoundWhenTheMappingCompiles() {
        #expect(messages("{ every: often }") == ["3: every reads like '10 minutes' (seconds, minutes, hours or days)"])
        #expect(messages("{ by: \"7am\", timezone: UTC }") == ["3: by is a time of day as \"HH:MM\" (quoted), such as \"07:00\""])
        #expect(messages("{ by: \"07:00\" }") == ["3: 'by' needs a timezone (here, or the route's), such as timezone: America/Bogota"])
        #expect(messages("{ by: \"07:00\", timezone: Mars/Olympus }") == ["3: unknown timezone 'Mars/Olympus'; use an IANA name such as America/Bogota"])
        #expect(messages("{ every: 1 hour, by: \"07:00\", timezone: UTC }") == ["3: expect takes 'every' or 'by', not both"])
        #expect(messages("{ evry: 1 hour }").first?.contains("unknown expect setting 'evry'") == true)
    }

    @Test func aFeedIsLateOnceItMissesItsInterval() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let every = FeedExpectation.every(seconds: 600)
        #expect(every.lateSince(lastArrival: start, setUpAt: start, now: start.addingTimeInterval(599)) == nil)
        #expect(every.lateSince(lastArrival: start, setUpAt: start, now: start.addingTimeInterval(601)) == start.addingTimeInterval(600))
        // Nothing ever came: measured from when the route was set up.
        #expect(every.lateSince(lastArrival: nil, setUpAt: start, now: start.addingTimeInterval(601)) == start.addingTimeInterval(600))
    }

    @Test func aDailyFeedIsLateAfterItsHourWithoutAFileSinceTheDayBefore() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let by = FeedExpectation.dailyBy(hour: 7, minute: 0, timeZone: utc)
        let formatter = ISO8601DateFormatter()
        func at(_ text: String) throws -> Date { try #require(formatter.date(from: text)) }
        let setUp = try at("2026-11-01T00:00:00Z")
        // Yesterday's 08:00 file covers today until 07:00; not after.
        #expect(by.lateSince(lastArrival: try at("2026-11-23T08:00:00Z"), setUpAt: setUp, now: try at("2026-11-24T06:59:00Z")) == nil)
        #expect(by.lateSince(lastArrival: try at("2026-11-23T06:00:00Z"), setUpAt: setUp, now: try at("2026-11-24T07:01:00Z")) == (try at("2026-11-24T07:00:00Z")))
        #expect(by.lateSince(lastArrival: try at("2026-11-24T06:30:00Z"), setUpAt: setUp, now: try at("2026-11-24T07:01:00Z")) == nil)
    }
}
