#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MuelleCore

/// Buffered bytes of a file, read in fixed chunks so memory never depends on the file size.
///
/// Tracks line and column (1-based, column counted in bytes) of the next byte, for error positions.
public final class ByteSource {
    public let fileName: String
    private let fd: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    public private(set) var bytesRead = 0
    public private(set) var line = 1
    public private(set) var column = 1

    public init(path: String, fileName: String, chunkSize: Int = 1 << 16) throws {
        self.fileName = fileName
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw MuelleError(.io, "cannot open the file: \(reason)", at: InputPosition(file: fileName))
        }
        self.fd = fd
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { close(fd) }

    /// The next byte without consuming it; `nil` at end of file.
    @inline(__always)
    public func peek() throws -> UInt8? {
        if start == end { try refill() }
        return start < end ? buffer[start] : nil
    }

    /// Consumes and returns the next byte; `nil` at end of file.
    @inline(__always)
    public func next() throws -> UInt8? {
        if start == end { try refill() }
        guard start < end else { return nil }
        let byte = buffer[start]
        start += 1
        bytesRead += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return byte
    }

    /// Position of the next byte, for errors.
    public func position(record: Int? = nil, field: String? = nil) -> InputPosition {
        InputPosition(file: fileName, record: record, line: line, column: column, field: field)
    }

    private func refill() throws {
        guard !atEOF else { return }
        start = 0
        end = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { end = n; return }
            if n == 0 { atEOF = true; return }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw MuelleError(.io, "reading the file failed: \(reason)", at: position())
        }
    }
}
