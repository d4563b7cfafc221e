// Linux only: file leases (F_SETLEASE) have no Darwin counterpart.
import Glibc
import MuelleCore

/// A read lease (`fcntl(F_SETLEASE, F_RDLCK)`) on one file: the kernel grants it only while nobody has
/// the file open for writing, and breaks it as soon as someone opens it for writing. The module's only
/// calls into the C lease API. Not `Sendable`: one task owns it.
final class FileLease {
    /// What became of an attempt to take a lease.
    enum Attempt {
        case granted(FileLease)
        /// Someone has the file open for writing (EAGAIN), or holds a write lease on it (EWOULDBLOCK on open).
        case busy
        /// Nothing is there any more.
        case gone
        /// The file system or the kernel does not lease this file (EINVAL on NFS, overlay or FUSE; EACCES
        /// when muelle neither owns the file nor has CAP_LEASE): another check must stand in.
        case unsupported(reason: String)
    }

    // <fcntl.h> declares these only under _GNU_SOURCE, which the Glibc module does not define.
    private static let setLease: Int32 = 1024
    private static let getLease: Int32 = 1025

    /// Process-wide set-up, run once: the kernel tells a lease holder of a break with SIGIO, whose default
    /// action terminates the process. muelle asks (`isIntact`) rather than listens, so it ignores the signal.
    private static let signalsIgnored: Bool = {
        signal(SIGIO, SIG_IGN)
        return true
    }()

    private var descriptor: Int32
    /// Device and inode of the file the lease is on, as opened.
    let device: UInt64
    let inode: UInt64

    private init(descriptor: Int32, device: UInt64, inode: UInt64) {
        self.descriptor = descriptor
        self.device = device
        self.inode = inode
    }

    deinit { release() }

    /// Opens `path` read-only (never following a link, never blocking on someone else's lease) and asks for
    /// a read lease on it.
    static func take(_ path: String) throws(MuelleError) -> Attempt {
        _ = signalsIgnored
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: return .gone
            case EWOULDBLOCK: return .busy
            default: throw MuelleError(.io, "cannot open \(path): \(String(cString: strerror(code)))")
            }
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw MuelleError(.io, "cannot look at \(path): \(String(cString: strerror(code)))")
        }
        guard fcntl(descriptor, setLease, Int32(F_RDLCK)) == 0 else {
            let code = errno
            close(descriptor)
            if code == EAGAIN { return .busy }
            return .unsupported(reason: String(cString: strerror(code)))
        }
        return .granted(FileLease(descriptor: descriptor, device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// Whether the lease still stands: `false` once a writer has opened the file (the kernel is breaking
    /// the lease, or has broken it), or after `release()`.
    var isIntact: Bool {
        guard descriptor >= 0 else { return false }
        return fcntl(descriptor, Self.getLease) == Int32(F_RDLCK)
    }

    /// Gives the lease up at once, so a writer waiting in open(2) goes on without waiting for the
    /// kernel's lease-break time; safe to call more than once.
    func release() {
        guard descriptor >= 0 else { return }
        _ = fcntl(descriptor, Self.setLease, Int32(F_UNLCK))
        close(descriptor)
        descriptor = -1
    }
}
