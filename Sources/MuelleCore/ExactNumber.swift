import Foundation

/// A decimal held as an integer mantissa and a count of fraction digits: the fast path for the
/// amounts that fill order files (up to 18 significant digits), exact and free of allocation.
/// Anything larger returns nil and the caller takes the `Decimal` path.
public struct ExactNumber: Sendable, Equatable {
    public var mantissa: Int64
    /// Digits after the decimal point.
    public var scale: Int

    public init(mantissa: Int64, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    /// Parses decimal text written with the given separators; nil when it is not a number or too long.
    public init?(_ text: String, decimal: UInt8 = UInt8(ascii: "."), thousands: UInt8 = 0) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0, decimal: decimal, thousands: thousands) }) else { return nil }
        self = parsed
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, decimal: UInt8, thousands: UInt8) -> ExactNumber? {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var i = start
        var negative = false
        if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: Int64 = 0
        var digits = 0, scale = 0
        var sawDecimal = false, sawDigit = false
        while i < end {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                if mantissa != 0 || b != 0x30 { digits += 1 }
                guard digits <= 18 else { return nil }
                mantissa = mantissa * 10 + Int64(b - 0x30)
                if sawDecimal { scale += 1 }
            } else if b == decimal, !sawDecimal {
                sawDecimal = true
            } else if thousands != 0, b == thousands, !sawDecimal, sawDigit {
                // Grouping is only accepted before the decimal separator.
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        return ExactNumber(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    private static let powers: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { acc, _ in acc * 10 } }

    /// This number with `scale` raised to `target` (exact), or nil on overflow.
    func scaled(to target: Int) -> ExactNumber? {
        guard target >= scale else { return nil }
        let shift = target - scale
        guard shift <= 18 else { return nil }
        let (m, overflow) = mantissa.multipliedReportingOverflow(by: Self.powers[shift])
        return overflow ? nil : ExactNumber(mantissa: m, scale: target)
    }

    public func adding(_ other: ExactNumber) -> ExactNumber? {
        let target = max(scale, other.scale)
        guard let a = scaled(to: target), let b = other.scaled(to: target) else { return nil }
        let (sum, overflow) = a.mantissa.addingReportingOverflow(b.mantissa)
        return overflow ? nil : ExactNumber(mantissa: sum, scale: target)
    }

    public func subtracting(_ other: ExactNumber) -> ExactNumber? {
        adding(ExactNumber(mantissa: -other.mantissa, scale: other.scale))
    }

    public func multiplying(_ other: ExactNumber) -> ExactNumber? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: other.mantissa)
        guard !overflow, scale + other.scale <= 18 else { return nil }
        return ExactNumber(mantissa: product, scale: scale + other.scale)
    }

    /// Rounded half away from zero to `target` fraction digits (or padded), as text.
    public func formatted(scale target: Int) -> String? {
        if target >= scale { return scaled(to: target)?.text(trimmingZeros: false) }
        let drop = scale - target
        guard drop <= 18 else { return nil }
        let divisor = Self.powers[drop]
        var quotient = mantissa / divisor
        let remainder = mantissa % divisor
        if abs(remainder) * 2 >= divisor { quotient += mantissa < 0 ? -1 : 1 }
        return ExactNumber(mantissa: quotient, scale: target).text(trimmingZeros: false)
    }

    /// Fraction digits up to the last one that is not zero: 2 for 14.90, 0 for 10.0000.
    public var significantScale: Int {
        var m = mantissa, s = scale
        while s > 0, m % 10 == 0 { m /= 10; s -= 1 }
        return s
    }

    /// Rounded to `target` fraction digits (half to even, or half away from zero); nil past 18 digits.
    public func rounded(scale target: Int, halfEven: Bool) -> ExactNumber? {
        guard target < scale else { return scaled(to: target) }
        let drop = scale - target
        guard drop <= 18 else { return nil }
        let divisor = Self.powers[drop]
        var quotient = mantissa / divisor
        let remainder = abs(mantissa % divisor)
        let away = remainder * 2 > divisor || (remainder * 2 == divisor && (!halfEven || quotient % 2 != 0))
        if away { quotient += mantissa < 0 ? -1 : 1 }
        return ExactNumber(mantissa: quotient, scale: target)
    }

    /// Plain text; `trimmingZeros` gives the shortest exact form ("2.5", "100").
    public func text(trimmingZeros: Bool = true) -> String {
        var m = mantissa.magnitude
        var s = scale
        if trimmingZeros { while s > 0, m % 10 == 0 { m /= 10; s -= 1 } }
        var digits = Array(String(m).utf8)
        if s > 0 {
            if digits.count <= s { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: s - digits.count + 1), at: 0) }
            digits.insert(UInt8(ascii: "."), at: digits.count - s)
        }
        if mantissa < 0 && m != 0 { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The number as an integer, when it has no fraction ("2.00" → 2); nil for "2.5".
    public var wholeValue: Int64? {
        let divisor = Self.powers[min(scale, 18)]
        return mantissa % divisor == 0 ? mantissa / divisor : nil
    }

    public var decimal: Decimal {
        Decimal(sign: mantissa < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(mantissa.magnitude))
    }
}
