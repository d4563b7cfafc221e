#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The names in one folder, one at a time as `readdir(3)` returns them (no list held: a folder of 500,000
/// names costs the memory of one). Skips `.` and `..`; closes the folder in `deinit`. Not `Sendable`.
public final class DirectoryStream {
    private let directory: OpaquePointer

    /// Opens `path` for listing.
    public init(_ path: String) throws(SystemError) {
        while true {
            if let directory = opendir(path) {
                self.directory = directory
                return
            }
            let error = SystemError.last()
            if !error.isInterrupted { throw error }
        }
    }

    deinit { closedir(directory) }

    /// Where `d_name` starts in a `struct dirent`.
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19

    /// The next name's bytes (not necessarily UTF-8), or `nil` at the end.
    public func next() throws(SystemError) -> [UInt8]? {
        while true {
            // readdir returns nil both at the end and on error; errno tells them apart.
            errno = 0
            guard let entry = readdir(directory) else {
                let code = errno
                if code != 0 { throw SystemError(code: code) }
                return nil
            }
            // The name is read where it lies, up to its NUL: `entry.pointee` would copy a whole `struct dirent`
            // (280 bytes), but readdir's record is only as long as its name, and one at the end of the kernel's
            // buffer ends on an unmapped page (a folder of 30,000 names crashed that way).
            let name = UnsafeRawPointer(entry).advanced(by: Self.nameOffset).withMemoryRebound(to: CChar.self, capacity: 256) { start in
                Array(UnsafeRawBufferPointer(start: start, count: strlen(start)))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            return name
        }
    }
}
