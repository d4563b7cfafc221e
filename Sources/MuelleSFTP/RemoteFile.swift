/// One entry of a remote folder, as the server described it (`lstat`: links are reported, not followed).
public struct RemoteFile: Sendable, Hashable, CustomStringConvertible {
    /// What kind of entry it is; only regular files are ever downloaded.
    public enum Kind: Sendable, Hashable {
        case regular
        case folder
        case symbolicLink
        case other
    }

    /// The name inside its folder, without any path.
    public var name: String
    /// Size in bytes; 0 when the server did not say.
    public var size: Int64
    /// Modification time in whole seconds since 1970-01-01 UTC (SFTP version 3 has no finer time);
    /// 0 when the server did not say.
    public var modificationTime: Int64
    public var kind: Kind

    public init(name: String, size: Int64, modificationTime: Int64, kind: Kind = .regular) {
        self.name = name
        self.size = size
        self.modificationTime = modificationTime
        self.kind = kind
    }

    public var description: String { "\(name) (\(size) bytes, mtime \(modificationTime))" }

    /// The kind encoded in POSIX permission bits (`S_IFMT`), which is how SFTP version 3 sends it.
    static func kind(permissions: UInt?) -> Kind {
        guard let permissions else { return .other }
        switch permissions & 0o170000 {
        case 0o100000: return .regular
        case 0o040000: return .folder
        case 0o120000: return .symbolicLink
        default: return .other
        }
    }
}

/// Remote paths are always `/`-separated, whatever the server's platform.
enum RemotePath {
    /// `folder/name`, without doubling a trailing slash.
    static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// A name the server listed that is safe to use as one path component, here and on the local disk:
    /// not empty, not `.`/`..`, no `/`, no NUL. A hostile server cannot steer a download outside its folder.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
