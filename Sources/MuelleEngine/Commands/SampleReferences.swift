import Foundation
import MuelleCore
import MuelleMapping

/// Reference data for `muelle try` and `muelle test`, which touch no ledger: the records a reference
/// route's own mapping-test samples (`mappings/tests/<reference route>/`) produce, the later file (by
/// name) winning for a key, as later files do in the ledger.
public struct SampleReferences: ReferenceSource {
    private let records: [String: [String: [String: String]]]

    public func values(route: String, key: String) throws -> [String: String]? {
        records[route]?[key]
    }

    /// The samples of every reference route `mapping` looks up in; nil when it looks up nothing.
    public static func load(for mapping: RouteMapping, workspace: Workspace) -> SampleReferences? {
        guard !mapping.lookupRoutes.isEmpty else { return nil }
        var records: [String: [String: [String: String]]] = [:]
        for route in mapping.lookupRoutes {
            guard let reference = try? TryRun.loadMapping(route, workspace: workspace), reference.kind.keepsReferenceData else { continue }
            let folder = workspace.mappings + "/tests/" + route
            let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { !$0.hasSuffix(".expected.json") && !$0.hasPrefix(".") }.sorted()
            var byKey: [String: [String: String]] = [:]
            for input in inputs {
                let summary = FileMapper(mapping: reference).run(path: folder + "/" + input, fileName: input, sha256: "") { record, selected in
                    guard selected, let key = record["key"]?.text else { return }
                    byKey[key] = ReferenceContract.lookupValues(of: record)
                }
                _ = summary
            }
            records[route] = byKey
        }
        return SampleReferences(records: records)
    }
}
