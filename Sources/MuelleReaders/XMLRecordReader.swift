internal import CLibXML2
import MuelleCore
import MuelleSystem

/// Streams the records of an XML document (a SOAP order list, a feed) with libxml2's `xmlTextReader`.
///
/// Only one record subtree is held at a time, so memory stays flat whatever the file size. Each element
/// whose local-name path ends with `recordPath` becomes one record, converted xmltodict-style: local names
/// as keys in document order, `@name` for attributes, `#text` for text mixed with children, repeated
/// children as arrays, `xsi:nil="true"` as `null`, and every leaf as a string (the mapping converts numbers).
///
/// Documents with a `<!DOCTYPE>` are refused (`forbidden_xml`): that is where XXE and entity-expansion
/// attacks live, and no marketplace export needs one.
public final class XMLRecordReader: RecordReader {
    private let fileName: String
    private let recordPath: [String]
    private let input: XMLInput
    private let reader: OpaquePointer
    /// Local names of the open elements above the current node, outside records.
    private var openElements: [String] = []
    private var recordCount = 0
    /// Set while a record's subtree is being read, so errors inside it name the record.
    private var recordInProgress: Int?
    private var finished = false
    /// Element and attribute names by their interned libxml2 pointer (see `localName`).
    private var names: [UnsafeRawPointer: String] = [:]
    /// Once the document has failed, every later call reports the same failure instead of resuming.
    private var failure: MuelleError?

    /// Without `XML_PARSE_HUGE` libxml2 itself refuses a text node over 10 MB; these are the route's own, lower.
    private let limits: ReaderLimits

    public init(path: String, fileName: String, recordPath: [String], limits: ReaderLimits = .standard) throws {
        self.limits = limits
        guard !recordPath.isEmpty else {
            throw MuelleError(.configuration, "the XML record path is empty; name the record element, e.g. [\"OrderList\", \"Order\"]", at: InputPosition(file: fileName))
        }
        _ = LibXML2.prepared
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: .noFollow)
        } catch {
            throw MuelleError(.io, "cannot open the file: \(error.reason)", at: InputPosition(file: fileName))
        }
        let input = XMLInput(fd: fd)
        // No NOENT (entities stay unexpanded) and no DTDLOAD/DTDATTR/DTDVALID: nothing outside the file is read.
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue)
        let context = Unmanaged.passUnretained(input).toOpaque()
        // The callback hands libxml2 the bytes only after the prolog guard has seen them.
        let created = xmlReaderForIO({ context, buffer, length in
            guard let context, let buffer, length > 0 else { return -1 }
            return Unmanaged<XMLInput>.fromOpaque(context).takeUnretainedValue().read(into: buffer, capacity: Int(length))
        }, nil, context, nil, nil, options)
        self.fileName = fileName
        self.recordPath = recordPath
        self.input = input
        guard let created else {
            throw input.refusal(fileName: fileName) ?? MuelleError(.io, "libxml2 could not start reading the file", at: InputPosition(file: fileName))
        }
        self.reader = created
        // Errors become a MuelleError with a position instead of lines on stderr.
        xmlTextReaderSetStructuredErrorHandler(created, { context, error in
            guard let context, let error else { return }
            Unmanaged<XMLInput>.fromOpaque(context).takeUnretainedValue().capture(error.pointee)
        }, context)
    }

    deinit {
        // The reader must go before `input`, whose file descriptor and callbacks it still references.
        xmlFreeTextReader(reader)
    }

    public var bytesRead: Int { max(0, Int(xmlTextReaderByteConsumed(reader))) }

    public func next() throws -> SourceRecord? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            while try advance() {
                switch nodeType {
                case XML_READER_TYPE_ELEMENT:
                    let name = localName()
                    let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                    if matchesRecordPath(name) { return try readRecord(isEmpty: isEmpty) }
                    if !isEmpty { openElements.append(name) }
                case XML_READER_TYPE_END_ELEMENT:
                    if !openElements.isEmpty { openElements.removeLast() }
                case XML_READER_TYPE_DOCUMENT_TYPE, XML_READER_TYPE_ENTITY_REFERENCE:
                    throw dtdRefused()
                default:
                    continue
                }
            }
            finished = true
            return nil
        } catch let error as MuelleError {
            failure = error
            throw error
        }
    }

    // MARK: Reading

    /// One `xmlTextReaderRead`; `false` at the end of the document.
    ///
    /// The parser runs up to a chunk ahead of the reader, so an error is reported only once the reader
    /// reaches it: a fatal one when the reader stops at it (records wholly before it are delivered,
    /// unless it lies in libxml2's first 512-byte chunk; a record it cuts short never is), a recoverable
    /// one (an undeclared namespace prefix) when the reader reaches its line.
    /// `element`: the element being read inside a record, to name a text libxml2 refuses as too large.
    private func advance(inside element: String? = nil) throws -> Bool {
        let status = xmlTextReaderRead(reader)
        if let refusal = input.refusal(fileName: fileName) { throw refusal }
        if status != 1, let reason = input.readFailure {
            throw MuelleError(.io, "reading the file failed: \(reason)", at: InputPosition(file: fileName, record: recordInProgress))
        }
        if input.isEmpty { throw MuelleError(.incomplete, "the file is empty", at: InputPosition(file: fileName)) }
        if let captured = input.captured, status != 1 || (!captured.isFatal && (captured.line ?? 0) <= currentLine()) {
            let position = InputPosition(file: fileName, record: recordInProgress, line: captured.line, column: captured.column)
            if input.stopsEarly(at: captured, documentOpen: recordInProgress != nil || !openElements.isEmpty) {
                throw MuelleError(.incomplete, "the file ends before the XML document is complete (\(captured.message)), "
                    + "so the rest of it has not arrived", at: position)
            }
            if captured.message.contains("huge text node") {
                // libxml2's own limit, lower than any max_field_bytes over 10 MB: XML_PARSE_HUGE is never set.
                throw MuelleError(.tooLarge, "this text is larger than the 10 MB libxml2 allows one text (XML_PARSE_HUGE is never set, whatever max_field_bytes says); the file was refused without reading it whole",
                                  at: InputPosition(file: fileName, record: recordInProgress, line: captured.line, column: captured.column, field: element))
            }
            throw MuelleError(.malformedXML, captured.message, at: position)
        }
        if status == 1 { return true }
        if status == 0 { return false }
        throw MuelleError(.malformedXML, "libxml2 stopped reading the document", at: parserPosition())
    }

    private func readRecord(isEmpty: Bool) throws -> SourceRecord {
        recordCount += 1
        let position = InputPosition(file: fileName, record: recordCount, line: currentLine())
        let root = startElement()
        if isEmpty { return SourceRecord(value: root.value, position: position) }
        recordInProgress = recordCount
        defer { recordInProgress = nil }
        var stack = [root]
        let start = xmlTextReaderByteConsumed(reader)
        while try advance(inside: stack.last?.name) {
            if Int(xmlTextReaderByteConsumed(reader) - start) > limits.maxRecordBytes {
                throw limits.recordTooLarge(at: InputPosition(file: fileName, record: recordCount, line: currentLine(), field: stack.last?.name))
            }
            switch nodeType {
            case XML_READER_TYPE_ELEMENT:
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                stack[stack.count - 1].closeTextSegment()
                let child = startElement()
                if isEmpty {
                    stack[stack.count - 1].add(child: child.name, child.value)
                } else {
                    stack.append(child)
                }
            case XML_READER_TYPE_END_ELEMENT:
                let done = stack.removeLast()
                guard !stack.isEmpty else { return SourceRecord(value: done.value, position: position) }
                stack[stack.count - 1].add(child: done.name, done.value)
            case XML_READER_TYPE_WHITESPACE where stack[stack.count - 1].isIndentation,
                 XML_READER_TYPE_SIGNIFICANT_WHITESPACE where stack[stack.count - 1].isIndentation:
                continue // layout between child elements: dropped by the builder anyway, so never made a String
            case XML_READER_TYPE_TEXT, XML_READER_TYPE_CDATA, XML_READER_TYPE_WHITESPACE, XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                stack[stack.count - 1].segment += text(xmlTextReaderConstValue(reader))
                if stack[stack.count - 1].segment.utf8.count > limits.maxFieldBytes {
                    throw limits.fieldTooLarge(at: InputPosition(file: fileName, record: recordCount, line: currentLine(), field: stack.last?.name))
                }
            case XML_READER_TYPE_DOCUMENT_TYPE, XML_READER_TYPE_ENTITY_REFERENCE:
                throw dtdRefused()
            default:
                continue // comments and processing instructions carry no data
            }
        }
        throw MuelleError(.incomplete, "the file ends inside a record, so the rest of it has not arrived", at: parserPosition())
    }

    /// Reads the current start tag's name and attributes; the reader is left on the element.
    private func startElement() -> ElementBuilder {
        var element = ElementBuilder(name: localName())
        guard xmlTextReaderHasAttributes(reader) == 1 else { return element }
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if xmlTextReaderIsNamespaceDecl(reader) == 1 { continue }
            let name = localName()
            let value = text(xmlTextReaderConstValue(reader))
            if name == "nil", text(xmlTextReaderConstNamespaceUri(reader)) == LibXML2.schemaInstance {
                let flag = trimmed(value)
                element.isNil = flag == "true" || flag == "1"
                continue
            }
            element.attributes.append(("@" + name, .string(value)))
        }
        xmlTextReaderMoveToElement(reader)
        return element
    }

    /// Whether the element `name`, opened under `openElements`, ends with `recordPath`.
    private func matchesRecordPath(_ name: String) -> Bool {
        guard name == recordPath[recordPath.count - 1] else { return false }
        let ancestors = recordPath.count - 1
        guard openElements.count >= ancestors else { return false }
        return openElements.suffix(ancestors).elementsEqual(recordPath.prefix(ancestors))
    }

    // MARK: Positions and errors

    /// The line of the current node's start tag (where the tag ends, as libxml2 counts), not the
    /// parser's line, which can be up to a chunk past the node.
    private func currentLine() -> Int {
        // libxml2 keeps element lines in 16 bits, saturating at 65535; past that, the parser's line is
        // the best available (it may be a little ahead).
        if let node = xmlTextReaderCurrentNode(reader), node.pointee.line > 0, node.pointee.line < UInt16.max {
            return Int(node.pointee.line)
        }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }

    private func parserPosition() -> InputPosition {
        InputPosition(file: fileName, record: recordInProgress,
                      line: Int(xmlTextReaderGetParserLineNumber(reader)),
                      column: Int(xmlTextReaderGetParserColumnNumber(reader)))
    }

    /// A DOCTYPE the prolog guard could not see (an encoding it does not decode), caught in the tree.
    private func dtdRefused() -> MuelleError {
        MuelleError(.forbiddenXML, LibXML2.dtdMessage, at: parserPosition())
    }

    private var nodeType: xmlReaderTypes {
        xmlReaderTypes(rawValue: UInt32(bitPattern: xmlTextReaderNodeType(reader)))
    }

    private func text(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// The local name of the current node. libxml2 leaves the prefix on when it is undeclared (and
    /// reports that error), so strip it here to keep keys consistent until the error surfaces.
    /// Names come from the reader's interned dictionary, so each distinct one becomes a String once.
    private func localName() -> String {
        guard let pointer = xmlTextReaderConstLocalName(reader) else { return "" }
        if let known = names[UnsafeRawPointer(pointer)] { return known }
        var name = text(pointer)
        if let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")) {
            name = String(name[name.utf8.index(after: colon)...])
        }
        if names.count < 4096 { names[UnsafeRawPointer(pointer)] = name }
        return name
    }
}

/// `text` without surrounding whitespace (libxml2 messages end in a newline).
/// Runs for every `xsi:nil` attribute, so the common case (nothing to trim) never walks Characters.
private func trimmed(_ text: String) -> String {
    Value.trimmed(text)
}

private enum LibXML2 {
    static let schemaInstance = "http://www.w3.org/2001/XMLSchema-instance"
    static let dtdMessage = "the document declares a DTD (<!DOCTYPE>); DTDs and entities are refused for safety"

    /// Process-wide set-up, run once: Swift initialises a static `let` exactly once, thread-safely.
    /// The loader refuses every external entity or DTD, so no code path (ours or a future option) can
    /// make libxml2 open a file or URL named by a document.
    static let prepared: Bool = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
        return true
    }()
}

/// An element being assembled while its subtree streams past.
private struct ElementBuilder {
    let name: String
    var isNil = false
    var attributes: [(String, Value)] = []
    private var childNames: [String] = []
    private var childValues: [[Value]] = []

    /// Text kept so far, and the text since the last child start tag (whitespace there may be layout).
    private var kept = ""
    var segment = ""

    init(name: String) { self.name = name }

    /// Whitespace here would only be indentation between children.
    var isIndentation: Bool { !childNames.isEmpty && kept.isEmpty }

    mutating func add(child name: String, _ value: Value) {
        // Elements have few distinct children: a scan beats hashing each name.
        if let index = childNames.lastIndex(of: name) {
            childValues[index].append(value)
        } else {
            childNames.append(name)
            childValues.append([value])
        }
    }

    /// Called at each child start tag: whitespace-only text before it is indentation, not data.
    mutating func closeTextSegment() {
        if !Value.isBlank(segment) { kept += segment }
        segment = ""
    }

    var value: Value {
        if isNil { return .null }
        if attributes.isEmpty, childNames.isEmpty { return .string(segment) }
        var pairs = attributes
        pairs.reserveCapacity(attributes.count + childNames.count + 1)
        for (name, values) in zip(childNames, childValues) {
            pairs.append((name, values.count == 1 ? values[0] : .array(values)))
        }
        let text = Value.isBlank(segment) ? kept : kept + segment
        if !Value.isBlank(text) { pairs.append(("#text", .string(text))) }
        return .object(pairs)
    }
}

/// The file and everything libxml2's callbacks report; callbacks reach it through a userdata pointer.
private final class XMLInput {
    struct CapturedError {
        var message: String
        var line: Int?
        var column: Int?
        var isFatal: Bool
        var code: Int32
    }

    private let fd: FileDescriptor
    private var guardian = PrologGuard()
    private(set) var captured: CapturedError?
    private(set) var readFailure: String?
    private var bytesSeen = 0
    /// The whole file has been handed to libxml2.
    private var reachedEnd = false
    /// Lines handed over so far, and the line of the last byte that is not whitespace.
    private var line = 1
    private var lastContentLine = 1
    /// An empty file draws a misleading "Extra content at the end of the document" from libxml2.
    var isEmpty: Bool { bytesSeen == 0 && readFailure == nil }

    init(fd: FileDescriptor) { self.fd = fd }
    deinit { fd.closeIgnoringErrors() }

    /// Fills libxml2's buffer, but withholds (and fails) any chunk in which the prolog holds a DOCTYPE,
    /// so the internal subset is never parsed and no entity is ever declared.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int32 {
        if guardian.refusal != nil || readFailure != nil { return -1 }
        var filled = 0
        while filled < capacity {
            let count: Int
            do {
                count = try fd.read(into: buffer + filled, count: capacity - filled)
            } catch {
                readFailure = error.reason
                return -1
            }
            if count > 0 { filled += count; continue }
            reachedEnd = true
            break
        }
        bytesSeen += filled
        countLines(UnsafeRawBufferPointer(start: buffer, count: filled))
        guardian.scan(UnsafeRawBufferPointer(start: buffer, count: filled))
        return guardian.refusal == nil ? Int32(filled) : -1
    }

    /// Whether `error` is where the bytes ran out rather than a mistake inside the document: one of the
    /// errors libxml2 gives for markup left unfinished, at or after the file's last line of content, once
    /// the whole file was read. libxml2's reader calls a document cut off between elements "extra content
    /// at the end of the document", as it does real content after the root element: `documentOpen` (an
    /// element is still open) tells them apart.
    func stopsEarly(at error: CapturedError, documentOpen: Bool) -> Bool {
        guard reachedEnd, error.isFatal, (error.line ?? 0) >= lastContentLine else { return false }
        if error.code == Int32(XML_ERR_DOCUMENT_END.rawValue) { return documentOpen }
        return Self.unfinishedMarkup.contains(error.code)
    }

    private static let unfinishedMarkup: Set<Int32> = Set([
        XML_ERR_DOCUMENT_EMPTY, XML_ERR_ENTITYREF_SEMICOL_MISSING, XML_ERR_STRING_NOT_CLOSED,
        XML_ERR_ATTRIBUTE_NOT_STARTED, XML_ERR_ATTRIBUTE_NOT_FINISHED, XML_ERR_ATTRIBUTE_WITHOUT_VALUE,
        XML_ERR_LITERAL_NOT_FINISHED, XML_ERR_COMMENT_NOT_FINISHED, XML_ERR_PI_NOT_FINISHED,
        XML_ERR_XMLDECL_NOT_FINISHED, XML_ERR_CDATA_NOT_FINISHED, XML_ERR_SPACE_REQUIRED, XML_ERR_NAME_REQUIRED,
        XML_ERR_GT_REQUIRED, XML_ERR_LTSLASH_REQUIRED, XML_ERR_EQUAL_REQUIRED, XML_ERR_TAG_NOT_FINISHED,
    ].map { Int32($0.rawValue) })

    private func countLines(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if byte == 0x0A {
                line += 1
            } else if byte != 0x20, byte != 0x09, byte != 0x0D, byte != 0 {
                lastContentLine = line
            }
        }
    }

    func capture(_ error: xmlError) {
        // Warnings (e.g. a relative namespace URI) do not make the document unreadable.
        guard captured == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let message = trimmed(error.message.map { String(cString: $0) } ?? "libxml2 reported an error")
        captured = CapturedError(message: Self.bounded(message),
                                 line: error.line > 0 ? Int(error.line) : nil,
                                 column: error.int2 > 0 ? Int(error.int2) : nil,
                                 isFatal: error.level.rawValue >= XML_ERR_FATAL.rawValue,
                                 code: error.code)
    }

    /// libxml2 quotes names and URIs from the document in its messages, whole.
    private static func bounded(_ message: String) -> String {
        let cut = QuotedInput.bounded(message, limit: 240)
        return cut == message ? message : cut + " (libxml2's message of \(message.utf8.count) bytes, cut)"
    }

    func refusal(fileName: String) -> MuelleError? {
        switch guardian.refusal {
        case nil: return nil
        case .doctype(let line, let column):
            return MuelleError(.forbiddenXML, LibXML2.dtdMessage, at: InputPosition(file: fileName, line: line, column: column))
        case .encoding:
            return MuelleError(.encoding, "the document is in UCS-4 or EBCDIC, which muelle does not read; export it as UTF-8", at: InputPosition(file: fileName))
        }
    }
}

/// Watches the raw bytes of the prolog (before the root start tag) for `<!DOCTYPE`.
///
/// It decodes just enough of UTF-8/ASCII-compatible text and UTF-16 to follow comments and processing
/// instructions; encodings it cannot follow that way are refused outright. Malformed markup stops the
/// guard, which is safe: libxml2 halts at the same malformation before reaching anything after it.
private struct PrologGuard {
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
