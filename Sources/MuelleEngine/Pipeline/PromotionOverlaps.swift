import Foundation
import MuelleCore
import MuelleReaders

/// No two promotions of one product may run at the same time: a feed that has such a pair is
/// rejected with both named (record and line), so the partner fixes the campaign dates.
///
/// Holds the promotions of one file by product while checking: promotion files are small.
enum PromotionOverlaps {
    private struct Window {
        var start: Date
        var end: Date
        var starts: String
        var ends: String
        var campaign: String
        var record: Int?
        var line: Int?
    }

    static func find(in staged: StagedOrders, file: String) throws -> [MuelleError] {
        guard staged.count > 0 else { return [] }
        let promotions = try RecordReaders.open(path: staged.ordersPath, fileName: file, options: .ndjson())
        var windows: [String: [Window]] = [:]
        var errors: [MuelleError] = []
        while let record = try promotions.next() {
            let promotion = record.value
            guard let key = promotion["product_key"]?.text, let starts = promotion["starts_at"]?.text, let ends = promotion["ends_at"]?.text,
                  let start = PromotionContract.instant(starts), let end = PromotionContract.instant(ends) else { continue }
            let window = Window(start: start, end: end, starts: starts, ends: ends, campaign: promotion["campaign"]?.text ?? "",
                                record: promotion["source"]?["record"]?.text.flatMap { Int($0) },
                                line: promotion["source"]?["line"]?.text.flatMap { Int($0) })
            for other in windows[key, default: []] where window.start < other.end && other.start < window.end {
                errors.append(MuelleError(.badValue,
                    "product \(QuotedInput.bounded(key)) has two promotions at the same time: \(QuotedInput.quote(other.campaign)) (record \(other.record ?? 0)\(other.line.map { ", line \($0)" } ?? ""), \(other.starts) – \(other.ends)) and \(QuotedInput.quote(window.campaign)) (\(window.starts) – \(window.ends))",
                    at: InputPosition(file: file, record: window.record, line: window.line, field: "starts_at")))
            }
            windows[key, default: []].append(window)
        }
        return errors
    }
}
