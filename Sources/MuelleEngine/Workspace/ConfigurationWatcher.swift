import Foundation

/// Notices edits of the workspace's configuration — `mappings/*.yaml` and `mappings/carriers/*.yaml` —
/// by their size, modification time and inode, so `muelle run` can reload without a restart.
///
/// Polled rather than watched with inotify: a handful of files looked at once a second costs nothing,
/// and editors that save by rename-over (vim, VS Code) or through a bind mount are seen the same way.
struct ConfigurationWatcher {
    let workspace: Workspace
    private var last: [String: String]

    init(workspace: Workspace) {
        self.workspace = workspace
        last = Self.signatures(workspace)
    }

    /// True when some configuration file appeared, changed or disappeared since the last call.
    mutating func changed() -> Bool {
        let now = Self.signatures(workspace)
        defer { last = now }
        return now != last
    }

    private static func signatures(_ workspace: Workspace) -> [String: String] {
        let folders = [workspace.mappings, workspace.mappings + "/carriers"]
        var result: [String: String] = [:]
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = folder + "/" + name
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { continue }
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
                result[path] = "\(size):\(modified):\(inode)"
            }
        }
        return result
    }
}
