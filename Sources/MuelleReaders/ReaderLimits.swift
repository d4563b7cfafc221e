import Foundation
import MuelleCore

/// How large one field and one record of an input may be. Over a limit the reader stops with
/// `MuelleError.Code.tooLarge`, naming the record and field, having held no more than the limit in
/// memory: a 500 MB value is refused, not loaded (Jackson's `StreamReadConstraints` and libxml2
/// without `XML_PARSE_HUGE` refuse the same way). Route setting `reader: { max_field_bytes, max_record_bytes }`.
public struct ReaderLimits: Sendable, Equatable {
    /// Bytes of one field (a CSV cell, a JSON string, an XML text) as written in the file.
    public var maxFieldBytes: Int
    /// Bytes of one record as written in the file (a CSV row, a JSON record, an XML record element).
    public var maxRecordBytes: Int

    /// 1 MB per field, 16 MB per record: far above any order or product (a long description is
    /// tens of KB), and low enough that the copies a record goes through stay under 100 MB.
    public static let standard = ReaderLimits(maxFieldBytes: 1 << 20, maxRecordBytes: 16 << 20)

    public init(maxFieldBytes: Int, maxRecordBytes: Int) {
        self.maxFieldBytes = maxFieldBytes
        self.maxRecordBytes = maxRecordBytes
    }

    /// "1 MB", "512 KB", "16MB", "2 GB" or a plain number of bytes (KB, MB, GB are powers of 1024).
    public static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        for (suffix, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)] where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number > 0 else { return nil }
            return number.multipliedReportingOverflow(by: factor).overflow ? nil : number * factor
        }
        return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }

    /// "1 MB" for 1,048,576: how messages say a limit.
    public static func words(_ bytes: Int) -> String {
        for (suffix, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor) \(suffix)"
        }
        return "\(bytes) bytes"
    }

    /// The error a reader throws when a field or record outgrows its limit.
    func fieldTooLarge(at position: InputPosition) -> MuelleError {
        MuelleError(.tooLarge, "this field is larger than the route's limit of \(Self.words(maxFieldBytes)) (reader: max_field_bytes); the file was refused without reading it whole — if values this large are real, raise the limit and replay it", at: position)
    }

    func recordTooLarge(at position: InputPosition) -> MuelleError {
        MuelleError(.tooLarge, "this record is larger than the route's limit of \(Self.words(maxRecordBytes)) (reader: max_record_bytes); the file was refused without reading it whole — if records this large are real, raise the limit and replay it", at: position)
    }
}
