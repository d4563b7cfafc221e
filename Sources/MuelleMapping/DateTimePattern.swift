import Foundation
import MuelleCore

/// A date/time format compiled once (`yyyy-MM-dd HH:mm:ss Z`, `dd/MM/yyyy HH:mm`, or `iso8601`),
/// parsing text into a local date/time and an optional UTC offset without `DateFormatter`,
/// whose locale and lenient parsing would let bad dates through.
struct DateTimePattern: Sendable {
    enum Token: Sendable, Equatable {
        case year, month, day, hour, minute, second, fraction, offset
        case literal(Character)
    }

    let tokens: [Token]?  // nil: ISO 8601, flexible

    static let iso8601 = DateTimePattern(tokens: nil)

    /// Returns nil when the pattern has a letter it does not know.
    init?(_ pattern: String) {
        if pattern.lowercased() == "iso8601" || pattern.lowercased() == "iso-8601" {
            self.tokens = nil
            return
        }
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var run = 1
            while i + run < chars.count, chars[i + run] == c { run += 1 }
            switch c {
            case "y" where run == 4: tokens.append(.year)
            case "M" where run <= 2: tokens.append(.month)
            case "d" where run <= 2: tokens.append(.day)
            case "H" where run <= 2: tokens.append(.hour)
            case "m" where run <= 2: tokens.append(.minute)
            case "s" where run <= 2: tokens.append(.second)
            case "S": tokens.append(.fraction)
            case "Z", "X", "x": tokens.append(.offset)
            case "'":
                var j = i + 1
                while j < chars.count, chars[j] != "'" { tokens.append(.literal(chars[j])); j += 1 }
                i = j + 1
                continue
            default:
                if c.isLetter { return nil }
                for _ in 0..<run { tokens.append(.literal(c)) }
            }
            i += run
        }
        self.tokens = tokens
    }

    private init(tokens: [Token]?) { self.tokens = tokens }

    struct Parsed: Equatable {
        var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction = ""
        var offsetSeconds: Int?
    }

    func parse(_ text: String) -> Parsed? {
        // Foundation's trimming costs more than the parse: only when an end is whitespace at all.
        var scanner = DigitScanner(Array((Value.needsTrimming(text) ? text.trimmingCharacters(in: .whitespaces) : text).utf8))
        var parsed = Parsed()
        guard let tokens else { return parseISO(&scanner) }
        for token in tokens {
            switch token {
            case .year: guard let v = scanner.digits(4, 4) else { return nil }; parsed.year = v
            case .month: guard let v = scanner.digits(1, 2) else { return nil }; parsed.month = v
            case .day: guard let v = scanner.digits(1, 2) else { return nil }; parsed.day = v
            case .hour: guard let v = scanner.digits(1, 2) else { return nil }; parsed.hour = v
            case .minute: guard let v = scanner.digits(2, 2) else { return nil }; parsed.minute = v
            case .second: guard let v = scanner.digits(2, 2) else { return nil }; parsed.second = v
            case .fraction: parsed.fraction = scanner.digitRun()
            case .offset: guard let o = scanner.offset() else { return nil }; parsed.offsetSeconds = o
            case .literal(let c):
                if c == " " { guard scanner.skipSpaces() else { return nil }; continue }
                guard scanner.literal(c) else { return nil }
            }
        }
        guard scanner.atEnd, parsed.isValid else { return nil }
        return parsed
    }

    private func parseISO(_ scanner: inout DigitScanner) -> Parsed? {
        var parsed = Parsed()
        guard let y = scanner.digits(4, 4), scanner.literal("-"), let m = scanner.digits(2, 2),
              scanner.literal("-"), let d = scanner.digits(2, 2) else { return nil }
        (parsed.year, parsed.month, parsed.day) = (y, m, d)
        if scanner.literal("T") || scanner.literal(" ") {
            guard let h = scanner.digits(2, 2), scanner.literal(":"), let mi = scanner.digits(2, 2) else { return nil }
            (parsed.hour, parsed.minute) = (h, mi)
            if scanner.literal(":") {
                guard let s = scanner.digits(2, 2) else { return nil }
                parsed.second = s
                if scanner.literal(".") || scanner.literal(",") { parsed.fraction = scanner.digitRun() }
            }
            _ = scanner.skipSpaces()
            if !scanner.atEnd {
                guard let o = scanner.offset() else { return nil }
                parsed.offsetSeconds = o
            }
        }
        guard scanner.atEnd, parsed.isValid else { return nil }
        return parsed
    }
}

extension DateTimePattern.Parsed {
    /// Years 0001–9999, as ISO 8601 writes them in four digits without agreement between the parties;
    /// second 60 (a leap second) is valid here and rolled into the next minute by `normalisingLeapSecond()`.
    var isValid: Bool {
        guard (1...9999).contains(year), (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// Seconds since 1970 of the local date/time read as if it were UTC.
    var localEpochSeconds: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return days * 86400 + hour * 3600 + minute * 60 + second
    }

    /// The same wall-clock reading `seconds` later, the calendar carried (23:59:60 + 0 → next day 00:00:00).
    func adding(seconds: Int) -> Self {
        var copy = self
        let total = localEpochSeconds + seconds
        let days = Int((Double(total) / 86_400).rounded(.down))
        let inDay = total - days * 86_400
        (copy.hour, copy.minute, copy.second) = (inDay / 3600, inDay % 3600 / 60, inDay % 60)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        copy.day = doy - (153 * mp + 2) / 5 + 1
        copy.month = mp < 10 ? mp + 3 : mp - 9
        copy.year = yoe + era * 400 + (copy.month <= 2 ? 1 : 0)
        return copy
    }

    /// This wall-clock reading placed in `zone`, with the zone's offset, as PostgreSQL does (Appendix B.2):
    /// a time the clocks skipped (02:30 in Paris on 2026-03-29) is read with the offset before the change and
    /// written as the wall-clock time it is (03:30+02:00), as java.time also does; a time that occurs twice
    /// (02:30 on 2026-10-25) is read as standard time, the later one (+01:00).
    func placed(in zone: TimeZone) -> (Self, offsetSeconds: Int) {
        let local = localEpochSeconds
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - first)))
        let actual = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - offset)))
        // Differing offsets mean the reading falls in a gap: move it forward by the gap's length.
        return actual == offset ? (self, offset) : (adding(seconds: actual - offset), actual)
    }

    /// A leap second (`23:59:60`) as the first second of the next minute, as PostgreSQL reads it: no
    /// system downstream takes second 60, and the instant is the same to within that second.
    func normalisingLeapSecond() -> Self {
        second == 60 ? adding(seconds: 0) : self
    }

    /// ISO 8601 with the offset: `2026-11-02T09:15:22+01:00`; a non-zero fraction is kept. The year has
    /// four digits (`0999-01-01`), as ISO 8601 and every reader of it expect.
    func iso8601(offsetSeconds offset: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText = String(year)
        var text = "\(String(repeating: "0", count: max(0, 4 - yearText.count)))\(yearText)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
        var trimmedFraction = Substring(fraction)
        while trimmedFraction.last == "0" { trimmedFraction = trimmedFraction.dropLast() }
        if !trimmedFraction.isEmpty { text += "." + trimmedFraction }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return text + "\(sign)\(two(magnitude / 3600)):\(two(magnitude % 3600 / 60))"
    }
}

/// Reads digits, literals and UTC offsets from ASCII bytes.
struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func digits(_ minimum: Int, _ maximum: Int) -> Int? {
        var value = 0, count = 0
        while count < maximum, index < bytes.count, (48...57).contains(bytes[index]) {
            value = value * 10 + Int(bytes[index] - 48)
            index += 1
            count += 1
        }
        return count >= minimum ? value : nil
    }

    mutating func digitRun() -> String {
        var text = ""
        while index < bytes.count, (48...57).contains(bytes[index]) {
            text.append(Character(UnicodeScalar(bytes[index])))
            index += 1
        }
        return text
    }

    mutating func literal(_ c: Character) -> Bool {
        guard let ascii = c.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func skipSpaces() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] == 32 { index += 1 }
        return index > start
    }

    /// `Z`, `+01:00`, `+0100`, `-05`.
    mutating func offset() -> Int? {
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") { index += 1; return 0 }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
        let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
        index += 1
        guard let hours = digits(2, 2), hours <= 18 else { return nil }
        _ = literal(":")
        let minutes = digits(2, 2) ?? 0
        guard minutes < 60 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
