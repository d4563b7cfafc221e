import MuelleCore
import MuelleMapping

extension Workspace {
    /// The workspace config file: settings of the workspace as a whole (`alerts:`, `console:`).
    public var configFile: String { root + "/muelle.yaml" }

    /// `muelle.yaml`, compiled; empty settings when there is no such file.
    public func settings() throws(MappingLoadError) -> WorkspaceSettings {
        try WorkspaceSettings.load(path: configFile, displayName: relative(configFile))
    }
}
