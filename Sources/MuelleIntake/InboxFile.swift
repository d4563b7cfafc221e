/// A candidate input: a regular file in `inbox/<route>/`, as it was when last looked at.
public struct InboxFile: Sendable, Hashable, CustomStringConvertible {
    /// The route folder's name, which is also the mapping's name (`inbox/shopify-orders/` → `shopify-orders`).
    public var route: String
    /// The file name as dropped, without any folder.
    public var name: String
    /// `<inbox>/<route>/<name>`.
    public var path: String
    public var size: Int64
    public var modificationTime: FileTimestamp
    public var inode: UInt64

    public init(route: String, name: String, path: String,
                size: Int64, modificationTime: FileTimestamp, inode: UInt64) {
        self.route = route
        self.name = name
        self.path = path
        self.size = size
        self.modificationTime = modificationTime
        self.inode = inode
    }

    /// What must stay the same for the file to count as unchanged.
    public var signature: FileSignature {
        FileSignature(inode: inode, size: size, modificationTime: modificationTime)
    }

    /// Arrival order: oldest modification first; ties (same nanosecond) broken by route, then name,
    /// so the order is the same on every run.
    public static func arrivesBefore(_ lhs: InboxFile, _ rhs: InboxFile) -> Bool {
        (lhs.modificationTime, lhs.route, lhs.name) < (rhs.modificationTime, rhs.route, rhs.name)
    }

    public var description: String { "\(route)/\(name)" }
}

/// The parts of a file's status that change whenever it is written, replaced or touched.
/// The inode is included so that a different file renamed over the same name counts as a change.
public struct FileSignature: Sendable, Hashable {
    public var inode: UInt64
    public var size: Int64
    public var modificationTime: FileTimestamp

    public init(inode: UInt64, size: Int64, modificationTime: FileTimestamp) {
        self.inode = inode
        self.size = size
        self.modificationTime = modificationTime
    }
}
