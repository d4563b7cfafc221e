import Foundation
import MuelleCore
import Synchronization

/// The inbox files that are ready to process, as they become ready: an endless `AsyncSequence` of
/// `InboxFile`s, in arrival order among those that become ready together.
///
/// A file is ready once it is a regular file with a non-temporary name in a route folder and its size,
/// modification time and inode have not changed for `quietPeriod`. Each ready file is yielded once per
/// (inode, size, modification time): again only after it changed, after it disappeared and came back, or
/// after `forget(_:)`. A yielded file may be gone by the time it is consumed: claim it, don't assume it.
///
/// Each iteration runs its own watch on a dedicated thread (inotify on `inbox/` and each route folder, plus a
/// periodic rescan as a safety net; rescans only where inotify is unavailable). Cancelling the consuming
/// task, or dropping the iterator, stops that thread and closes its inotify descriptor.
public final class InboxWatcher: AsyncSequence, Sendable {
    public typealias Element = InboxFile
    public typealias AsyncIterator = AsyncStream<InboxFile>.Iterator

    /// What to watch and how patiently.
    public struct Configuration: Sendable {
        /// The routes to watch; `nil` watches every folder of the inbox, including those created later.
        public var routes: [String]?
        /// How long a file must stay unchanged before it is ready.
        public var quietPeriod: Duration
        /// How often everything is listed again, in case inotify missed something (queue overflow,
        /// network file systems, whose remote writes inotify never sees). At least 100 ms.
        public var rescanInterval: Duration
        /// `false` relies on rescans alone.
        public var usesInotify: Bool
        /// How many files of one route are followed at a time, the oldest first; the rest of a backlog
        /// waits on disk, not in memory (see `WatchLoop`).
        public var window: Int

        public init(routes: [String]? = nil, quietPeriod: Duration = .milliseconds(300),
                    rescanInterval: Duration = .seconds(5), usesInotify: Bool = true, window: Int = 4096) {
            self.routes = routes
            self.quietPeriod = quietPeriod
            self.rescanInterval = rescanInterval
            self.usesInotify = usesInotify
            self.window = window
        }
    }

    public let inboxPath: String
    public let configuration: Configuration
    private let sessions = Mutex<[WatchSession]>([])

    /// Throws `.configuration` when a route name is not a single folder name.
    public init(inboxPath: String, configuration: Configuration = Configuration()) throws(MuelleError) {
        for route in configuration.routes ?? [] { try InboxScanner.validate(route: route) }
        self.inboxPath = inboxPath
        self.configuration = configuration
    }

    /// Starts watching; the iterator yields ready files until its task is cancelled or it is dropped.
    public func makeAsyncIterator() -> AsyncStream<InboxFile>.Iterator {
        let session = WatchSession()
        sessions.withLock { $0.append(session) }
        let (stream, continuation) = AsyncStream.makeStream(of: InboxFile.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { [weak self] _ in
            session.requestStop()
            self?.sessions.withLock { $0.removeAll { $0 === session } }
        }
        let scanner = InboxScanner(inboxPath: inboxPath)
        let configuration = configuration
        let thread = Thread {
            // The loop blocks in poll(2), so it gets a thread of its own rather than a cooperative-pool one.
            let loop = WatchLoop(scanner: scanner, configuration: configuration)
            loop.run(session) { continuation.yield($0) }
            continuation.finish()
        }
        thread.name = "muelle-inbox-watcher"
        thread.start()
        return stream.makeAsyncIterator()
    }

    /// Offers `file` again after `retryAfter` if it has not changed by then; sooner once it changed and is
    /// stable again, or as soon as its writer closes it (inotify's close-after-write): for a file that could
    /// not be taken yet (still open for writing, its content ending early) or whose processing failed.
    public func hold(_ file: InboxFile, retryAfter: Duration) {
        sessions.withLock { sessions in
            for session in sessions { session.requestHold(file, retryAfter: retryAfter) }
        }
    }

    /// Offers `file` again once it is (still) stable: for a caller that gave up on it and wants a retry.
    /// Files that disappear are forgotten without being told.
    public func forget(_ file: InboxFile) {
        sessions.withLock { sessions in
            for session in sessions { session.requestForget(file) }
        }
    }
}
