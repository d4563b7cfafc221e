import Foundation
import MuelleCore
import MuelleMapping

/// `muelle try MAPPING FILE`: what a file would produce, without the ledger or the outbox.
///
/// Its output is also the golden-file format of mapping tests, so a merchant can turn a good
/// `try` into a test case with `muelle try ... > mappings/tests/<route>/<case>.expected.json`.
public enum TryRun {
    public struct Result: Sendable {
        public var value: Value
        public var refused: Bool
    }

    /// `metadata` stands in for what the inbox would tell (`--name`, `--received-at`); by default the file's
    /// own name and modification time, as `muelle run` reads them. `references`: where lookups read (see
    /// `SampleReferences`); without it every lookup finds nothing.
    public static func run(mapping: RouteMapping, file path: String, metadata: InputMetadata? = nil,
                           references: (any ReferenceSource)? = nil) throws -> Result {
        let metadata = metadata ?? InputMetadata(fileName: URL(fileURLWithPath: path).lastPathComponent, receivedAt: modificationDate(path))
        let name = metadata.fileName
        let (sha256, _) = try ContentHash.file(at: path, name: mapping.readsFileName ? name : nil)
        var kept: [Value] = []
        let summary = FileMapper(mapping: mapping, references: references).run(path: path, fileName: name, sha256: sha256, metadata: metadata) { record, selected in
            if selected { kept.append(record) }
        }
        let errors = summary.errors
        let refused = summary.refusesFile(policy: mapping.onError)
        var pairs: [(String, Value)] = [
            ("route", .string(mapping.name)), ("file", .string(name)),
            // A file whose lookups find nothing (yet) waits for the reference data when muelle runs.
            ("verdict", .string(!refused ? "accepted" : summary.waitsForReference(policy: mapping.onError) ? "held" : "rejected")),
            ("records", .number(String(summary.records))),
            ("counts", .object([
                ("kept", .number(String(summary.kept))), ("filtered", .number(String(summary.filtered))),
                ("rejected", .number(String(summary.rejectedCount))),
            ])),
        ]
        if !summary.rounded.isEmpty { pairs.append(("rounded", FileReport.describe(summary.rounded))) }
        // A refused file emits nothing, whatever was mapped before the problem was found.
        pairs += [("errors", .array(errors.map(FileReport.describe))), ("output", .array(refused ? [] : kept))]
        let value = Value.object(pairs)
        return Result(value: value, refused: refused)
    }

    /// A file's modification time to the second, as `muelle run` reads `received_at`.
    public static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date).map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
    }

    /// Loads a mapping given as a path or as a route name of the workspace.
    public static func loadMapping(_ reference: String, workspace: Workspace) throws -> RouteMapping {
        var path = reference
        if !FileManager.default.fileExists(atPath: path) {
            path = workspace.mappings + "/" + reference + (reference.hasSuffix(".yaml") ? "" : ".yaml")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw MuelleError(.configuration, "no mapping '\(reference)' (neither a file nor mappings/\(reference).yaml)")
        }
        return try MappingLoader.load(path: path, displayName: workspace.relative(path))
    }
}
