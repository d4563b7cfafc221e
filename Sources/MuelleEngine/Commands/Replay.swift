import Foundation
import MuelleCore

/// `muelle replay FILE`: puts a quarantined file back through its route, after the mapping was fixed.
public enum Replay {
    /// Processes the file now; with `handOver` (a `muelle run` holds the workspace) it only puts the file
    /// back into its route's inbox for that process to take, and returns nil.
    public static func run(_ path: String, runner: Runner, handOver: Bool = false) throws -> FileOutcome? {
        let workspace = runner.workspace
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")).standardizedFileURL.path
        let candidates = [absolute, workspace.root + "/" + path].map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        guard let file = candidates.first(where: { $0.hasPrefix(workspace.quarantine + "/") && FileManager.default.fileExists(atPath: $0) }) else {
            throw MuelleError(.configuration, "\(path) is not a file in \(workspace.relative(workspace.quarantine))/<route>/")
        }
        let parts = workspace.relative(file).split(separator: "/").map(String.init)
        if parts.count == 3, let problems = runner.catalog.snapshot.problems[parts[1]], runner.route(named: parts[1]) == nil {
            throw MuelleError(.configuration, "route \(parts[1]) cannot run: its mapping has errors; fix them first (`muelle check`)\n"
                              + problems.map(\.description).joined(separator: "\n"))
        }
        guard parts.count == 3, let mapping = runner.route(named: parts[1]) else {
            throw MuelleError(.configuration, "\(path): no route named '\(parts.count > 1 ? parts[1] : "")' to replay it through")
        }
        // Quarantined names carry the content's digest in front: "<sha12>-<original name>".
        // The ledger has the name it arrived under; the stored one may have been shortened to fit (`StoredName`).
        let stored = parts[2]
        let original = try runner.ledger.lastInput(destination: workspace.relative(file))?.name
            ?? (stored.count > 13 && stored.dropFirst(12).first == "-" ? String(stored.dropFirst(13)) : stored)
        let target = workspace.inbox(route: mapping.name) + "/" + original
        try FileSystem.makeDirectory(workspace.inbox(route: mapping.name))
        try FileSystem.publish(file, as: target)
        try? FileManager.default.removeItem(atPath: file + ".error.txt")
        guard !handOver else { return nil }
        return try runner.processor.process(path: target, name: original, mapping: mapping)
    }
}
