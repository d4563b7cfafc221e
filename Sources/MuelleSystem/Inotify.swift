// Linux only: inotify has no Darwin counterpart.
#if canImport(Glibc)
import Glibc

/// Owns one inotify descriptor (non-blocking, close-on-exec) and closes it in `deinit`.
/// muelle's only calls into the C inotify and poll API. Not `Sendable`: one thread owns it.
public final class Inotify {
    /// The inotify event bits the watcher uses.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let modify = Events(rawValue: UInt32(IN_MODIFY))
        public static let attributes = Events(rawValue: UInt32(IN_ATTRIB))
        public static let closeWrite = Events(rawValue: UInt32(IN_CLOSE_WRITE))
        public static let movedFrom = Events(rawValue: UInt32(IN_MOVED_FROM))
        public static let movedTo = Events(rawValue: UInt32(IN_MOVED_TO))
        public static let create = Events(rawValue: UInt32(IN_CREATE))
        public static let delete = Events(rawValue: UInt32(IN_DELETE))
        public static let deleteSelf = Events(rawValue: UInt32(IN_DELETE_SELF))
        public static let moveSelf = Events(rawValue: UInt32(IN_MOVE_SELF))
        /// Some events were dropped: only a full rescan can tell what happened.
        public static let queueOverflow = Events(rawValue: UInt32(IN_Q_OVERFLOW))
        /// The watch was removed (folder deleted, moved away, or `removeWatch`).
        public static let watchRemoved = Events(rawValue: UInt32(IN_IGNORED))
        public static let isDirectory = Events(rawValue: UInt32(IN_ISDIR))
        /// Refuse to watch anything but a directory.
        public static let onlyDirectory = Events(rawValue: UInt32(IN_ONLYDIR))
        /// Refuse to follow a symbolic link to what it points at.
        public static let dontFollow = Events(rawValue: UInt32(IN_DONT_FOLLOW))
    }

    public struct Event: Sendable, Equatable {
        public var watch: Int32
        public var events: Events
        /// The entry concerned, for events about a folder's entries; `nil` for events about the
        /// watched folder itself, or when the name is not valid UTF-8.
        public var name: String?
        /// The event named an entry, but not in valid UTF-8.
        public var hasUndecodableName: Bool
    }

    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// `nil` when the kernel refuses (no inotify support, or the per-user instance limit is reached).
    public init?() {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Starts (or replaces the mask of) a watch on `path`; `nil` when it cannot be watched (gone, not a folder).
    public func addWatch(_ path: String, for events: Events) -> Int32? {
        let watch = inotify_add_watch(descriptor, path, events.rawValue)
        return watch >= 0 ? watch : nil
    }

    public func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(descriptor, watch)
    }

    /// Waits until events arrive or `timeout` passes, then returns every event queued (possibly none).
    public func waitForEvents(timeout: Duration) -> [Event] {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, Self.milliseconds(timeout)) > 0 else { return [] }
        var events: [Event] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            // EAGAIN: drained. Any other failure would repeat forever; the periodic rescan covers for it.
            guard count > 0 else { return events }
            buffer.withUnsafeBytes { Self.parse(UnsafeRawBufferPointer(rebasing: $0.prefix(count)), into: &events) }
        }
    }

    /// Sleeps `timeout` without a descriptor: the pace of the rescan-only fallback.
    public static func sleep(_ timeout: Duration) {
        _ = poll(nil, 0, milliseconds(timeout))
    }

    /// Decodes the kernel's packed `struct inotify_event` records (16-byte header, then `len` name bytes).
    private static func parse(_ bytes: UnsafeRawBufferPointer, into events: inout [Event]) {
        let headerSize = 16
        var offset = 0
        while offset + headerSize <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let nameLength = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            // The kernel pads names with NULs to keep records aligned.
            let nameBytes = bytes[nameStart ..< min(nameStart + nameLength, bytes.count)].prefix { $0 != 0 }
            let name = nameBytes.isEmpty ? nil : String(validating: nameBytes, as: UTF8.self)
            events.append(Event(watch: watch, events: Events(rawValue: mask), name: name,
                                hasUndecodableName: !nameBytes.isEmpty && name == nil))
            offset = nameStart + nameLength
        }
    }

    /// poll(2) takes whole milliseconds: round up so a wait never ends just before its deadline.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
#endif
