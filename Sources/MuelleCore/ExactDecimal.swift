import Foundation

/// Exact decimal text ⇄ `Decimal`, without `Double` and without locale-dependent formatters.
public enum ExactDecimal {
    /// Parses `text` written with the given separators ("1.234,56" with `decimal: ","`, `thousands: "."`).
    /// Returns `nil` unless the whole text is one number: "12,5x", "1.2.3" and "" are not numbers.
    /// Surrounding spaces are allowed. Up to 18 significant digits go through `ExactNumber` (no text
    /// round trip); longer numbers and exponents through Foundation's exact parser. A number `Decimal`
    /// cannot hold exactly (more than 38 significant digits, or an exponent out of its range) is nil too,
    /// never rounded: `sizeProblem(of:)` says why.
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
        guard significantDigits(normalised) <= maximumDigits,
              let value = Decimal(string: String(decoding: normalised, as: UTF8.self), locale: posix), !value.isNaN else { return nil }
        // Foundation turns an exponent below its range into 0 (and one above into NaN): refuse, don't round.
        if value.isZero, normalised.prefix(while: { $0 != UInt8(ascii: "e") }).contains(where: { $0 >= 0x31 && $0 <= 0x39 }) { return nil }
        return value
    }

    /// Significant digits `Decimal` holds exactly (its mantissa is 128 bits): an amount with more is
    /// refused rather than silently rounded, as PostgreSQL refuses a value too precise for its `numeric(p)`.
    public static let maximumDigits = 38

    /// Why `text`, which looks like a number, is not one muelle can hold exactly; nil when its size is not
    /// the problem (it is a number, or not a number at all).
    public static func sizeProblem(of text: String, decimalSeparator: Character = ".", thousandsSeparator: Character? = nil) -> String? {
        guard parse(text, decimalSeparator: decimalSeparator, thousandsSeparator: thousandsSeparator) == nil else { return nil }
        // The same text with every digit 0 is a number exactly when the text is one, whatever its size.
        let shape = String(text.map { $0.isASCII && $0.isNumber ? "0" : $0 })
        guard parse(shape, decimalSeparator: decimalSeparator, thousandsSeparator: thousandsSeparator) != nil else { return nil }
        let digits = significantDigits(Array(text.utf8))
        if digits > maximumDigits {
            return "has \(digits) significant digits, more than the \(maximumDigits) muelle holds exactly; it is refused, not rounded"
        }
        return "is too large or too small for muelle to hold exactly (its exponent is out of range)"
    }

    /// Significant digits of the exact product `a × b`: Foundation's `NSDecimalMultiply` rounds a product
    /// past 38 digits without saying so, so the product is checked digit by digit (at most 38 × 38 steps).
    public static func significantDigits(ofProduct a: Decimal, _ b: Decimal) -> Int {
        func digits(_ value: Decimal) -> [Int] {
            let text = plain(value).utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.map { Int($0 - 0x30) }
            return Array(text.drop { $0 == 0 }.reversed().drop { $0 == 0 })  // least significant first
        }
        let x = digits(a), y = digits(b)
        guard !x.isEmpty, !y.isEmpty else { return 0 }
        var product = [Int](repeating: 0, count: x.count + y.count)
        for (i, dx) in x.enumerated() {
            var carry = 0
            for (j, dy) in y.enumerated() {
                let sum = product[i + j] + dx * dy + carry
                product[i + j] = sum % 10
                carry = sum / 10
            }
            product[i + y.count] += carry
        }
        let trimmed = product.reversed().drop { $0 == 0 }.reversed().drop { $0 == 0 }
        return trimmed.count
    }

    /// Digits from the first non-zero digit to the last non-zero digit of a mantissa (zeros at either end
    /// are exact in any `Decimal`); the exponent part, if any, is not counted.
    private static func significantDigits<C: Collection>(_ text: C) -> Int where C.Element == UInt8 {
        var first: Int?, last = 0, index = 0
        for b in text {
            if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { break }
            if b >= 0x31 && b <= 0x39 {
                if first == nil { first = index }
                last = index
            }
            if b >= 0x30 && b <= 0x39 { index += 1 }
        }
        guard let first else { return 0 }
        return last - first + 1
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
