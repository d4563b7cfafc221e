#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The calls on paths (not on open descriptors) muelle makes, each retried on EINTR and throwing `errno`.
public enum Posix {
    /// Renames `source` to `destination` atomically, replacing it (same file system only).
    public static func rename(_ source: String, to destination: String) throws(SystemError) {
        _ = try retryingInterrupts { () -> Int32 in
            #if canImport(Glibc)
            Glibc.rename(source, destination)
            #else
            Darwin.rename(source, destination)
            #endif
        }
    }

    /// Gives `existing` the second name `new`; fails (EEXIST) rather than replace a file there.
    public static func link(_ existing: String, to new: String) throws(SystemError) {
        _ = try retryingInterrupts { () -> Int32 in
            #if canImport(Glibc)
            Glibc.link(existing, new)
            #else
            Darwin.link(existing, new)
            #endif
        }
    }

    /// Removes the name `path`.
    public static func unlink(_ path: String) throws(SystemError) {
        _ = try retryingInterrupts { () -> Int32 in
            #if canImport(Glibc)
            Glibc.unlink(path)
            #else
            Darwin.unlink(path)
            #endif
        }
    }

    /// Removes the empty folder `path` (ENOTEMPTY while it holds anything).
    public static func removeDirectory(_ path: String) throws(SystemError) {
        _ = try retryingInterrupts { rmdir(path) }
    }

    /// Makes everything written to the file system holding `path` durable, with one journal commit: far
    /// cheaper than an fsync per file when thousands of small files (labels) were just written. syncfs(2)
    /// is declared by glibc only for _GNU_SOURCE (out of Swift's sight), so it is looked up by name; where
    /// it is missing, sync(2) makes every file system durable, this one included.
    public static func syncFileSystem(of path: String) throws(SystemError) {
        let descriptor = try FileDescriptor.open(path, .readOnly)
        defer { descriptor.closeIgnoringErrors() }
        typealias SyncFS = @convention(c) (Int32) -> Int32
        // RTLD_DEFAULT is the null handle: the symbol wherever the process has it.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else {
            sync()
            return
        }
        let syncfs = unsafeBitCast(symbol, to: SyncFS.self)
        _ = try retryingInterrupts { syncfs(descriptor.rawValue) }
    }

    /// Creates one folder (its parent must exist).
    public static func makeDirectory(_ path: String, permissions: UInt32 = 0o755) throws(SystemError) {
        _ = try retryingInterrupts { mkdir(path, mode_t(permissions)) }
    }

    /// What is at `path` itself, never following a symbolic link (`lstat(2)`).
    public static func linkInfo(_ path: String) throws(SystemError) -> FileInfo {
        var raw = stat()
        _ = try retryingInterrupts { lstat(path, &raw) }
        return FileInfo(raw)
    }

    /// What `path` leads to, following symbolic links (`stat(2)`).
    public static func info(_ path: String) throws(SystemError) -> FileInfo {
        var raw = stat()
        _ = try retryingInterrupts { stat(path, &raw) }
        return FileInfo(raw)
    }

    /// Whether this process may read `path` (`access(2)`); the error says why not.
    public static func checkReadable(_ path: String) throws(SystemError) {
        _ = try retryingInterrupts { access(path, R_OK) }
    }

    /// An environment variable of this process, `nil` when unset.
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// This process's id.
    public static var processID: Int32 { getpid() }

    /// The wall clock now, as seconds and nanoseconds since 1970 (the terms of file modification times).
    public static func wallClock() -> (seconds: Int, nanoseconds: Int) {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return (Int(time.tv_sec), Int(time.tv_nsec))
    }

    /// Whether a process with this id runs on this machine now (one we may not signal counts: it exists).
    public static func processExists(_ id: Int32) -> Bool {
        kill(id, 0) == 0 || errno == EPERM
    }

    /// Ends this process at once with SIGKILL: no handler, no flush (crash points of the end-to-end tests).
    public static func killSelf() {
        kill(getpid(), SIGKILL)
    }

    /// Blocks the calling thread (never a cooperative-pool thread) for `microseconds`.
    public static func sleep(microseconds: Int) {
        usleep(useconds_t(clamping: microseconds))
    }

    /// Whether `name` matches the shell pattern `pattern`; a leading dot must be matched by a dot (`FNM_PERIOD`).
    public static func matches(_ name: String, pattern: String) -> Bool {
        fnmatch(pattern, name, FNM_PERIOD) == 0
    }

    /// The position of the first `byte` in `bytes` (vectorised `memchr`), or `nil`. Inlinable: readers call it
    /// for every stretch of bytes they consume.
    @inlinable
    public static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let hit = memchr(base, Int32(byte), bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
