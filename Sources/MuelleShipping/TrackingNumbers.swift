import MuelleCore

extension MuelleError.Code {
    /// An agreement's tracking-number range has no number left.
    public static let trackingRangeExhausted = MuelleError.Code(rawValue: "tracking_range_exhausted")
    /// A quote or shipment the carrier's profile cannot serve (unknown service, no zone, too heavy).
    public static let notShippable = MuelleError.Code(rawValue: "not_shippable")
    /// An order ended (cancelled, refunded) after its parcels were handed over: staff must intercept them.
    public static let cancelledAfterHandover = MuelleError.Code(rawValue: "cancelled_after_handover")
}

/// How a carrier's tracking numbers are made: prefix, a serial from the range it allocated to the
/// agreement (zero-padded to the width of its last number), then the check digit.
public struct TrackingNumberScheme: Sendable, Equatable {
    public var prefix: String
    public var first: UInt64
    public var last: UInt64
    public var checkDigit: CheckDigitAlgorithm

    public init(prefix: String, first: UInt64, last: UInt64, checkDigit: CheckDigitAlgorithm) {
        self.prefix = prefix
        self.first = first
        self.last = last
        self.checkDigit = checkDigit
    }

    /// Digits of the serial part: every number of the range has the same length.
    public var serialWidth: Int { String(last).count }

    /// The range as people write it: 7394000000–7394999999.
    public var rangeText: String { "\(padded(first))–\(padded(last))" }

    func padded(_ serial: UInt64) -> String {
        let digits = String(serial)
        return String(repeating: "0", count: max(0, serialWidth - digits.count)) + digits
    }

    /// The tracking number of `serial`, or nil when the algorithm has no check digit for it.
    public func trackingNumber(serial: UInt64) -> String? {
        let digits = padded(serial)
        guard let check = checkDigit.checkDigit(for: digits) else { return nil }
        return prefix + digits + String(check)
    }
}

/// One tracking number handed out: the serial (what the ledger keeps) and the full number.
public struct AllocatedTrackingNumber: Sendable, Equatable {
    public var serial: UInt64
    public var number: String
}

/// Hands out an agreement's tracking numbers in order, as a pure value: the ledger stores
/// `lastSerial` after each allocation and gives it back next time.
public struct TrackingNumberAllocator: Sendable {
    public let scheme: TrackingNumberScheme
    /// Named in the error when the range runs out.
    public let agreement: String
    /// The profile file to extend with a new range (`mappings/carriers/coordinadora.yaml`).
    public let profileFile: String
    /// The last serial handed out; nil before the first.
    public private(set) var lastSerial: UInt64?

    public init(scheme: TrackingNumberScheme, agreement: String, profileFile: String, lastSerial: UInt64?) {
        self.scheme = scheme
        self.agreement = agreement
        self.profileFile = profileFile
        self.lastSerial = lastSerial
    }

    /// The next number of the range with its check digit. Serials the algorithm cannot check
    /// (mod 11 remainder 1) are passed over, as carriers do.
    public mutating func next() throws -> AllocatedTrackingNumber {
        var candidate: UInt64
        if let lastSerial {
            // A serial below the range (the range was replaced in the profile) restarts at its start.
            candidate = lastSerial < scheme.first ? scheme.first : lastSerial &+ 1
            if lastSerial == UInt64.max { throw exhausted() }
        } else {
            candidate = scheme.first
        }
        while candidate <= scheme.last {
            if let number = scheme.trackingNumber(serial: candidate) {
                lastSerial = candidate
                return AllocatedTrackingNumber(serial: candidate, number: number)
            }
            if candidate == scheme.last { break }
            candidate += 1
        }
        throw exhausted()
    }

    /// `count` numbers at once (one per parcel), or an error with none allocated.
    public mutating func next(_ count: Int) throws -> [AllocatedTrackingNumber] {
        var copy = self
        var numbers: [AllocatedTrackingNumber] = []
        for _ in 0..<max(0, count) { numbers.append(try copy.next()) }
        self = copy
        return numbers
    }

    /// `count` numbers from serials the ledger reserves: `reserve(n, first)` hands out `n` consecutive serials in
    /// one step (from `first` when none was handed out yet or the last lies below the range), inside the commit's
    /// transaction. The numbers are the ones `next(_:)` gives: serials without a check digit are passed over and
    /// more are reserved in their place; a reservation past the range's end is an exhausted range, and the
    /// transaction that reserved it rolls back.
    public func reserved(_ count: Int, reserve: (_ count: Int, _ first: UInt64) throws -> ClosedRange<UInt64>) throws -> [AllocatedTrackingNumber] {
        var numbers: [AllocatedTrackingNumber] = []
        while numbers.count < count {
            let serials = try reserve(count - numbers.count, scheme.first)
            guard serials.upperBound <= scheme.last else { throw exhausted() }
            for serial in serials {
                if let number = scheme.trackingNumber(serial: serial) { numbers.append(AllocatedTrackingNumber(serial: serial, number: number)) }
            }
        }
        return numbers
    }

    private func exhausted() -> MuelleError {
        MuelleError(.trackingRangeExhausted, "the tracking-number range \(scheme.rangeText) of agreement \(agreement) is used up; ask the carrier for a new range and add it to \(profileFile)")
    }
}
