#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat(2)` says about a file, in Swift terms.
public struct FileInfo: Sendable, Equatable {
    /// The kind of file, from the mode's type bits.
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, unknown
    }

    public var kind: Kind
    public var size: Int64
    /// The permission bits (`0o644`…).
    public var permissions: UInt32
    public var modificationSeconds: Int
    public var modificationNanoseconds: Int
    /// When the inode last changed (ctime): a rename or link counts, unlike the modification time.
    public var statusChangeSeconds: Int
    public var statusChangeNanoseconds: Int
    public var inode: UInt64
    public var device: UInt64

    init(_ raw: stat) {
        kind = Self.kind(of: UInt32(raw.st_mode))
        size = Int64(raw.st_size)
        permissions = UInt32(raw.st_mode) & 0o7777
        #if canImport(Glibc)
        modificationSeconds = Int(raw.st_mtim.tv_sec)
        modificationNanoseconds = Int(raw.st_mtim.tv_nsec)
        statusChangeSeconds = Int(raw.st_ctim.tv_sec)
        statusChangeNanoseconds = Int(raw.st_ctim.tv_nsec)
        #else
        modificationSeconds = Int(raw.st_mtimespec.tv_sec)
        modificationNanoseconds = Int(raw.st_mtimespec.tv_nsec)
        statusChangeSeconds = Int(raw.st_ctimespec.tv_sec)
        statusChangeNanoseconds = Int(raw.st_ctimespec.tv_nsec)
        #endif
        inode = UInt64(raw.st_ino)
        device = UInt64(raw.st_dev)
    }

    /// Written to by its owner (`S_IWUSR`): how `/proc/<pid>/fd` links tell a writing descriptor.
    public var isOwnerWritable: Bool { permissions & UInt32(S_IWUSR) != 0 }

    private static func kind(of mode: UInt32) -> Kind {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFREG): .regular
        case UInt32(S_IFDIR): .directory
        case UInt32(S_IFLNK): .symbolicLink
        case UInt32(S_IFIFO): .fifo
        case UInt32(S_IFSOCK): .socket
        case UInt32(S_IFCHR): .characterDevice
        case UInt32(S_IFBLK): .blockDevice
        default: .unknown
        }
    }
}
