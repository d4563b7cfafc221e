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

    public static func run(mapping: RouteMapping, file path: String) throws -> Result {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let (sha256, _) = try ContentHash.file(at: path)
        var kept: [Value] = []
        let summary = FileMapper(mapping: mapping).run(path: path, fileName: name, sha256: sha256) { record, selected in
            if selected { kept.append(record) }
        }
        let errors = summary.errors
        let refused = summary.refusesFile(policy: mapping.onError)
        let value = Value.object([
            ("route", .string(mapping.name)), ("file", .string(name)),
            ("verdict", .string(refused ? "rejected" : "accepted")),
            ("records", .number(String(summary.records))),
            ("counts", .object([
                ("kept", .number(String(summary.kept))), ("filtered", .number(String(summary.filtered))),
                ("rejected", .number(String(summary.rejectedCount))),
            ])),
            ("errors", .array(errors.map(FileReport.describe))),
            // A refused file emits nothing, whatever was mapped before the problem was found.
            ("output", .array(refused ? [] : kept)),
        ])
        return Result(value: value, refused: refused)
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
