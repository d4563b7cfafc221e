/// A duration as mappings write it: a whole number and a unit, "90 seconds", "5 minutes", "1 hour", "1 day".
enum DurationSetting {
    private static let unitSeconds = [
        "second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400,
    ]

    /// The seconds `text` stands for; `nil` when it does not read like "5 minutes" or is not positive.
    static func seconds(_ text: String) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let count = Int(parts[0]), count > 0,
              let unit = unitSeconds[String(parts[1])] else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : total
    }

    /// `seconds` as a mapping would write it: "2 seconds", "10 minutes", "1 hour".
    static func words(_ seconds: Int) -> String {
        for (unit, size) in [("day", 86400), ("hour", 3600), ("minute", 60)] where seconds % size == 0 {
            let count = seconds / size
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return "\(seconds) second\(seconds == 1 ? "" : "s")"
    }
}
