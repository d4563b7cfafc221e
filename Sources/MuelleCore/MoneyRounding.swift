/// Which money fields a mapping lets muelle round to their currency's places, and how. A field the
/// mapping does not name here keeps the rule: more decimal places than the currency has is an error,
/// since silently dropping `0.000001` of every price hides an export that is wrong.
public struct MoneyRounding: Sendable, Equatable {
    /// How a rounded amount treats an exact half.
    public enum Mode: String, Sendable, CaseIterable {
        /// To the even neighbour (banker's rounding): 0.125 → 0.12, 0.135 → 0.14.
        case halfEven = "half_even"
        /// Away from zero: 0.125 → 0.13, -0.125 → -0.13.
        case halfUp = "half_up"
    }

    /// By field path without indexes: `lines.unit_price`, `totals.shipping`, `price`.
    public var modes: [String: Mode]

    public init(_ modes: [String: Mode] = [:]) { self.modes = modes }

    public func mode(for field: String) -> Mode? { modes[field] }
}

/// How many amounts of one file were rounded, by field path (`lines.unit_price`): what the file's
/// report and log show, so a rounding the mapping allows is still seen.
public struct RoundedAmounts: Sendable, Equatable {
    public private(set) var counts: [String: Int] = [:]

    public init() {}

    public var isEmpty: Bool { counts.isEmpty }

    mutating func count(_ field: String) { counts[field, default: 0] += 1 }

    public mutating func add(_ other: RoundedAmounts) {
        for (field, n) in other.counts { counts[field, default: 0] += n }
    }

    /// `lines.unit_price 2, totals.shipping 1`
    public var description: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}

/// Collects what one record's checks rounded; merged into the file's count only when the record is kept.
final class RoundingLog {
    var rounded = RoundedAmounts()
}
