import Testing
import MuelleCore
@testable import MuelleShipping

/// The three check-digit algorithms against published examples, and Colombian NIT verification digits.
@Suite struct CheckDigitTests {
    @Test func mod10IsTheGS1Weighting() {
        // EAN-13 4006381333931 (the GS1 textbook example): 4·1+0·3+0·1+6·3+3·1+8·3+1·1+3·3+3·1+3·3+9·1+3·3
        // = 4+0+0+18+3+24+1+9+3+9+9+9 = 89 → 10 − 9 = 1.
        #expect(CheckDigitAlgorithm.mod10.checkDigit(for: "400638133393") == 1)
        // EAN-13 6291041500213.
        #expect(CheckDigitAlgorithm.mod10.checkDigit(for: "629104150021") == 3)
        #expect(CheckDigitAlgorithm.mod10.isValid("4006381333931"))
        #expect(!CheckDigitAlgorithm.mod10.isValid("4006381333932"))
    }

    @Test func luhnDoublesEverySecondDigitFromTheRight() {
        // The classic 79927398713: from the right, 1,8,3,2,9 doubled → 2,7,6,4,9 (28); 7,9,7,9,7 as they
        // are (39); 28 + 39 = 67 → 10 − 7 = 3.
        #expect(CheckDigitAlgorithm.luhn.checkDigit(for: "7992739871") == 3)
        #expect(CheckDigitAlgorithm.luhn.isValid("79927398713"))
        // A test card number 4111 1111 1111 1111.
        #expect(CheckDigitAlgorithm.luhn.isValid("4111111111111111"))
        #expect(!CheckDigitAlgorithm.luhn.isValid("4111111111111112"))
    }

    @Test func mod11UsesWeightsTwoToSevenFromTheRight() {
        // Norwegian account 8601 11 17947: 8·5+6·4+0·3+1·2+1·7+1·6+1·5+7·4+9·3+4·2 = 147;
        // 147 mod 11 = 4 → 11 − 4 = 7.
        #expect(CheckDigitAlgorithm.mod11.checkDigit(for: "8601111794") == 7)
        #expect(CheckDigitAlgorithm.mod11.isValid("86011117947"))
        // 7394000000, weights from the right 2,3,4,5,6,7,2,3,4,5: the six zeros add nothing, then
        // 4·2 + 9·3 + 3·4 + 7·5 = 8+27+12+35 = 82; 82 mod 11 = 5 → 11 − 5 = 6. Each next serial adds 2
        // (its last digit's weight), so the digit drops by 2 until the remainder 1 of 7394000009 (100).
        let expected: [Int?] = [6, 4, 2, 0, 9, 7, 5, 3, 1, nil, 3, 1]
        let computed = (0..<12).map { CheckDigitAlgorithm.mod11.checkDigit(for: String(7_394_000_000 + $0)) }
        #expect(computed == expected)
    }

    @Test func mod11HasNoDigitForRemainderOne() {
        // 7394000009 sums to 82 + 9·2 = 100 = 9·11 + 1: "10" is no digit, so the number is never issued.
        #expect(CheckDigitAlgorithm.mod11.checkDigit(for: "7394000009") == nil)
    }

    @Test func nonDigitsHaveNoCheckDigit() {
        for algorithm in CheckDigitAlgorithm.allCases {
            #expect(algorithm.checkDigit(for: "12a4") == nil)
            #expect(algorithm.checkDigit(for: "") == nil)
        }
    }

    @Test func colombianNITVerificationDigit() {
        // DIAN's own NIT is 800.197.268-4.
        #expect(ColombianNIT.verificationDigit(for: "800197268") == 4)
        #expect(ColombianNIT.isValid("800197268-4"))
        #expect(ColombianNIT.isValid("800.197.268-4"))
        #expect(!ColombianNIT.isValid("800197268-5"))
        // The example merchant's NIT in mappings/carriers/coordinadora.yaml.
        #expect(ColombianNIT.isValid("900123456-8"))
    }
}
