import MuelleIntake
import Synchronization

/// One route's files that are ready, in arrival order: the inbox service adds each as the watcher reports it,
/// and the route's worker takes all that are there at once, up to a group's limit (`FileProcessor.groupLimit`),
/// so a burst of small drops is committed in groups while a lone file is taken at once.
final class ReadyFiles: Sendable {
    private let files = Mutex<[InboxFile]>([])

    func append(_ file: InboxFile) {
        files.withLock { $0.append(file) }
    }

    /// The oldest waiting files, at most `limit.files` of them and `limit.bytes` together (always one at least).
    func takeGroup(limit: (files: Int, bytes: Int64)) -> [InboxFile] {
        files.withLock { waiting in
            var count = 0, bytes: Int64 = 0
            while count < min(limit.files, waiting.count), count == 0 || bytes + waiting[count].size <= limit.bytes {
                bytes += waiting[count].size
                count += 1
            }
            let group = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            return group
        }
    }
}
