import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// Dates at the edges (issue 10 item 11): four-digit years, local times in a daylight-saving gap and leap
/// seconds resolved as PostgreSQL resolves them (Appendix B.2).
@Suite struct DateTimeEdgeTests: EvaluatesExpressions {
    @Test func yearsBefore1000AreWrittenInFourDigits() throws {
        #expect(try evaluate("{ datetime: v, format: \"yyyy-MM-dd HH:mm:ss Z\" }", "0999-11-02 09:15:22 +0100")
                == .string("0999-11-02T09:15:22+01:00"))
        #expect(try evaluate("{ datetime: v }", "0001-01-01T00:00:00Z") == .string("0001-01-01T00:00:00+00:00"))
        let zero = try #require(error("{ datetime: v }", "0000-01-01T00:00:00Z"))
        #expect(zero.code == .badDate && zero.message.contains("years 0001 to 9999"))
    }

    @Test func aLocalTimeInTheSpringForwardGapMovesForwardByTheGap() throws {
        // Clocks in Paris jumped from 02:00 to 03:00 on 2026-03-29: 02:30 never happened on the wall clock.
        #expect(try evaluate("{ datetime: v }", "2026-03-29T02:30:00", timezone: "Europe/Paris") == .string("2026-03-29T03:30:00+02:00"))
        #expect(try evaluate("{ datetime: v }", "2026-03-29T01:59:59", timezone: "Europe/Paris") == .string("2026-03-29T01:59:59+01:00"))
        #expect(try evaluate("{ datetime: v }", "2026-03-29T03:00:00", timezone: "Europe/Paris") == .string("2026-03-29T03:00:00+02:00"))
        // 02:30 on 2026-10-25 happened twice: standard time (the later one), as PostgreSQL reads it.
        #expect(try evaluate("{ datetime: v }", "2026-10-25T02:30:00", timezone: "Europe/Paris") == .string("2026-10-25T02:30:00+01:00"))
    }

    @Test func aLeapSecondRollsIntoTheNextMinute() throws {
        #expect(try evaluate("{ datetime: v }", "2016-12-31T23:59:60Z") == .string("2017-01-01T00:00:00+00:00"))
        #expect(try evaluate("{ datetime: v }", "2016-12-31T23:59:60.5", timezone: "UTC") == .string("2017-01-01T00:00:00.5+00:00"))
        #expect(error("{ datetime: v }", "9999-12-31T23:59:60Z")?.code == .badDate, "no year 10000")
    }
}
