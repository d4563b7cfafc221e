#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor. Every call retries when a signal interrupts it (EINTR) and throws the `errno` it
/// left as a `SystemError`. A plain value: its owner closes it, exactly once (in a `deinit`, as a rule).
public struct FileDescriptor: Sendable, Hashable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// How the file is opened.
    public enum Access: Sendable {
        case readOnly, writeOnly, readWrite

        var flag: Int32 {
            switch self {
            case .readOnly: O_RDONLY
            case .writeOnly: O_WRONLY
            case .readWrite: O_RDWR
            }
        }
    }

    /// `open(2)` options; close-on-exec is always set (muelle starts no child that should inherit a file).
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let create = Options(rawValue: O_CREAT)
        public static let truncate = Options(rawValue: O_TRUNC)
        /// Fail (ELOOP) rather than follow a symbolic link in the last component.
        public static let noFollow = Options(rawValue: O_NOFOLLOW)
        /// Fail unless the path is a folder (for fsyncing one).
        public static let directory = Options(rawValue: O_DIRECTORY)
        /// Never block in `open` (on someone else's lease) or in reads.
        public static let nonBlocking = Options(rawValue: O_NONBLOCK)
    }

    /// Opens `path`; `permissions` apply to a file `.create` makes.
    public static func open(_ path: String, _ access: Access, options: Options = [],
                            permissions: UInt32 = 0o644) throws(SystemError) -> FileDescriptor {
        let flags = access.flag | options.rawValue | O_CLOEXEC
        let fd = try retryingInterrupts { () -> Int32 in
            #if canImport(Glibc)
            Glibc.open(path, flags, mode_t(permissions))
            #else
            Darwin.open(path, flags, mode_t(permissions))
            #endif
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Reads up to `count` bytes into `buffer`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawPointer?, count: Int) throws(SystemError) -> Int {
        try retryingInterrupts { () -> Int in
            #if canImport(Glibc)
            Glibc.read(rawValue, buffer, count)
            #else
            Darwin.read(rawValue, buffer, count)
            #endif
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try read(into: buffer.baseAddress, count: buffer.count)
    }

    /// Writes all of `bytes` (several `write(2)` calls when the kernel takes them in parts).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try retryingInterrupts { () -> Int in
                #if canImport(Glibc)
                Glibc.write(rawValue, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                #else
                Darwin.write(rawValue, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                #endif
            }
        }
    }

    /// Writes all of `bytes` at `position`, leaving the file offset alone (`pwrite(2)`).
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try retryingInterrupts { () -> Int in
                pwrite(rawValue, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, off_t(position) + off_t(offset))
            }
        }
    }

    /// Makes what was written survive a crash (`fsync(2)`); on a folder, the names in it.
    public func sync() throws(SystemError) {
        _ = try retryingInterrupts { fsync(rawValue) }
    }

    /// Cuts the file to `size` bytes.
    public func truncate(to size: Int64) throws(SystemError) {
        _ = try retryingInterrupts { ftruncate(rawValue, off_t(size)) }
    }

    /// What `fstat(2)` says about the open file.
    public func info() throws(SystemError) -> FileInfo {
        var raw = stat()
        _ = try retryingInterrupts { fstat(rawValue, &raw) }
        return FileInfo(raw)
    }

    /// Takes the `flock(2)` exclusive lock; with `wait` false, returns `false` at once when someone holds it.
    public func lockExclusively(wait: Bool) throws(SystemError) -> Bool {
        do {
            _ = try retryingInterrupts { flock(rawValue, LOCK_EX | (wait ? 0 : LOCK_NB)) }
            return true
        } catch where error.wouldBlock && !wait {
            return false
        }
    }

    /// Lets go of the `flock(2)` lock.
    public func unlock() {
        _ = flock(rawValue, LOCK_UN)
    }

    /// Closes the descriptor. Never retried: on Linux the descriptor is gone even when close reports EINTR.
    public func close() throws(SystemError) {
        #if canImport(Glibc)
        let result = Glibc.close(rawValue)
        #else
        let result = Darwin.close(rawValue)
        #endif
        if result != 0 { throw SystemError.last() }
    }

    /// Closes the descriptor where nothing can be done about a failure (a `deinit`, a path already failing).
    public func closeIgnoringErrors() {
        try? close()
    }
}

// Linux file leases: the kernel grants a read lease only while nobody has the file open for writing,
// and breaks it when someone opens it for writing. Darwin has none.
#if canImport(Glibc)
extension FileDescriptor {
    // <fcntl.h> declares these only under _GNU_SOURCE, which the Glibc module does not define.
    private static let setLease: Int32 = 1024
    private static let getLease: Int32 = 1025

    /// Process-wide set-up, run once: the kernel tells a lease holder of a break with SIGIO, whose default
    /// action terminates the process. muelle asks (`holdsReadLease`) rather than listens, so it ignores the signal.
    private static let leaseSignalIgnored: Bool = {
        signal(SIGIO, SIG_IGN)
        return true
    }()

    /// Asks for a read lease (`fcntl(F_SETLEASE, F_RDLCK)`): EAGAIN when someone has the file open for writing,
    /// EINVAL or EACCES where the file system or the kernel does not lease this file.
    public func takeReadLease() throws(SystemError) {
        _ = Self.leaseSignalIgnored
        _ = try retryingInterrupts { fcntl(rawValue, Self.setLease, Int32(F_RDLCK)) }
    }

    /// Whether the read lease still stands: `false` once a writer has opened the file (the kernel is breaking it).
    public var holdsReadLease: Bool {
        fcntl(rawValue, Self.getLease) == Int32(F_RDLCK)
    }

    /// Gives the lease up, so a writer waiting in open(2) goes on without waiting for the lease-break time.
    public func releaseLease() {
        _ = fcntl(rawValue, Self.setLease, Int32(F_UNLCK))
    }
}
#endif
