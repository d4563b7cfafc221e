/// Watches the raw bytes of the prolog (before the root start tag) for `<!DOCTYPE`.
///
/// It decodes just enough of UTF-8/ASCII-compatible text and UTF-16 to follow comments and processing
/// instructions; encodings it cannot follow that way are refused outright. Malformed markup stops the
/// guard, which is safe: libxml2 halts at the same malformation before reaching anything after it.
struct PrologGuard {
    enum Refusal { case doctype(line: Int, column: Int), encoding }
    private enum Layout { case undecided, bytes, utf16LE, utf16BE }
    private enum State { case prolog, markup, bang, comment(dashes: Int), instruction(question: Bool), done }

    private(set) var refusal: Refusal?
    private var layout = Layout.undecided
    private var state = State.prolog
    private var pendingByte: UInt8?
    private var line = 1
    private var column = 1
    private var markupLine = 1
    private var markupColumn = 1

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard isScanning else { return }
        if case .undecided = layout { layout = Self.layout(of: bytes) }
        switch layout {
        case .undecided:
            refusal = .encoding
        case .bytes:
            for byte in bytes where isScanning {
                // UTF-8 continuation bytes are not characters of their own.
                if byte & 0xC0 != 0x80 { feed(byte < 0x80 ? byte : 0x80) }
            }
        case .utf16LE, .utf16BE:
            for byte in bytes where isScanning {
                guard let first = pendingByte else { pendingByte = byte; continue }
                pendingByte = nil
                let (low, high) = layout == .utf16LE ? (first, byte) : (byte, first)
                // Surrogate halves count once per pair; only the high half starts a character.
                if high & 0xFC != 0xDC { feed(high == 0 && low < 0x80 ? low : 0x80) }
            }
        }
    }

    /// Past the root start tag, or refused: nothing more to watch.
    private var isScanning: Bool {
        if refusal != nil { return false }
        if case .done = state { return false }
        return true
    }

    /// `.undecided` stands for the encodings the guard cannot follow (UCS-4, EBCDIC).
    private static func layout(of bytes: UnsafeRawBufferPointer) -> Layout {
        let head = Array(bytes.prefix(4))
        guard head.count == 4 else { return .bytes }
        switch (head[0], head[1], head[2], head[3]) {
        case (0x00, 0x00, _, _), (_, _, 0x00, 0x00), (0x4C, 0x6F, 0xA7, 0x94): return .undecided
        case (0xFF, 0xFE, _, _), (0x3C, 0x00, _, 0x00): return .utf16LE
        case (0xFE, 0xFF, _, _), (0x00, 0x3C, 0x00, _): return .utf16BE
        default: return .bytes
        }
    }

    /// One character: its ASCII code, or 0x80 for anything else.
    private mutating func feed(_ c: UInt8) {
        switch state {
        case .prolog:
            if c == UInt8(ascii: "<") { state = .markup; markupLine = line; markupColumn = column }
        case .markup:
            state = c == UInt8(ascii: "?") ? .instruction(question: false) : c == UInt8(ascii: "!") ? .bang : .done
        case .bang:
            // After `<!` in a prolog only a comment or a DOCTYPE is well-formed.
            if c == UInt8(ascii: "D") { refusal = .doctype(line: markupLine, column: markupColumn) }
            state = c == UInt8(ascii: "-") ? .comment(dashes: 0) : .done
        case .comment(let dashes):
            if c == UInt8(ascii: ">"), dashes >= 2 { state = .prolog } else { state = .comment(dashes: c == UInt8(ascii: "-") ? dashes + 1 : 0) }
        case .instruction(let question):
            if c == UInt8(ascii: ">"), question { state = .prolog } else { state = .instruction(question: c == UInt8(ascii: "?")) }
        case .done:
            return
        }
        if c == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
    }
}
