import Foundation
import Glibc
@testable import MuelleIntake
import Synchronization

/// A fresh inbox under the temporary folder, removed when the test is done with it.
final class TemporaryInbox {
    let root: String
    var inboxPath: String { root + "/inbox" }

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/muelle-intake-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ relative: String) -> String { inboxPath + "/" + relative }

    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String = "id,total\n1,9.90\n") throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(relative)))
    }

    /// Sets the modification time to the nanosecond, which Foundation's `Date` cannot do exactly.
    func setModificationTime(_ relative: String, seconds: Int, nanoseconds: Int) {
        let time = timespec(tv_sec: seconds, tv_nsec: nanoseconds)
        let times = [time, time]
        precondition(utimensat(AT_FDCWD, path(relative), times, 0) == 0)
    }

    /// `folder/0.csv` … `folder/<count - 1>.csv`, each a second younger than the one before it (arrival order =
    /// number order); `newestFirst` writes them in the other order, so listing order and arrival order disagree.
    func writeAged(_ count: Int, in folder: String, newestFirst: Bool = false) throws {
        for index in newestFirst ? Array((0 ..< count).reversed()) : Array(0 ..< count) {
            try write("\(folder)/\(index).csv")
            setModificationTime("\(folder)/\(index).csv", seconds: 1_700_000_000 + index, nanoseconds: 0)
        }
    }

    func link(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }

    func watcher(_ configuration: InboxWatcher.Configuration) throws -> InboxWatcher {
        try InboxWatcher(inboxPath: inboxPath, configuration: configuration)
    }

    func rename(_ from: String, _ to: String) {
        precondition(Glibc.rename(path(from), path(to)) == 0)
    }
}

/// Consumes a watcher in a task of its own, remembering each file and when it arrived.
final class Collector: Sendable {
    struct Arrival: Sendable {
        var file: InboxFile
        var at: ContinuousClock.Instant
    }

    private final class Log: Sendable {
        let arrivals = Mutex<[Arrival]>([])
    }

    private let log = Log()
    private let consumer: Task<Void, Never>

    init(_ watcher: InboxWatcher) {
        consumer = Task { [log] in
            for await file in watcher {
                let arrival = Arrival(file: file, at: .now)
                log.arrivals.withLock { $0.append(arrival) }
            }
        }
    }

    var received: [Arrival] { log.arrivals.withLock { $0 } }
    var names: [String] { received.map { "\($0.file.route)/\($0.file.name)" } }

    /// `names` with each file once, in the order first handed over: a file offered again before it left the folder
    /// (a rescan racing its first hand-over on a loaded machine) is still one file for the window's order.
    var distinctNames: [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    func stop() {
        consumer.cancel()
    }

    deinit {
        consumer.cancel()
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// The inotify descriptors this process has open, from /proc/self/fd. Other suites (SFTP partner uploads)
/// run watchers in the same process at the same time, so tests look at the descriptors that appeared with
/// their own watcher rather than at a count.
func inotifyDescriptors() -> Set<String> {
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return Set(descriptors.filter { descriptor in
        let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + descriptor)
        return target == "anon_inode:inotify"
    })
}
