/// A moment on a source's own clock (`updated_at`, `occurred_at`), comparable whatever offset it
/// was written with: `2026-11-05T14:22:10-05:00` is after `2026-11-05T20:00:00+01:00`.
public struct SourceTime: Sendable, Comparable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    let seconds: Int64
    /// The fraction as nanoseconds (digits past the ninth are dropped).
    let nanoseconds: Int64

    /// Parses the ISO 8601 form every normalised record carries (`yyyy-MM-ddTHH:mm:ss[.fraction](±HH:MM|Z)`);
    /// nil for anything else.
    public init?(_ text: String) {
        guard FieldChecker.isTimestampWithOffset(text) else { return nil }
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64 { range.reduce(0) { $0 * 10 + Int64(b[$1] - 0x30) } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Self.days(year: year, month: month, day: day) * 86_400 + number(11..<13) * 3600 + number(14..<16) * 60 + number(17..<19)
        var i = 19
        var nanoseconds: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }
        if b[i] != UInt8(ascii: "Z") {
            let offset = number(i + 1..<i + 3) * 3600 + number(i + 4..<i + 6) * 60
            seconds -= b[i] == UInt8(ascii: "+") ? offset : -offset
        }
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func < (a: SourceTime, b: SourceTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}
