import Foundation

/// Exact decimal text ⇄ `Decimal`, without `Double` and without locale-dependent formatters.
public enum ExactDecimal {
    /// Parses `text` written with the given separators ("1.234,56" with `decimal: ","`, `thousands: "."`).
    /// Returns `nil` unless the whole text is one number: "12,5x", "1.2.3" and "" are not numbers.
    /// Surrounding spaces are allowed. Up to 18 significant digits go through `ExactNumber` (no text
    /// round trip); longer numbers and exponents through Foundation's exact parser.
    public static func parse(_ text: String, decimalSeparator: Character = ".", thousandsSeparator: Character? = nil) -> Decimal? {
        guard let decimalByte = decimalSeparator.asciiValue else { return nil }
        let thousandsByte = thousandsSeparator?.asciiValue ?? 0
        var text = text
        return text.withUTF8 { parse(utf8: $0, decimal: decimalByte, thousands: thousandsByte) }
    }

    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, decimal: UInt8, thousands: UInt8) -> Decimal? {
        if let exact = ExactNumber.parse(bytes, decimal: decimal, thousands: thousands) { return exact.decimal }
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return slowParse(bytes, start, end, decimal: decimal, thousands: thousands)
    }

    /// Long mantissas and exponents: normalise the text and let Foundation parse it exactly.
    private static func slowParse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, decimal: UInt8, thousands: UInt8) -> Decimal? {
        var normalised: [UInt8] = []
        var sawDigit = false, sawDecimal = false, sawExponent = false
        var index = start
        while index < end {
            let b = bytes[index]
            switch b {
            case 0x30...0x39: normalised.append(b); sawDigit = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard index == start || (sawExponent && (normalised.last == UInt8(ascii: "e"))) else { return nil }
                normalised.append(b)
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard sawDigit, !sawExponent else { return nil }
                sawExponent = true
                normalised.append(UInt8(ascii: "e"))
            default:
                if b == decimal, !sawDecimal, !sawExponent {
                    sawDecimal = true
                    normalised.append(UInt8(ascii: "."))
                } else if thousands != 0, b == thousands, !sawDecimal, sawDigit {
                    break
                } else {
                    return nil
                }
            }
            index += 1
        }
        guard sawDigit, let last = normalised.last, last >= 0x30 && last <= 0x39 || last == UInt8(ascii: ".") else { return nil }
        return Decimal(string: String(decoding: normalised, as: UTF8.self), locale: posix)
    }

    /// Plain decimal text with exactly `scale` fraction digits, rounded half away from zero.
    public static func format(_ value: Decimal, scale: Int) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, scale, .plain)
        var text = plain(rounded)
        guard scale > 0 else { return text }
        if let dot = text.firstIndex(of: ".") {
            let fraction = text.distance(from: text.index(after: dot), to: text.endIndex)
            if fraction < scale { text += String(repeating: "0", count: scale - fraction) }
        } else {
            text += "." + String(repeating: "0", count: scale)
        }
        return text
    }

    /// Plain decimal text, as short as exact ("2.5", "100", "-0.125").
    public static func plain(_ value: Decimal) -> String {
        let text = value.description
        // Foundation never uses exponent notation for Decimal.description, but guard the contract.
        if text.contains("e") || text.contains("E") {
            return NSDecimalNumber(decimal: value).stringValue
        }
        return text
    }

    /// Fraction digits of a currency (ISO 4217 minor units); 2 unless the currency says otherwise.
    public static func minorUnits(of currency: String?) -> Int {
        switch currency?.uppercased() {
        case "JPY", "KRW", "CLP", "ISK", "VND", "PYG", "UGX", "XAF", "XOF": return 0
        case "BHD", "KWD", "OMR", "TND", "JOD", "IQD", "LYD": return 3
        default: return 2
        }
    }

    private static let posix = Locale(identifier: "en_US_POSIX")
}
