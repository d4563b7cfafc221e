import MuelleCore
import Synchronization

/// Remembers which remote files a pull has taken — by name, size and modification time — so that each file
/// is taken once, and a file rewritten on the server (new size or time) is taken again.
///
/// Called synchronously on the SFTP client's queue, between transfers: an implementation may block briefly
/// (a SQLite write through the ledger), never for long.
public protocol SFTPSeenStore: Sendable {
    /// Whether this very file (same name, size and modification time) was already taken from `source`.
    func hasTaken(_ file: RemoteFile, from source: String) throws(MuelleError) -> Bool
    /// Records that `file` from `source` now sits in the inbox as `localName`.
    func recordTaken(_ file: RemoteFile, from source: String, as localName: String) throws(MuelleError)
}

/// Remembers which files were delivered to which remote folder, so that each is delivered once.
/// Called synchronously on the SFTP client's queue, like `SFTPSeenStore`.
public protocol SFTPDeliveredStore: Sendable {
    /// Whether this file (same destination, name and size) was already delivered.
    func wasDelivered(_ delivery: SFTPDelivery) throws(MuelleError) -> Bool
    /// Records a delivery once the file sits complete under its final name on the server.
    func recordDelivered(_ delivery: SFTPDelivery) throws(MuelleError)
}

/// One file delivered to a partner: where to, under which name, and how large.
public struct SFTPDelivery: Sendable, Hashable, CustomStringConvertible {
    /// `sftp://user@host:port/folder`.
    public var destination: String
    /// The file's name on the server.
    public var name: String
    /// Its size in bytes.
    public var size: Int64

    public init(destination: String, name: String, size: Int64) {
        self.destination = destination
        self.name = name
        self.size = size
    }

    public var description: String { "\(RemotePath.join(destination, name)) (\(size) bytes)" }
}

/// An `SFTPSeenStore` in memory, for tests and one-off runs; forgets everything when the process ends.
public final class InMemorySeenStore: SFTPSeenStore {
    private struct Key: Hashable {
        var source: String
        var file: RemoteFile
    }

    private let taken = Mutex<[Key: String]>([:])

    public init() {}

    public func hasTaken(_ file: RemoteFile, from source: String) -> Bool {
        taken.withLock { $0[Key(source: source, file: file)] != nil }
    }

    public func recordTaken(_ file: RemoteFile, from source: String, as localName: String) {
        taken.withLock { $0[Key(source: source, file: file)] = localName }
    }

    /// How many files were recorded, across all sources.
    public var count: Int { taken.withLock { $0.count } }
}

/// An `SFTPDeliveredStore` in memory, for tests and one-off runs.
public final class InMemoryDeliveredStore: SFTPDeliveredStore {
    private let delivered = Mutex<Set<SFTPDelivery>>([])

    public init() {}

    public func wasDelivered(_ delivery: SFTPDelivery) -> Bool {
        delivered.withLock { $0.contains(delivery) }
    }

    public func recordDelivered(_ delivery: SFTPDelivery) {
        _ = delivered.withLock { $0.insert(delivery) }
    }

    /// How many deliveries were recorded.
    public var count: Int { delivered.withLock { $0.count } }
}
