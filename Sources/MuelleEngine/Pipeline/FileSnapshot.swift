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
        guard let info = FileSystem.info(path) else { return nil }
        device = info.device
        inode = info.inode
        size = info.size
        modifiedSeconds = info.modificationSeconds
        modifiedNanoseconds = info.modificationNanoseconds
    }

    var modificationTime: FileTimestamp { FileTimestamp(seconds: modifiedSeconds, nanoseconds: modifiedNanoseconds) }

    /// The file's arrival as `{ meta: received_at }` reads it: when the upload last wrote it.
    var modificationDate: Date { Date(timeIntervalSince1970: TimeInterval(modifiedSeconds)) }
}
