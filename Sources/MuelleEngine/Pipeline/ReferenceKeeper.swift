import Foundation
import MuelleCore
import MuelleLedger
import MuelleMapping
import Synchronization

/// A reference route's file against the ledger: each record becomes the latest version of its key
/// (latest file wins; every earlier version stays in the ledger as its history). Keys the file does not
/// have are kept: reference exports are often partial (addresses of this week's orders).
struct ReferenceKeeper {
    let tx: any LedgerWriting
    let route: String
    let inputID: Int64

    struct Result {
        var saved = 0
        var unchanged = 0
    }

    func apply(_ staged: StagedOrders) throws -> Result {
        var result = Result()
        guard staged.count > 0 else { return result }
        let records = try LineReader(path: staged.ordersPath)
        let index = try LineReader(path: staged.indexPath)
        let lookups = try LineReader(path: staged.lookupPath)
        while let json = try records.next(), let line = try index.next(), let values = try lookups.next() {
            guard let entry = StagedOrders.IndexEntry(line), entry.selected else { continue }
            let decoded = try JSONDecoder().decode([String: String].self, from: Data(values.utf8))
            if try tx.saveReference(route: route, key: entry.id, fingerprint: entry.fingerprint, record: json, lookupValues: decoded, inputID: inputID) {
                result.saved += 1
            } else {
                result.unchanged += 1
            }
        }
        return result
    }
}

/// `lookup:` reading the ledger's reference records while muelle runs, for one file.
///
/// An order reads several fields of one address in a row (name, street, city…): the records last read are
/// kept, a bounded few, so that is one ledger read, not eight.
final class LedgerReferences: ReferenceSource {
    let ledger: any LedgerStore
    private let recent = Mutex<[String: [String: String]?]>([:])
    private static let kept = 256

    init(ledger: any LedgerStore) { self.ledger = ledger }

    func values(route: String, key: String) throws -> [String: String]? {
        let id = route + "\u{0}" + key
        if let cached = recent.withLock({ $0[id] }) { return cached }
        let found = try ledger.referenceValues(route: route, key: key)
        recent.withLock { recent in
            if recent.count >= Self.kept { recent.removeAll(keepingCapacity: true) }
            recent[id] = .some(found)
        }
        return found
    }
}

/// A file whose lookups found nothing: held while younger than the route's `lookup_wait` (counted from
/// the first time it was held for it), then quarantined naming each record, field and key.
enum ReferenceWaiting {
    /// Throws `FileHeld` while the file may still wait; returns the error to quarantine it with once it may not.
    static func decide(summary: MappingSummary, mapping: RouteMapping, name: String, ledger: any LedgerStore) throws -> MuelleError {
        let first = summary.rejections.first { $0.code == .lookupMissing }
        let routes = mapping.lookupRoutes
        let count = summary.waitingForReference
        let now = Date()
        let detail = first.map { " First: \($0.description)." } ?? ""
        let since = try ledger.recordReferenceWait(route: mapping.name, name: name, referenceRoutes: routes,
                                                   reason: "\(count) record(s) wait for reference data of \(routes.joined(separator: ", ")).\(detail)",
                                                   at: Timestamp.now(), epoch: now.timeIntervalSince1970)
        let waited = Duration.seconds(max(0, now.timeIntervalSince1970 - since))
        let wait = FileHeld.words(mapping.lookupWait)
        if waited < mapping.lookupWait {
            throw FileHeld(reason: MuelleError(.lookupMissing,
                "\(count) record(s) wait for reference data of \(routes.joined(separator: ", ")); the file is taken again when that route takes a file, and quarantined if it is still missing after the route's lookup_wait (\(wait)).\(detail)",
                at: InputPosition(file: name)), retryAfter: mapping.lookupWait - waited)
        }
        return MuelleError(.lookupMissing,
            "the reference data never came: \(count) record(s) look up keys that \(routes.joined(separator: ", ")) still does not have after the route's lookup_wait (\(wait)); they are listed below. Drop the missing reference export, then replay this file",
            at: InputPosition(file: name))
    }
}
