import MuelleCore
import MuelleSystem

/// Buffered bytes of a file, read in fixed chunks so memory never depends on the file size.
///
/// Tracks line and column (1-based, column counted in bytes) of the next byte, for error positions.
/// Lines end at LF (so CRLF counts once). Scanners that want speed read the buffered chunk in bulk
/// with `withBufferedBytes` and then `consume` what they used, instead of calling `next()` per byte.
public final class ByteSource {
    public let fileName: String
    private let fd: FileDescriptor
    // Manually allocated rather than an Array: bulk readers scan it through a pointer, and the
    // per-byte path then needs neither bounds nor uniqueness checks.
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0
    private var atEOF = false
    // Private storage behind public getters: a public stored property of a class gets run-time
    // exclusivity checks on every access, which the per-byte path cannot afford.
    private var consumed = 0
    private var currentLine = 1
    private var currentColumn = 1

    /// Bytes consumed so far.
    public var bytesRead: Int { consumed }
    public var line: Int { currentLine }
    public var column: Int { currentColumn }

    /// `chunkSize` is how much is read at a time; tests pass tiny sizes so that tokens straddle refills.
    public init(path: String, fileName: String, chunkSize: Int = 1 << 16) throws {
        self.fileName = fileName
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: .noFollow)
        } catch {
            throw MuelleError(.io, "cannot open the file: \(error.reason)", at: InputPosition(file: fileName))
        }
        // A byte-order mark must fit in one chunk to be recognised.
        self.buffer = .allocate(capacity: max(chunkSize, 4))
    }

    deinit {
        fd.closeIgnoringErrors()
        buffer.deallocate()
    }

    /// The next byte without consuming it; `nil` at end of file.
    @inline(__always)
    public func peek() throws -> UInt8? {
        if start == end { try refill() }
        return start < end ? buffer[start] : nil
    }

    /// Whether every byte of the file has been consumed (a read error is not the end).
    public var isAtEnd: Bool {
        get throws { try peek() == nil }
    }

    /// Consumes and returns the next byte; `nil` at end of file.
    @inline(__always)
    public func next() throws -> UInt8? {
        if start == end { try refill() }
        guard start < end else { return nil }
        let byte = buffer[start]
        start += 1
        consumed += 1
        if byte == 0x0A {
            currentLine += 1
            currentColumn = 1
        } else {
            currentColumn += 1
        }
        return byte
    }

    /// Calls `body` with the buffered, not yet consumed bytes, reading a new chunk first if none are
    /// buffered; the bytes are empty only at end of file. Nothing is consumed: call `consume(_:)`
    /// afterwards (not from inside `body`) with how many bytes were used.
    @inline(__always)
    public func withBufferedBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        if start == end { try refill() }
        return try body(UnsafeBufferPointer(rebasing: buffer[start..<end]))
    }

    /// Consumes the first `count` buffered bytes (as seen by `withBufferedBytes`), keeping line and column right.
    public func consume(_ count: Int) {
        precondition(count >= 0 && count <= end - start, "consume(\(count)) beyond the buffered bytes")
        let stop = start + count
        var newlines = 0
        var lastNewline = -1
        if count < 32 {
            // Too short for memchr's call to pay off (JSON consumes a token at a time).
            var i = start
            while i < stop {
                if buffer[i] == 0x0A {
                    newlines += 1
                    lastNewline = i
                }
                i += 1
            }
        } else if let base = buffer.baseAddress {
            var i = start
            // memchr is vectorised; lines are long compared with the work per line break.
            while i < stop, let found = Posix.firstIndex(of: 0x0A, in: UnsafeRawBufferPointer(start: base + i, count: stop - i)) {
                let offset = i + found
                newlines += 1
                lastNewline = offset
                i = offset + 1
            }
        }
        if newlines > 0 {
            currentLine += newlines
            currentColumn = stop - lastNewline
        } else {
            currentColumn += count
        }
        start = stop
        consumed += count
    }

    /// Skips a UTF-8 byte-order mark at the start of the file, without counting it as columns.
    /// Returns whether there was one.
    @discardableResult
    public func skipUTF8ByteOrderMark() throws -> Bool {
        guard consumed == 0 else { return false }
        if start == end { try refill() }
        guard end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF else {
            return false
        }
        start += 3
        consumed += 3
        return true
    }

    /// Position of the next byte, for errors.
    public func position(record: Int? = nil, field: String? = nil) -> InputPosition {
        InputPosition(file: fileName, record: record, line: line, column: column, field: field)
    }

    private func refill() throws {
        guard !atEOF else { return }
        start = 0
        end = 0
        let n: Int
        do {
            n = try fd.read(into: UnsafeMutableRawBufferPointer(buffer))
        } catch {
            throw MuelleError(.io, "reading the file failed: \(error.reason)", at: position())
        }
        if n > 0 { end = n } else { atEOF = true }
    }
}
