import Foundation
import MuelleCore
import MuelleLedger

/// `muelle quarantine list|dismiss`: the files waiting in `quarantine/`, and letting one go on purpose.
///
/// A quarantined file needs attention until it is replayed (it leaves the quarantine) or dismissed
/// (it stays, and the ledger says who let it go and when): status cards count what is left.
public enum QuarantineDesk {
    /// One file in quarantine.
    public struct Item: Sendable {
        /// Relative to the workspace: `quarantine/<route>/<sha12>-<name>`.
        public var file: String
        public var route: String
        public var name: String
        public var quarantinedAt: String
        public var reason: String
        public var report: String?
        public var dismissedBy: String?
        public var dismissedAt: String?
        var inputID: Int64?

        public var needsAttention: Bool { dismissedBy == nil }

        public var value: Value {
            .object([
                ("file", .string(file)), ("route", .string(route)), ("name", .string(name)),
                ("quarantined_at", .string(quarantinedAt)), ("reason", .string(reason)),
                ("report", report.map(Value.string) ?? .null),
                ("dismissed_by", dismissedBy.map(Value.string) ?? .null), ("dismissed_at", dismissedAt.map(Value.string) ?? .null),
            ])
        }
    }

    /// The files in quarantine now, newest first; dismissed ones only when `includeDismissed`.
    public static func list(workspace: Workspace, ledger: any LedgerStore, route: String? = nil, includeDismissed: Bool = false) throws -> [Item] {
        try ledger.quarantined(route: route).compactMap { quarantined in
            let entry = quarantined.entry
            guard let destination = entry.destination, FileSystem.exists(workspace.root + "/" + destination) else { return nil }
            let item = Item(file: destination, route: entry.route, name: entry.name, quarantinedAt: entry.finishedAt,
                            reason: entry.error ?? "rejected", report: entry.report,
                            dismissedBy: quarantined.dismissedBy, dismissedAt: quarantined.dismissedAt, inputID: entry.id)
            return includeDismissed || item.needsAttention ? item : nil
        }
    }

    /// Dismisses the quarantined `path` (as listed, or any path naming that file): it stays where it is.
    public static func dismiss(_ path: String, workspace: Workspace, ledger: any LedgerStore, by: String) throws -> Item {
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")).standardizedFileURL.path
        let candidates = [absolute, URL(fileURLWithPath: workspace.root + "/" + path).standardizedFileURL.path]
        let items = try list(workspace: workspace, ledger: ledger, includeDismissed: true)
        guard var item = items.first(where: { item in candidates.contains(workspace.root + "/" + item.file) }) else {
            throw MuelleError(.configuration, "\(path) is not a file waiting in \(workspace.relative(workspace.quarantine))/ (see `muelle quarantine list`)")
        }
        guard item.needsAttention, let id = item.inputID else { return item }
        let now = Timestamp.now()
        try ledger.dismissQuarantined(inputID: id, by: by, at: now)
        item.dismissedBy = by
        item.dismissedAt = now
        return item
    }
}
