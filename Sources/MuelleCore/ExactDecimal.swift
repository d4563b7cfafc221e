import Foundation

/// Exact decimal text ⇄ `Decimal`, without `Double` and without locale-dependent formatters.
public enum ExactDecimal {
    /// Parses `text` written with the given separators ("1.234,56" with `decimal: ","`, `thousands: "."`).
    /// Returns `nil` unless the whole text is one number: "12,5x", "1.2.3" and "" are not numbers.
    public static func parse(_ text: String, decimalSeparator: Character = ".", thousandsSeparator: Character? = nil) -> Decimal? {
        var digits = ""
        digits.reserveCapacity(text.utf8.count)
        var sawDigit = false
        var sawDecimal = false
        var sawExponent = false
        var index = text.startIndex
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        index = trimmed.startIndex
        if index < trimmed.endIndex, trimmed[index] == "-" || trimmed[index] == "+" {
            if trimmed[index] == "-" { digits.append("-") }
            index = trimmed.index(after: index)
        }
        while index < trimmed.endIndex {
            let c = trimmed[index]
            if c.isASCII, c.isNumber {
                digits.append(c)
                sawDigit = true
            } else if c == decimalSeparator, !sawDecimal, !sawExponent {
                digits.append(".")
                sawDecimal = true
            } else if let thousandsSeparator, c == thousandsSeparator, !sawDecimal, sawDigit {
                // Grouping is only accepted before the decimal separator.
            } else if (c == "e" || c == "E"), sawDigit, !sawExponent {
                digits.append("e")
                sawExponent = true
                let next = trimmed.index(after: index)
                if next < trimmed.endIndex, trimmed[next] == "-" || trimmed[next] == "+" {
                    digits.append(trimmed[next])
                    index = next
                }
            } else {
                return nil
            }
            index = trimmed.index(after: index)
        }
        guard sawDigit, digits.last != "e", digits.last != "-", digits.last != "+" else { return nil }
        return Decimal(string: digits, locale: posix)
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
