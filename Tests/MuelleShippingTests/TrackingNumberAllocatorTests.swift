import Foundation
import Testing
import MuelleCore
@testable import MuelleShipping

/// Tracking numbers handed out in order from an agreement's range, as a pure value.
@Suite struct TrackingNumberAllocatorTests {
    static let scheme = TrackingNumberScheme(prefix: "", first: 7_394_000_000, last: 7_394_999_999, checkDigit: .mod11)

    @Test func startsAtTheRangeAndAppendsTheCheckDigit() throws {
        var allocator = TrackingNumberAllocator(scheme: Self.scheme, agreement: "Crédito Bogotá", profileFile: "mappings/carriers/coordinadora.yaml", lastSerial: nil)
        let first = try allocator.next()
        #expect(first == AllocatedTrackingNumber(serial: 7_394_000_000, number: "73940000006"))
        #expect(allocator.lastSerial == 7_394_000_000)
        #expect(try allocator.next().number == "73940000014")
    }

    @Test func continuesAfterTheLedgersLastSerialAndSkipsUncheckableSerials() throws {
        var allocator = TrackingNumberAllocator(scheme: Self.scheme, agreement: "A", profileFile: "f.yaml", lastSerial: 7_394_000_008)
        // 7394000009 has no mod 11 digit (remainder 1), so 7394000010 comes next.
        let next = try allocator.next()
        #expect(next.serial == 7_394_000_010)
        #expect(next.number == "73940000103")
    }

    @Test func prefixAndPaddingMakeEveryNumberTheSameLength() throws {
        let scheme = TrackingNumberScheme(prefix: "EP", first: 1, last: 999_999_999, checkDigit: .luhn)
        var allocator = TrackingNumberAllocator(scheme: scheme, agreement: "B2C", profileFile: "f.yaml", lastSerial: nil)
        // 000000001 → Luhn: 1 doubled = 2 → 10 − 2 = 8.
        #expect(try allocator.next().number == "EP0000000018")
    }

    @Test func exhaustedRangeSaysWhatToDo() throws {
        var allocator = TrackingNumberAllocator(scheme: Self.scheme, agreement: "Crédito Bogotá", profileFile: "mappings/carriers/coordinadora.yaml", lastSerial: 7_394_999_999)
        let error = #expect(throws: MuelleError.self) { try allocator.next() }
        #expect(error?.code == .trackingRangeExhausted)
        #expect(error?.message == "the tracking-number range 7394000000–7394999999 of agreement Crédito Bogotá is used up; ask the carrier for a new range and add it to mappings/carriers/coordinadora.yaml")
    }

    @Test func aRangeWhoseLastSerialsHaveNoCheckDigitIsAlsoUsedUp() throws {
        // 7394000009 is the only serial left and mod 11 cannot check it.
        let scheme = TrackingNumberScheme(prefix: "", first: 7_394_000_000, last: 7_394_000_009, checkDigit: .mod11)
        var allocator = TrackingNumberAllocator(scheme: scheme, agreement: "A", profileFile: "f.yaml", lastSerial: 7_394_000_008)
        #expect(throws: MuelleError.self) { try allocator.next() }
    }

    @Test func severalNumbersAtOnceAreAllOrNothing() throws {
        let scheme = TrackingNumberScheme(prefix: "", first: 100, last: 102, checkDigit: .mod10)
        var allocator = TrackingNumberAllocator(scheme: scheme, agreement: "A", profileFile: "f.yaml", lastSerial: nil)
        #expect(throws: MuelleError.self) { try allocator.next(4) }
        #expect(allocator.lastSerial == nil)
        let three = try allocator.next(3)
        #expect(three.map(\.serial) == [100, 101, 102])
        #expect(allocator.lastSerial == 102)
    }

    /// A ledger's reservation, as `reserveTrackingSerials` does it: consecutive serials after the last, from the
    /// range's start when there is none yet or the last lies below it.
    final class Reservations {
        var last: UInt64?
        var asked: [Int] = []
        init(last: UInt64?) { self.last = last }
        func reserve(_ count: Int, first: UInt64) -> ClosedRange<UInt64> {
            asked.append(count)
            let start = last.map { $0 < first ? first : $0 + 1 } ?? first
            last = start + UInt64(count) - 1
            return start...(start + UInt64(count) - 1)
        }
    }

    @Test func serialsReservedInTheLedgerGiveTheSameNumbersAsTheAllocatorPassingOverUncheckableOnes() throws {
        let allocator = TrackingNumberAllocator(scheme: Self.scheme, agreement: "A", profileFile: "f.yaml", lastSerial: nil)
        var stepwise = TrackingNumberAllocator(scheme: Self.scheme, agreement: "A", profileFile: "f.yaml", lastSerial: 7_394_000_006)
        let ledger = Reservations(last: 7_394_000_006)
        // 7394000009 has no mod 11 digit: the three parcels get 7, 8 and 10, and one more serial is reserved for it.
        let numbers = try allocator.reserved(3) { ledger.reserve($0, first: $1) }
        #expect(numbers == (try stepwise.next(3)))
        #expect(numbers.map(\.serial) == [7_394_000_007, 7_394_000_008, 7_394_000_010])
        #expect(ledger.asked == [3, 1])
        // A last serial below the range (the profile's range was replaced) starts again at its start.
        let replaced = Reservations(last: 12)
        #expect(try allocator.reserved(1) { replaced.reserve($0, first: $1) }.first?.number == "73940000006")
    }

    @Test func aReservationPastTheRangesEndIsAnExhaustedRange() throws {
        let scheme = TrackingNumberScheme(prefix: "", first: 100, last: 102, checkDigit: .mod10)
        let allocator = TrackingNumberAllocator(scheme: scheme, agreement: "A", profileFile: "f.yaml", lastSerial: nil)
        let ledger = Reservations(last: 100)
        let error = #expect(throws: MuelleError.self) { try allocator.reserved(3) { ledger.reserve($0, first: $1) } }
        #expect(error?.code == .trackingRangeExhausted)
        #expect(try allocator.reserved(2) { Reservations(last: 100).reserve($0, first: $1) }.map(\.serial) == [101, 102])
    }

    @Test func profileAgreementsHaveTheirOwnRanges() throws {
        let profile = try ShippingFixtures.repositoryProfile("coordinadora")
        let cod = try profile.agreement("Contra entrega Bogotá")
        var allocator = try profile.trackingAllocator(for: cod, lastSerial: nil)
        #expect(try allocator.next().serial == 7_395_000_000)
        let scheme = try profile.trackingScheme(for: try profile.agreement(nil))
        #expect(scheme.rangeText == "7394000000–7394999999")
        #expect(scheme.checkDigit == .mod11)
    }
}

/// Secrets are referenced by the profile, read at use time, and never printed.
@Suite struct SecretTests {
    @Test func environmentReferenceResolvesAndNeverPrintsTheValue() throws {
        let secret = try SecretReference.environment("TESTPOST_PASSWORD").resolve(environment: ["TESTPOST_PASSWORD": "hunter2"])
        #expect(secret.reveal() == "hunter2")
        #expect("\(secret)" == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test func fileReferenceReadsTheFileWithoutItsTrailingNewline() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "s3cr3t\n".write(to: folder.appendingPathComponent("key"), atomically: true, encoding: .utf8)
        let secret = try SecretReference.file("key").resolve(environment: [:], baseDirectory: folder.path)
        #expect(secret.reveal() == "s3cr3t")
    }

    @Test func missingSecretsSayWhereTheyShouldBe() {
        let error = #expect(throws: MuelleError.self) { try SecretReference.environment("NOPE_NOT_SET").resolve(environment: [:]) }
        #expect(error?.message.contains("NOPE_NOT_SET") == true)
        #expect(throws: MuelleError.self) { try SecretReference.file("/nonexistent/muelle-secret").resolve(environment: [:]) }
    }
}
