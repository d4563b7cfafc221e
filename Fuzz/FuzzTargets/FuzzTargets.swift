import Foundation
import MuelleCore
import MuelleMapping
import MuelleReaders

/// The fuzz targets' bodies, one function per target. The libFuzzer executables (`Fuzz/Fuzz*`, built by
/// `bench/fuzz`) call them for every generated input, and `FuzzRegressionTests` calls them for every input
/// saved in `Fuzz/regressions/<target>/`, so a crash found once stays a test of the normal suite.
///
/// A `MuelleError` is a correct answer to hostile input. A crash, a hang, a runaway allocation, an untyped
/// error or an error message quoting input unbounded is a finding.
public enum FuzzTargets {
    /// A broken promise found by a target (the executables trap on it; the regression tests report it).
    public struct Finding: Error, CustomStringConvertible {
        public let description: String
    }

    /// The targets by name, as `bench/fuzz` and the regression folders name them.
    public static let all: [String: @Sendable (UnsafeBufferPointer<UInt8>) throws -> Void] = [
        "FuzzCSV": csv, "FuzzJSON": json, "FuzzXML": xml, "FuzzMapping": mapping,
    ]

    /// The CSV reader. The first byte picks the options (delimiter, quote, encoding, trimming, final line
    /// break); the rest is the file.
    public static func csv(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let flags = bytes.first else { return }
        let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]
        let options = CSVOptions(
            delimiter: delimiters[Int(flags & 3)],
            quote: flags & 4 == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "'"),
            encoding: TextEncoding.allCases[Int(flags >> 3 & 3) % TextEncoding.allCases.count],
            trimFields: flags & 32 != 0,
            finalLineBreak: flags & 64 == 0 ? .required : .optional)
        try drain(file(UnsafeBufferPointer(rebasing: bytes.dropFirst())), options: .csv(options))
    }

    /// The JSON reader. The first byte picks the mode: records at the top, in "results" or in
    /// "data.orders", or one value per line (final line break required or not).
    public static func json(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let mode = bytes.first else { return }
        let modes: [ReaderOptions] = [
            .json(recordsPath: nil), .json(recordsPath: ["results"]), .json(recordsPath: ["data", "orders"]),
            .ndjson(finalLineBreak: .required), .ndjson(finalLineBreak: .optional),
        ]
        try drain(file(UnsafeBufferPointer(rebasing: bytes.dropFirst())), options: modes[Int(mode) % modes.count])
    }

    /// The XML reader (libxml2's streaming reader under muelle's record assembly and its refusal of DTDs
    /// and entities). The first byte picks the record path.
    public static func xml(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let choice = bytes.first else { return }
        let paths: [[String]] = [["Order"], ["OrderList", "Order"], ["item"], ["rss", "channel", "item"], ["offers", "offer"]]
        try drain(file(UnsafeBufferPointer(rebasing: bytes.dropFirst())), options: .xml(recordPath: paths[Int(choice) % paths.count]))
    }

    /// The mapping compiler and evaluator: a mapping's YAML, a NUL byte, and a file for the mapping's own
    /// reader. A mapping that compiles is bound to the file's header and maps each record (up to 50), then
    /// all of them as one group.
    public static func mapping(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let yaml = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<split]), as: UTF8.self)
        guard let mapping = try? MappingLoader.compile(yaml: yaml, route: "fuzz", file: "mappings/fuzz.yaml") else { return }
        let path = file(UnsafeBufferPointer(rebasing: bytes[min(split + 1, bytes.count)...]))
        let records = try drain(path, options: mapping.reader, keep: 50) { header in
            for problem in mapping.headerProblems(header, file: "fuzz") { try check(problem) }
        }
        var groups = records.map { [$0] }
        if records.count > 1 { groups.append(records) }
        for (i, group) in groups.enumerated() {
            _ = try? group.first.flatMap(mapping.groupKey(of:))
            let source = OrderContract.Source(route: "fuzz", file: "fuzz", sha256: "", record: i + 1, line: group.first?.position.line)
            if case .rejected(let error) = mapping.map(group, source: source) { try check(error) }
        }
    }

    /// One scratch file per process, rewritten for every input (in /dev/shm when there is one: no disk I/O),
    /// because the readers stream from files, as in production.
    private static let path: String = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(folder)/muelle-fuzz-\(getpid())"
    }()

    private static func file(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let data = bytes.baseAddress.map { Data(bytes: $0, count: bytes.count) } ?? Data()
        _ = FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    /// Reads every record until the end or the first error; returns up to `keep` of them.
    @discardableResult
    private static func drain(_ path: String, options: ReaderOptions, keep: Int = 0,
                              header: ([String]) throws -> Void = { _ in }) throws -> [SourceRecord] {
        var kept: [SourceRecord] = []
        do {
            let reader = try RecordReaders.open(path: path, fileName: "fuzz", options: options)
            if let names = reader.columnNames { try header(names) }
            while let record = try reader.next() {
                if kept.count < keep { kept.append(record) }
            }
        } catch let finding as Finding {
            throw finding
        } catch {
            try check(error)
        }
        return kept
    }

    /// Errors are typed and quote input in bounded length (a value is quoted by at most a short prefix).
    private static func check(_ error: any Error) throws {
        guard let error = error as? MuelleError else { throw Finding(description: "an untyped error: \(error)") }
        if error.message.utf8.count > 2048 {
            throw Finding(description: "an error message of \(error.message.utf8.count) bytes: \(error.message.prefix(200))…")
        }
    }
}
