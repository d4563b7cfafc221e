import Foundation
import MuelleIntake

/// Identity and shape of a file at one moment: a change between two snapshots means it was
/// rewritten, grown, truncated or replaced while muelle read it.
struct FileSnapshot: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }

    var modificationTime: FileTimestamp { FileTimestamp(seconds: modifiedSeconds, nanoseconds: modifiedNanoseconds) }

    /// The file's arrival as `{ meta: received_at }` reads it: when the upload last wrote it.
    var modificationDate: Date { Date(timeIntervalSince1970: TimeInterval(modifiedSeconds)) }
}
