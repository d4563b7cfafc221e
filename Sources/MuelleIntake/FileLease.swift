import MuelleCore
import MuelleSystem

/// A read lease (`fcntl(F_SETLEASE, F_RDLCK)`) on one file: the kernel grants it only while nobody has
/// the file open for writing, and breaks it as soon as someone opens it for writing (Linux only; the
/// calls are `MuelleSystem`'s). Not `Sendable`: one task owns it.
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

    private var descriptor: FileDescriptor?
    /// Device and inode of the file the lease is on, as opened.
    let device: UInt64
    let inode: UInt64

    private init(descriptor: FileDescriptor, device: UInt64, inode: UInt64) {
        self.descriptor = descriptor
        self.device = device
        self.inode = inode
    }

    deinit { release() }

    /// Opens `path` read-only (never following a link, never blocking on someone else's lease) and asks for
    /// a read lease on it.
    static func take(_ path: String) throws(MuelleError) -> Attempt {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.nonBlocking, .noFollow])
        } catch {
            if error.isNoSuchFile || error.isNotADirectory { return .gone }
            if error.wouldBlock { return .busy }
            throw MuelleError(.io, "cannot open \(path): \(error.reason)")
        }
        let info: FileInfo
        do {
            info = try descriptor.info()
        } catch {
            descriptor.closeIgnoringErrors()
            throw MuelleError(.io, "cannot look at \(path): \(error.reason)")
        }
        do {
            try descriptor.takeReadLease()
        } catch {
            descriptor.closeIgnoringErrors()
            if error.wouldBlock { return .busy }
            return .unsupported(reason: error.reason)
        }
        return .granted(FileLease(descriptor: descriptor, device: info.device, inode: info.inode))
    }

    /// Whether the lease still stands: `false` once a writer has opened the file (the kernel is breaking
    /// the lease, or has broken it), or after `release()`.
    var isIntact: Bool {
        descriptor?.holdsReadLease ?? false
    }

    /// Gives the lease up at once, so a writer waiting in open(2) goes on without waiting for the
    /// kernel's lease-break time; safe to call more than once.
    func release() {
        guard let descriptor else { return }
        descriptor.releaseLease()
        descriptor.closeIgnoringErrors()
        self.descriptor = nil
    }
}
