import MuelleCore

/// muelle's hold on an inbox file while it reads it: granted only when nobody has the file open for
/// writing, and able to tell afterwards whether a writer opened it meanwhile (then nothing read may be
/// committed: the file is taken again later).
///
/// On Linux this is a read lease, which the kernel grants only while the file has no writer and breaks the
/// moment one opens it, so even a writer that reopens the file and closes it again is noticed. Where leases
/// are refused (NFS, overlay and FUSE file systems; files muelle neither owns nor may lease), the open
/// descriptors of every process are searched instead, as fuser(1) does: that sees writers of this machine
/// only, and only at the moments it looks (when claiming and when asked). Release the claim as soon as
/// the file is read: a writer that opens a leased file waits until then.
public final class FileClaim {
    /// How the claim is held, for the logs.
    public enum Method: Sendable, Equatable, CustomStringConvertible {
        case lease
        /// The file system refused a lease for this reason; `/proc` is searched for writers instead.
        case openWriterSearch(leaseRefused: String)

        public var description: String {
            switch self {
            case .lease: "read lease"
            case .openWriterSearch(let reason): "search of /proc for writers (a read lease was refused: \(reason))"
            }
        }
    }

    /// The answer to a claim.
    public enum Outcome {
        case claimed(FileClaim)
        /// Some process has the file open for writing: it is not finished.
        case inUse
        /// The file is not there any more.
        case gone
    }

    public let method: Method
    private let lease: FileLease?
    private let device: UInt64
    private let inode: UInt64

    private init(method: Method, lease: FileLease?, device: UInt64, inode: UInt64) {
        self.method = method
        self.lease = lease
        self.device = device
        self.inode = inode
    }

    /// Claims the regular file at `path` (never following a link). `usesLease: false` searches `/proc`
    /// for writers even where leases work (tests of the fallback).
    public static func take(_ path: String, usesLease: Bool = true) throws(MuelleError) -> Outcome {
        var refusal = "not tried"
        if usesLease {
            switch try FileLease.take(path) {
            case .granted(let lease):
                return .claimed(FileClaim(method: .lease, lease: lease, device: lease.device, inode: lease.inode))
            case .busy: return .inUse
            case .gone: return .gone
            case .unsupported(let reason): refusal = reason
            }
        }
        guard let status = try FileStatus.of(path) else { return .gone }
        if OpenWriters.exist(device: status.device, inode: status.inode) { return .inUse }
        return .claimed(FileClaim(method: .openWriterSearch(leaseRefused: refusal), lease: nil,
                                  device: status.device, inode: status.inode))
    }

    /// Whether no writer has opened the file since it was claimed (with a lease), or none has it open now
    /// (with the search). Cheap with a lease (one fcntl); a search of `/proc` otherwise.
    public var isIntact: Bool {
        if let lease { return lease.isIntact }
        return !OpenWriters.exist(device: device, inode: inode)
    }

    /// Whether `isIntact` costs no more than a system call, so it may be asked often while reading.
    public var checksCheaply: Bool { lease != nil }

    /// Ends the claim; a writer blocked on the lease goes on at once. Safe to call more than once.
    public func release() {
        lease?.release()
    }
}
