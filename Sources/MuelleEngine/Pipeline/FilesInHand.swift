import Synchronization

/// Which files the route workers are processing right now, and how far each has got: what a graceful
/// shutdown names when it waits for them.
public final class FilesInHand: Sendable {
    /// One file being processed.
    public struct Progress: Sendable, Equatable {
        public var route: String
        public var name: String
        public var records = 0
        public var bytesRead = 0
        public var size: Int64

        /// "orders.csv (route shopify-orders): 12,288 records, 41% read".
        public var description: String {
            let percent = size > 0 ? min(100, Int(Int64(bytesRead) * 100 / size)) : 0
            return "\(name) (route \(route)): \(records) records, \(percent)% read"
        }
    }

    private let files = Mutex<[String: Progress]>([:])

    public init() {}

    func start(route: String, name: String, size: Int64) {
        files.withLock { $0[route + "/" + name] = Progress(route: route, name: name, size: size) }
    }

    func advance(route: String, name: String, records: Int, bytesRead: Int) {
        files.withLock { files in
            files[route + "/" + name]?.records = records
            files[route + "/" + name]?.bytesRead = bytesRead
        }
    }

    func finish(route: String, name: String) {
        files.withLock { $0[route + "/" + name] = nil }
    }

    /// The files in hand now, by route and name.
    public var current: [Progress] {
        files.withLock { $0.values.sorted { ($0.route, $0.name) < ($1.route, $1.name) } }
    }
}
