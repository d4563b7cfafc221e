import Foundation
import Yams

/// `expect:` in a route's mapping: how often its feed arrives, so that a feed that stops is noticed.
///
/// `{ every: 10 minutes }` — an input at least every ten minutes; `{ by: "07:00", timezone: Europe/Madrid }`
/// — an input every day before 07:00 there (since 07:00 the day before).
public enum FeedExpectation: Sendable, Equatable {
    case every(seconds: Int)
    case dailyBy(hour: Int, minute: Int, timeZone: TimeZone)

    /// From the last arrival (or, when nothing ever came, from when the route was set up), when the feed
    /// became late as of `now`; nil while it is on time.
    public func lateSince(lastArrival: Date?, setUpAt: Date, now: Date) -> Date? {
        switch self {
        case .every(let seconds):
            let deadline = (lastArrival ?? setUpAt).addingTimeInterval(TimeInterval(seconds))
            return now > deadline ? deadline : nil
        case .dailyBy(let hour, let minute, let timeZone):
            guard let deadline = Self.latestDeadline(hour: hour, minute: minute, timeZone: timeZone, notAfter: now),
                  let windowStart = Self.previousDay(of: deadline, timeZone: timeZone) else { return nil }
            // A route set up after the window opened has not had its first full day yet.
            if setUpAt > windowStart, lastArrival == nil { return nil }
            if let lastArrival, lastArrival > windowStart { return nil }
            return deadline
        }
    }

    /// How the expectation reads in messages: "every 10 minutes", "by 07:00 Europe/Madrid".
    public var description: String {
        switch self {
        case .every(let seconds): "every \(DurationSetting.words(seconds))"
        case .dailyBy(let hour, let minute, let timeZone): String(format: "by %02d:%02d ", hour, minute) + timeZone.identifier
        }
    }

    /// The latest `hh:mm` in `timeZone` at or before `now` (today's, or yesterday's before it comes).
    static func latestDeadline(hour: Int, minute: Int, timeZone: TimeZone, notAfter now: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let today = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: now) else { return nil }
        return today <= now ? today : calendar.date(byAdding: .day, value: -1, to: today)
    }

    static func previousDay(of date: Date, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(byAdding: .day, value: -1, to: date)
    }

    /// Compiles the `expect:` section; errors name the line.
    static func compile(source: YAMLSource, node: Node?, routeTimeZone: String?) -> FeedExpectation? {
        guard let node else { return nil }
        guard let pairs = node.stringKeyedPairs else {
            source.error("'expect' says how often the feed arrives: { every: 10 minutes } or { by: \"07:00\", timezone: Europe/Madrid }", at: node)
            return nil
        }
        let keys: Set<String> = ["every", "by", "timezone"]
        for pair in pairs where !keys.contains(pair.key) {
            source.error("unknown expect setting '\(pair.key)'; settings are by, every, timezone", at: pair.keyNode)
        }
        switch (node.member("every"), node.member("by")) {
        case (let every?, nil):
            if let zone = node.member("timezone") { source.error("timezone goes with 'by', not with 'every'", at: zone) }
            guard let seconds = DurationSetting.seconds(every.string ?? "") else {
                source.error("every reads like '10 minutes' (seconds, minutes, hours or days)", at: every)
                return nil
            }
            return .every(seconds: seconds)
        case (nil, let by?):
            let parts = (by.string ?? "").split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
                  (0..<24).contains(hour), (0..<60).contains(minute) else {
                source.error("by is a time of day as \"HH:MM\" (quoted), such as \"07:00\"", at: by)
                return nil
            }
            let zoneNode = node.member("timezone")
            guard let name = zoneNode?.string ?? routeTimeZone else {
                source.error("'by' needs a timezone (here, or the route's), such as timezone: America/Bogota", at: node)
                return nil
            }
            guard let timeZone = TimeZone(identifier: name) else {
                source.error("unknown timezone '\(name)'; use an IANA name such as America/Bogota", at: zoneNode ?? node)
                return nil
            }
            return .dailyBy(hour: hour, minute: minute, timeZone: timeZone)
        case (.some, .some):
            source.error("expect takes 'every' or 'by', not both", at: node)
            return nil
        case (nil, nil):
            source.error("'expect' needs 'every' (such as 10 minutes) or 'by' (such as \"07:00\")", at: node)
            return nil
        }
    }
}
