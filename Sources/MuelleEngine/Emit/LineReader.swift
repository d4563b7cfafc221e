import MuelleReaders

/// Lines of a UTF-8 file, streamed a buffer at a time.
final class LineReader {
    private let source: ByteSource
    private var bytes: [UInt8] = []

    init(path: String) throws {
        source = try ByteSource(path: path, fileName: path)
    }

    func next() throws -> String? {
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
            if taken == 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            source.consume(taken)
            if complete { return String(decoding: bytes, as: UTF8.self) }
        }
    }
}
