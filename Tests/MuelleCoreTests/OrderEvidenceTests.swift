import Foundation
@testable import MuelleCore
import Testing

/// An order's state follows the evidence: statuses progress, a few moves back happen on the
/// platforms and need newer evidence, and nothing leaves delivered, cancelled or refunded.
@Suite struct OrderEvidenceTests {
    typealias Move = StatusProgression.Move

    /// The whole table, row by row (from → to).
    static let table: [(String, [String: Move])] = [
        ("pending_payment", ["on_hold": .forward, "ready_to_ship": .forward, "shipped": .forward, "delivered": .forward,
                             "cancelled": .forward, "refunded": .forward]),
        ("on_hold", ["pending_payment": .never, "ready_to_ship": .reversible, "shipped": .forward, "delivered": .forward,
                     "cancelled": .forward, "refunded": .forward]),
        ("ready_to_ship", ["pending_payment": .never, "on_hold": .reversible, "shipped": .forward, "delivered": .forward,
                           "cancelled": .forward, "refunded": .forward]),
        ("shipped", ["pending_payment": .never, "on_hold": .reversible, "ready_to_ship": .reversible, "delivered": .forward,
                     "cancelled": .forward, "refunded": .forward]),
        ("delivered", ["pending_payment": .never, "on_hold": .never, "ready_to_ship": .never, "shipped": .never,
                       "cancelled": .never, "refunded": .forward]),
        ("cancelled", ["pending_payment": .never, "on_hold": .never, "ready_to_ship": .never, "shipped": .never,
                       "delivered": .never, "refunded": .never]),
        ("refunded", ["pending_payment": .never, "on_hold": .never, "ready_to_ship": .never, "shipped": .never,
                      "delivered": .never, "cancelled": .never]),
    ]

    @Test func everyMoveBetweenMuellesStatusesIsInTheTable() {
        #expect(Set(Self.table.map(\.0)) == Set(OrderContract.statuses))
        for (from, row) in Self.table {
            #expect(StatusProgression.move(from: from, to: from) == .same)
            #expect(Set(row.keys) == Set(OrderContract.statuses).subtracting([from]), "row \(from) is incomplete")
            for (to, expected) in row {
                #expect(StatusProgression.move(from: from, to: to) == expected, "\(from) → \(to)")
            }
        }
    }

    @Test func timesCompareAsInstantsWhateverTheirOffset() throws {
        let bogota = try #require(SourceTime("2026-11-05T14:22:10-05:00"))
        #expect(try #require(SourceTime("2026-11-05T20:00:00+01:00")) < bogota)
        #expect(bogota < (try #require(SourceTime("2026-11-05T19:22:10.001Z"))))
        #expect(SourceTime("2026-11-05T19:22:10Z") == bogota)
        #expect(SourceTime("2026-11-04T09:30:00.000-05:00") == SourceTime("2026-11-04T14:30:00Z"))
        #expect(try #require(SourceTime("2026-12-31T23:59:59.999999999Z")) < (try #require(SourceTime("2027-01-01T00:00:00Z"))))
        #expect(try #require(SourceTime("2024-02-29T12:00:00Z")) < (try #require(SourceTime("2024-03-01T00:00:00+11:00"))))
        #expect(SourceTime("2026-11-05 14:22:10") == nil)
        #expect(SourceTime("2026-13-05T14:22:10Z") == nil)
    }

    @Test func aStalePageDoesNotUndoDeliveredButItsNewerFieldsCount() {
        // Imported from a page of 11-01, delivered by the carrier on 11-05.
        var order = OrderEvidence(status: "ready_to_ship", statusAt: "2026-11-01T10:05:12-05:00", snapshotAt: "2026-11-01T10:05:12-05:00")
        let r1 = order.takeEvent(status: "delivered", at: "2026-11-05T14:22:10-05:00")
        #expect(r1)
        // A page of 11-04 still says ready_to_ship: newer than the last page (its fields apply), but
        // the status stays delivered.
        let r2 = order.takeSnapshot(status: "ready_to_ship", updatedAt: "2026-11-04T09:30:00-05:00")
        #expect(r2 == "delivered")
        #expect(order.snapshotAt == "2026-11-04T09:30:00-05:00")
        // A page older than that one: stale, nothing of it applies.
        let r3 = order.takeSnapshot(status: "ready_to_ship", updatedAt: "2026-11-02T00:00:00-05:00")
        #expect(r3 == nil)
        // Even a later page cannot bring a delivered order back.
        let r4 = order.takeSnapshot(status: "ready_to_ship", updatedAt: "2026-11-09T00:00:00-05:00")
        #expect(r4 == "delivered")
        // A refund after delivery is news.
        let r5 = order.takeSnapshot(status: "refunded", updatedAt: "2026-11-10T00:00:00-05:00")
        #expect(r5 == "refunded")
    }

    @Test func theEndStateDoesNotDependOnArrivalOrder() {
        let imported = OrderEvidence(status: "ready_to_ship", statusAt: "2026-11-01T10:00:00Z", snapshotAt: "2026-11-01T10:00:00Z")
        var eventFirst = imported
        _ = eventFirst.takeEvent(status: "delivered", at: "2026-11-05T10:00:00Z")
        _ = eventFirst.takeSnapshot(status: "ready_to_ship", updatedAt: "2026-11-05T10:00:00Z")
        var pageFirst = imported
        _ = pageFirst.takeSnapshot(status: "ready_to_ship", updatedAt: "2026-11-05T10:00:00Z")
        _ = pageFirst.takeEvent(status: "delivered", at: "2026-11-05T10:00:00Z")
        #expect(eventFirst.status == "delivered")
        #expect(eventFirst == pageFirst)
    }

    @Test func aMoveBackNeedsNewerEvidence() {
        // A carrier's incident puts a parcel in transit on hold; the next scan releases it.
        var order = OrderEvidence(status: "shipped", statusAt: "2026-11-03T08:00:00Z", snapshotAt: nil)
        let r6 = order.takeEvent(status: "on_hold", at: "2026-11-04T08:00:00Z")
        #expect(r6)
        let r7 = order.takeEvent(status: "shipped", at: "2026-11-05T08:00:00Z")
        #expect(r7)
        // An incident older than the scan that released it changes nothing.
        let r8 = order.takeEvent(status: "on_hold", at: "2026-11-04T09:00:00Z")
        #expect(!r8)
        #expect(order.status == "shipped" && order.statusAt == "2026-11-05T08:00:00Z")
        // Evidence without a clock is not newer than evidence with one.
        let r9 = order.takeEvent(status: "ready_to_ship", at: nil)
        #expect(!r9)
        // Progress is taken whatever its time: a cancellation stamped before the last scan still ends the order.
        let r10 = order.takeEvent(status: "cancelled", at: "2026-11-01T00:00:00Z")
        #expect(r10)
        #expect(order.statusAt == "2026-11-05T08:00:00Z", "the status is known since the newest evidence")
        let r11 = order.takeEvent(status: "ready_to_ship", at: "2026-12-01T00:00:00Z")
        #expect(!r11, "cancelled is final")
    }

    @Test func withoutAnyClockArrivalOrderDecidesTheMovesBack() {
        // Shopify's CSV export has no modification time: a later export may put an order on hold.
        var order = OrderEvidence(status: "ready_to_ship", statusAt: nil, snapshotAt: nil)
        let r12 = order.takeSnapshot(status: "on_hold", updatedAt: nil)
        #expect(r12 == "on_hold")
        let r13 = order.takeSnapshot(status: "pending_payment", updatedAt: nil)
        #expect(r13 == "on_hold", "never back to pending payment")
        let r14 = order.takeSnapshot(status: "ready_to_ship", updatedAt: nil)
        #expect(r14 == "ready_to_ship")
    }
}
