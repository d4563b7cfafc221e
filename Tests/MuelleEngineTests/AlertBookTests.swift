import Foundation
@testable import MuelleEngine
import MuelleLedger
import Testing

/// The once-per-cause rule, with no I/O: what the alert service opens, fires, resolves and forgets.
@Suite struct AlertBookTests {
    let book = AlertBook(holdFor: { $0 == .deliveriesFailing ? .seconds(1800) : .zero })
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func cause(_ key: String, _ kind: AlertCause.Kind = .routeLate) -> AlertCause {
        AlertCause(key: key, kind: kind, route: "r", subject: "r", message: "m", since: nil)
    }

    func stored(_ key: String, id: Int64, fired: Bool, kind: AlertCause.Kind = .routeLate, since: Date? = nil) -> AlertEntry {
        var entry = AlertEntry(cause: key, kind: kind.rawValue, route: "r", subject: "r", message: "m", since: TimeText.iso(since ?? now))
        entry.id = id
        entry.firedAt = fired ? TimeText.iso(now) : nil
        return entry
    }

    @Test func aNewCauseFiresOnceAndNotAgainWhileItLasts() {
        let first = book.actions(stored: [], observed: [cause("late:a")], now: now)
        guard case .open(let entry, let fireNow) = first.first else { Issue.record("expected open, got \(first)"); return }
        #expect(entry.cause == "late:a" && fireNow)
        #expect(book.actions(stored: [stored("late:a", id: 1, fired: true)], observed: [cause("late:a")], now: now).isEmpty)
    }

    @Test func aCauseThatClearsIsResolvedOnlyIfItFired() {
        #expect(book.actions(stored: [stored("late:a", id: 1, fired: true)], observed: [], now: now) == [.resolve(id: 1)])
        #expect(book.actions(stored: [stored("failing:f", id: 2, fired: false, kind: .deliveriesFailing)], observed: [], now: now) == [.drop(id: 2)])
    }

    @Test func failingDeliveriesWaitTheirTimeBeforeTheyFire() {
        let opened = book.actions(stored: [], observed: [cause("failing:f", .deliveriesFailing)], now: now)
        #expect(opened.count == 1)
        if case .open(_, let fireNow) = opened.first { #expect(!fireNow) }
        let watched = stored("failing:f", id: 3, fired: false, kind: .deliveriesFailing, since: now)
        #expect(book.actions(stored: [watched], observed: [cause("failing:f", .deliveriesFailing)], now: now.addingTimeInterval(600)).isEmpty)
        #expect(book.actions(stored: [watched], observed: [cause("failing:f", .deliveriesFailing)], now: now.addingTimeInterval(1800)) == [.fire(id: 3)])
    }
}
