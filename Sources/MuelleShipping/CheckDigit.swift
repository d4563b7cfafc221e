/// The check digit a carrier puts at the end of its tracking numbers, as its profile says.
public enum CheckDigitAlgorithm: String, Sendable, CaseIterable {
    /// Weights 3 and 1 alternating from the rightmost digit (GS1: EAN-13, SSCC).
    case mod10
    /// Weights 2 to 7 repeating from the rightmost digit; 11 − (sum mod 11), where 11 gives 0.
    /// A remainder of 1 would need "10": such numbers have no valid digit and are never issued.
    case mod11
    /// Luhn: every second digit from the right doubled (digits of the product added).
    case luhn

    /// The check digit of `digits` (ASCII digits only), or nil when the algorithm has none for it
    /// (mod 11 with remainder 1) or the text is not digits.
    public func checkDigit(for digits: String) -> Int? {
        var values: [Int] = []
        values.reserveCapacity(digits.utf8.count)
        for byte in digits.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            values.append(Int(byte - 0x30))
        }
        guard !values.isEmpty else { return nil }
        switch self {
        case .mod10: return Self.mod10(values)
        case .mod11: return Self.mod11(values)
        case .luhn: return Self.luhn(values)
        }
    }

    /// Whether the last digit of `number` is the check digit of the digits before it.
    public func isValid(_ number: String) -> Bool {
        guard let last = number.last, let digit = last.wholeNumberValue, last.isASCII else { return false }
        return checkDigit(for: String(number.dropLast())) == digit
    }

    private static func mod10(_ values: [Int]) -> Int {
        var sum = 0
        for (position, value) in values.reversed().enumerated() {
            sum += value * (position % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10
    }

    private static func mod11(_ values: [Int]) -> Int? {
        var sum = 0
        for (position, value) in values.reversed().enumerated() {
            sum += value * (2 + position % 6)
        }
        switch 11 - sum % 11 {
        case 11: return 0
        case 10: return nil
        case let digit: return digit
        }
    }

    private static func luhn(_ values: [Int]) -> Int {
        var sum = 0
        for (position, value) in values.reversed().enumerated() {
            // The check digit will sit at the right, so the payload's rightmost digit is doubled.
            if position % 2 == 0 {
                let doubled = value * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += value
            }
        }
        return (10 - sum % 10) % 10
    }
}

/// The verification digit (DV) of a Colombian NIT, as DIAN defines it, so a mistyped NIT in a
/// carrier profile is caught at `muelle check` rather than by the carrier's web service.
public enum ColombianNIT {
    private static let weights = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71]

    /// The DV of the NIT's digits (without the DV); nil when it is not 1 to 15 digits.
    public static func verificationDigit(for nit: String) -> Int? {
        let digits = nit.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard !digits.isEmpty, digits.count == nit.count, digits.count <= weights.count else { return nil }
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() { sum += digit * weights[position] }
        let remainder = sum % 11
        return remainder > 1 ? 11 - remainder : remainder
    }

    /// Whether "900123456-7" (NIT, hyphen, DV) carries the right DV; a NIT written without a DV is not checked.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return parts.count == 1 && verificationDigit(for: text.replacingOccurrences(of: ".", with: "")) != nil }
        let nit = parts[0].replacingOccurrences(of: ".", with: "")
        guard let dv = Int(parts[1]), let expected = verificationDigit(for: nit) else { return false }
        return dv == expected
    }
}
