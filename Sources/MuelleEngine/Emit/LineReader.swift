import MuelleReaders

/// Lines of a UTF-8 file, streamed a buffer at a time.
final class LineReader {
    private let source: ByteSource
    private var bytes: [UInt8] = []

    init(path: String) throws {
        source = try ByteSource(path: path, fileName: path)
    }

    func next() throws -> String? {
        try nextBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next line's bytes, without its line break: for copying a line on as it is, with no `String` made.
    func nextBytes() throws -> [UInt8]? {
        bytes.removeAll(keepingCapacity: true)
        while true {
            let (taken, complete) = try source.withBufferedBytes { buffer -> (Int, Bool) in
                if let newline = buffer.firstIndex(of: 0x0A) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<newline]))
                    return (newline + 1, true)
                }
                bytes.append(contentsOf: buffer)
                return (buffer.count, false)
            }
            if taken == 0 { return bytes.isEmpty ? nil : bytes }
            source.consume(taken)
            if complete { return bytes }
        }
    }
}
