import Foundation
import MuelleCore
import Yams

/// The `import:` section: which orders are imported the first time, beyond the route's filter —
/// a window on `created_at` relative to the time of processing, and statuses never imported.
///
/// Like the filter, these decide only the first import: a known order that changes is an update.
public struct ImportRules: Sendable {
    public enum Unit: String, Sendable { case hours, days, weeks, months }

    public var window: (count: Int, unit: Unit)?
    public var excludedStatuses: Set<String> = []
    /// Where each rule is written (`mappings/<route>.yaml:line:column`), to explain what it turned away.
    var windowLocation = ""
    var statusesLocation = ""

    static let keys: Set<String> = ["window", "exclude_statuses"]

    /// Whether a normalised order is imported when first seen at `now`.
    public func admits(_ order: Value, now: Date) -> Bool {
        refusal(order, now: now) == nil
    }

    /// The rule that keeps an order out when first seen at `now`: as written, where, and the value
    /// it looked at; nil when the order is admitted.
    func refusal(_ order: Value, now: Date) -> (rule: String, location: String, example: String?)? {
        refusal(status: order["status"]?.text, createdAt: order["created_at"]?.text, now: now)
    }

    /// The same, from a typed order's `status` and `created_at`.
    func refusal(status: String?, createdAt created: String?, now: Date) -> (rule: String, location: String, example: String?)? {
        if let status, excludedStatuses.contains(status) {
            return ("exclude_statuses: [\(excludedStatuses.sorted().joined(separator: ", "))]", statusesLocation, status)
        }
        guard let window else { return nil }
        if let created, let instant = Self.instant(created), instant >= Self.start(of: window, before: now) { return nil }
        return ("window: \(window.count) \(window.unit.rawValue)", windowLocation, created)
    }

    static func start(of window: (count: Int, unit: Unit), before now: Date) -> Date {
        switch window.unit {
        case .hours: return now.addingTimeInterval(-3600 * Double(window.count))
        case .days: return now.addingTimeInterval(-86400 * Double(window.count))
        case .weeks: return now.addingTimeInterval(-7 * 86400 * Double(window.count))
        case .months:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            return calendar.date(byAdding: .month, value: -window.count, to: now) ?? now
        }
    }

    /// The instant of a normalised `created_at` (ISO 8601 with offset).
    static func instant(_ text: String) -> Date? {
        guard let parsed = DateTimePattern.iso8601.parse(text), let offset = parsed.offsetSeconds else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(parsed.localEpochSeconds - offset))
    }

    init() {}

    init(source: YAMLSource, node: Node?) {
        guard let node else { return }
        guard let pairs = node.stringKeyedPairs else {
            source.error("'import' is a mapping with 'window' and 'exclude_statuses'", at: node)
            return
        }
        for pair in pairs where !Self.keys.contains(pair.key) {
            source.error("unknown import rule '\(pair.key)'; rules are window, exclude_statuses", at: pair.keyNode)
        }
        func location(_ node: Node) -> String { "\(source.file):\(node.mark?.line ?? 1):\(node.mark?.column ?? 1)" }
        if let windowNode = node.member("window") {
            windowLocation = location(windowNode)
            let parts = (windowNode.string ?? "").split(separator: " ")
            let unitName = parts.count == 2 ? parts[1].lowercased() : ""
            let unit = Unit(rawValue: unitName) ?? Unit(rawValue: unitName + "s")
            if parts.count == 2, let count = Int(parts[0]), count > 0, let unit {
                window = (count, unit)
            } else {
                source.error("a window reads like '60 days' or '2 months' (hours, days, weeks, months)", at: windowNode)
            }
        }
        if let statuses = node.member("exclude_statuses") {
            statusesLocation = location(statuses)
            guard case .sequence(let items) = statuses else {
                source.error("'exclude_statuses' is a list of muelle statuses, such as [delivered, cancelled]", at: statuses)
                return
            }
            for item in items {
                let status = item.string ?? ""
                if OrderContract.statuses.contains(status) { excludedStatuses.insert(status) } else {
                    source.error("'\(status)' is not a muelle status; statuses are \(OrderContract.statuses.joined(separator: ", "))", at: item)
                }
            }
        }
    }
}
