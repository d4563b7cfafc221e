internal import CLibXML2
import MuelleCore
import MuelleSystem

/// Streams the records of an XML document (a SOAP order list, a feed) with libxml2's SAX2 push parser.
///
/// Only one record subtree is held at a time, so memory stays flat whatever the file size. Each element
/// whose local-name path ends with `recordPath` becomes one record, converted xmltodict-style: local names
/// as keys in document order, `@name` for attributes, `#text` for text mixed with children, repeated
/// children as arrays, `xsi:nil="true"` as `null`, and every leaf as a string (the mapping converts numbers).
///
/// The file is fed to the parser a chunk at a time; its callbacks assemble records (`XMLRecordAssembly`)
/// into a queue that `next()` drains before feeding the next chunk. No tree is built: libxml2's
/// `xmlTextReader` allocates and frees a node for every element and text, which cost more than the parse.
/// An error takes its place in the queue, so every record wholly before it is delivered and the one it
/// cuts short never is.
///
/// Documents with a `<!DOCTYPE>` are refused (`forbidden_xml`): that is where XXE and entity-expansion
/// attacks live, and no marketplace export needs one.
public final class XMLRecordReader: RecordReader {
    private let fileName: String
    private let input: XMLInput
    private let events: XMLEvents
    /// Created with the first chunk, whose first bytes tell libxml2 the encoding.
    private var parser: xmlParserCtxtPtr?
    private var chunk = [UInt8](repeating: 0, count: XMLEvents.chunkSize)
    /// The whole file has been handed to the parser.
    private var finished = false
    /// Once the document has failed, every later call reports the same failure instead of resuming.
    private var failure: MuelleError?

    /// Without `XML_PARSE_HUGE` libxml2 itself refuses a text node over 10 MB; these are the route's own, lower.
    public init(path: String, fileName: String, recordPath: [String], limits: ReaderLimits = .standard) throws {
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
        self.fileName = fileName
        self.input = XMLInput(fd: fd)
        self.events = XMLEvents(fileName: fileName, recordPath: recordPath, limits: limits)
    }

    deinit {
        if let parser { xmlFreeParserCtxt(parser) }
    }

    public var bytesRead: Int { parser.map { max(0, Int(xmlByteConsumed($0))) } ?? 0 }

    public func next() throws -> SourceRecord? {
        if let failure { throw failure }
        do {
            while true {
                switch events.take() {
                case .record(let record):
                    return record
                case .failure(let error):
                    throw error
                case .libxml2(let captured, let record, let documentOpen):
                    throw reported(captured, record: record, documentOpen: documentOpen)
                case nil:
                    if finished {
                        if events.assembly.isInRecord {
                            throw MuelleError(.incomplete, "the file ends inside a record, so the rest of it has not arrived", at: events.parserPosition(record: events.recordCount))
                        }
                        if !events.assembly.sawRecordHolder { throw missingRecordHolder() }
                        return nil
                    }
                    try feed()
                }
            }
        } catch let error as MuelleError {
            failure = error
            throw error
        }
    }

    // MARK: Reading

    /// Reads the next chunk and hands it to the parser, whose callbacks queue what it completes.
    ///
    /// The first chunk is 512 bytes, as with libxml2's reader: an error in it is reported before any
    /// record (with a line but no record number).
    private func feed() throws {
        let capacity = parser == nil ? 512 : chunk.count
        let count = chunk.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { Int(input.read(into: UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self), capacity: capacity)) } ?? 0
        }
        if let refusal = input.refusal(fileName: fileName) { throw refusal }
        if let reason = input.readFailure {
            throw MuelleError(.io, "reading the file failed: \(reason)", at: InputPosition(file: fileName, record: events.recordInProgress))
        }
        if input.isEmpty { throw MuelleError(.incomplete, "the file is empty", at: InputPosition(file: fileName)) }
        guard count >= 0 else { throw MuelleError(.io, "reading the file failed", at: InputPosition(file: fileName, record: events.recordInProgress)) }
        let terminate: Int32 = input.reachedEnd ? 1 : 0
        let context = Unmanaged.passUnretained(events).toOpaque()
        chunk.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let bytes = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            if let parser {
                xmlParseChunk(parser, bytes, Int32(count), terminate)
                return
            }
            // The first four bytes go in with the context: libxml2 picks the encoding from them.
            let head = min(count, 4)
            var handler = LibXML2.handler()
            guard let created = xmlCreatePushParserCtxt(&handler, context, bytes, Int32(head), nil) else {
                events.fail(MuelleError(.io, "libxml2 could not start reading the file", at: InputPosition(file: fileName)))
                return
            }
            // No NOENT (entities stay unexpanded) and no DTDLOAD/DTDATTR/DTDVALID: nothing outside the file is read.
            xmlCtxtUseOptions(created, Int32(bitPattern: XML_PARSE_NONET.rawValue))
            parser = created
            events.parser = created
            events.inFirstChunk = true
            defer { events.inFirstChunk = false }
            xmlParseChunk(created, bytes + head, Int32(count - head), terminate)
        }
        if input.reachedEnd { finished = true }
        if let parser, parser.pointee.wellFormed == 0, !events.hasFailed {
            events.fail(MuelleError(.malformedXML, "libxml2 stopped reading the document", at: events.parserPosition(record: events.recordInProgress)))
        }
    }

    /// A whole document without the element that holds the records: another kind of file, never "no records".
    private func missingRecordHolder() -> MuelleError {
        let path = events.assembly.recordPath
        let holder = path[path.count - 2]
        return MuelleError(.malformedXML, "the records path \"\(path.joined(separator: "/"))\" is missing: the document has no <\(holder)> "
            + (path.count > 2 ? "inside <\(path[path.count - 3])> " : "") + "to hold the records (the mapping's reader.records); is this the kind of file the route reads?",
            at: InputPosition(file: fileName, field: path.joined(separator: "/")))
    }

    /// A libxml2 error as muelle reports it, once the reader has reached it.
    private func reported(_ captured: CapturedError, record: Int?, documentOpen: Bool) -> MuelleError {
        let position = InputPosition(file: fileName, record: record, line: captured.line, column: captured.column)
        if input.stopsEarly(at: captured, documentOpen: documentOpen) {
            return MuelleError(.incomplete, "the file ends before the XML document is complete (\(captured.message)), "
                + "so the rest of it has not arrived", at: position)
        }
        return MuelleError(.malformedXML, captured.message, at: position)
    }
}

/// What the parser's callbacks queue for `next()`.
private enum XMLItem {
    case record(SourceRecord)
    case failure(MuelleError)
    /// An error libxml2 reported, with the record it fell in and whether an element was open.
    case libxml2(CapturedError, record: Int?, documentOpen: Bool)
}

/// An error as libxml2 reported it.
private struct CapturedError {
    var message: String
    var line: Int?
    var column: Int?
    var isFatal: Bool
    var code: Int32
}

/// The parser's side: SAX2 callbacks reach it through libxml2's user-data pointer.
private final class XMLEvents {
    static let chunkSize = 64 << 10
    /// libxml2 refuses a text node over this without `XML_PARSE_HUGE` (XML_MAX_TEXT_LENGTH); its SAX
    /// callbacks get text in pieces, so muelle applies the same bound itself.
    static let libxml2TextLimit = 10_000_000

    let fileName: String
    let limits: ReaderLimits
    var assembly: XMLRecordAssembly
    var parser: xmlParserCtxtPtr?
    var inFirstChunk = false
    private(set) var recordCount = 0
    private var recordLine = 0
    private var recordStart = 0
    private var queue: [XMLItem] = []
    private var head = 0
    /// An error is queued (or the parser was stopped): nothing after it is ever delivered.
    private(set) var hasFailed = false
    /// Element and attribute names by their interned libxml2 pointer: each distinct one becomes a String once.
    private var names: [UnsafeRawPointer: String] = [:]
    private var attributeNames: [UnsafeRawPointer: String] = [:]

    init(fileName: String, recordPath: [String], limits: ReaderLimits) {
        self.fileName = fileName
        self.limits = limits
        self.assembly = XMLRecordAssembly(recordPath: recordPath)
    }

    var recordInProgress: Int? { assembly.isInRecord ? recordCount : nil }

    func take() -> XMLItem? {
        guard head < queue.count else { return nil }
        let item = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    /// Queues a failure of muelle's own and stops the parser: nothing after it is read.
    func fail(_ error: MuelleError) {
        guard !hasFailed else { return }
        hasFailed = true
        queue.append(.failure(error))
        if let parser { xmlStopParser(parser) }
    }

    // MARK: Callbacks

    func startElement(_ localName: UnsafePointer<xmlChar>, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int) {
        guard !hasFailed else { return }
        let key = UnsafeRawPointer(localName)
        let opensRecord = assembly.start(name: name(localName), key: key) {
            attributeValues(attributes, count: count)
        }
        if opensRecord {
            recordCount += 1
            recordLine = line
            recordStart = offset
        } else if assembly.isInRecord {
            checkRecordSize()
        }
    }

    func endElement() {
        guard !hasFailed else { return }
        if assembly.isInRecord { checkRecordSize() }
        guard !hasFailed, let value = assembly.end() else { return }
        queue.append(.record(SourceRecord(value: value, position: InputPosition(file: fileName, record: recordCount, line: recordLine))))
    }

    func text(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard !hasFailed, assembly.isInRecord else { return }
        assembly.append(UnsafeRawBufferPointer(start: bytes, count: count))
        let size = assembly.currentTextBytes
        if size > limits.maxFieldBytes || size > Self.libxml2TextLimit {
            let position = InputPosition(file: fileName, record: recordCount, line: line, field: assembly.currentElement)
            if size > limits.maxFieldBytes { fail(limits.fieldTooLarge(at: position)) } else {
                // libxml2's own limit, lower than any max_field_bytes over 10 MB: XML_PARSE_HUGE is never set.
                fail(MuelleError(.tooLarge, "this text is larger than the 10 MB libxml2 allows one text (XML_PARSE_HUGE is never set, whatever max_field_bytes says); the file was refused without reading it whole", at: position))
            }
        }
    }

    /// A DOCTYPE the prolog guard could not see (an encoding it does not decode), or an entity reference.
    func refuseDTD() {
        fail(MuelleError(.forbiddenXML, LibXML2.dtdMessage, at: parserPosition(record: nil)))
    }

    func capture(_ error: xmlError) {
        // Warnings (e.g. a relative namespace URI) do not make the document unreadable.
        guard !hasFailed, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        hasFailed = true
        let message = Value.trimmed(error.message.map { String(cString: $0) } ?? "libxml2 reported an error")
        let captured = CapturedError(message: Self.bounded(message),
                                     line: error.line > 0 ? Int(error.line) : nil,
                                     column: error.int2 > 0 ? Int(error.int2) : nil,
                                     isFatal: error.level.rawValue >= XML_ERR_FATAL.rawValue,
                                     code: error.code)
        if inFirstChunk {
            queue.removeAll()
            head = 0
            queue.append(.libxml2(captured, record: nil, documentOpen: assembly.isDocumentOpen))
        } else {
            queue.append(.libxml2(captured, record: recordInProgress, documentOpen: assembly.isDocumentOpen))
        }
    }

    // MARK: Helpers

    private func checkRecordSize() {
        guard offset - recordStart > limits.maxRecordBytes else { return }
        fail(limits.recordTooLarge(at: InputPosition(file: fileName, record: recordCount, line: line, field: assembly.currentElement)))
    }

    /// The local name of an element. libxml2 hands it over without its prefix, even an undeclared one.
    private func name(_ pointer: UnsafePointer<xmlChar>) -> String {
        let key = UnsafeRawPointer(pointer)
        if let known = names[key] { return known }
        let name = String(cString: pointer)
        if names.count < 4096 { names[key] = name }
        return name
    }

    /// SAX2 hands attributes over as (local name, prefix, URI, value start, value end) pointers.
    private func attributeValues(_ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int) -> (attributes: [(String, Value)], isNil: Bool) {
        guard let attributes, count > 0 else { return ([], false) }
        var pairs: [(String, Value)] = []
        var isNil = false
        for index in 0..<count {
            let fields = attributes + index * 5
            guard let localName = fields[0], let start = fields[3], let end = fields[4] else { continue }
            let value = Self.attributeValue(UnsafeBufferPointer(start: start, count: end - start))
            let key = UnsafeRawPointer(localName)
            let name: String
            if let known = attributeNames[key] { name = known } else {
                name = String(cString: localName)
                if attributeNames.count < 4096 { attributeNames[key] = name }
            }
            if name == "nil", let uri = fields[2], String(cString: uri) == LibXML2.schemaInstance {
                let flag = Value.trimmed(value)
                isNil = flag == "true" || flag == "1"
                continue
            }
            pairs.append(("@" + name, .string(value)))
        }
        return (pairs, isNil)
    }

    /// Without entity substitution libxml2 leaves `&` in an attribute value as `&#38;` (for its own
    /// tree builder to decode); every other reference it has already replaced.
    private static func attributeValue(_ bytes: UnsafeBufferPointer<xmlChar>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        let escaped = Array("&#38;".utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "&"), index + escaped.count <= bytes.count,
               bytes[index..<index + escaped.count].elementsEqual(escaped) {
                decoded.append(UInt8(ascii: "&"))
                index += escaped.count
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The parser's line: at a start tag's callback, the line the tag ends on.
    private var line: Int { parser.map { Int($0.pointee.input.pointee.line) } ?? 0 }

    /// Bytes of the document parsed so far (as UTF-8), to bound a record.
    private var offset: Int {
        guard let input = parser?.pointee.input?.pointee, let cur = input.cur, let base = input.base else { return 0 }
        return Int(input.consumed) + (cur - base)
    }

    func parserPosition(record: Int?) -> InputPosition {
        guard let input = parser?.pointee.input?.pointee else { return InputPosition(file: fileName, record: record) }
        return InputPosition(file: fileName, record: record, line: Int(input.line), column: Int(input.col))
    }

    /// libxml2 quotes names and URIs from the document in its messages, whole.
    private static func bounded(_ message: String) -> String {
        let cut = QuotedInput.bounded(message, limit: 240)
        return cut == message ? message : cut + " (libxml2's message of \(message.utf8.count) bytes, cut)"
    }
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

    /// The SAX2 callbacks: elements, text and errors only. Nothing builds a tree; a DOCTYPE or an entity
    /// reference stops the parser.
    static func handler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = { context, localName, _, _, _, _, attributeCount, _, attributes in
            guard let context, let localName else { return }
            events(context).startElement(localName, attributes: attributes, count: Int(attributeCount))
        }
        handler.endElementNs = { context, _, _, _ in
            guard let context else { return }
            events(context).endElement()
        }
        handler.characters = { context, bytes, count in
            guard let context, let bytes, count > 0 else { return }
            events(context).text(bytes, count: Int(count))
        }
        handler.ignorableWhitespace = handler.characters
        handler.cdataBlock = handler.characters
        handler.internalSubset = { context, _, _, _ in
            guard let context else { return }
            events(context).refuseDTD()
        }
        handler.reference = { context, _ in
            guard let context else { return }
            events(context).refuseDTD()
        }
        // Errors become a MuelleError with a position instead of lines on stderr.
        handler.serror = { context, error in
            guard let context, let error else { return }
            events(context).capture(error.pointee)
        }
        return handler
    }

}

/// The reader's side of a callback's user-data pointer (a global function: C callbacks capture nothing).
private func events(_ context: UnsafeMutableRawPointer) -> XMLEvents {
    Unmanaged<XMLEvents>.fromOpaque(context).takeUnretainedValue()
}

/// The file as it is handed to the parser: read in chunks, watched by the prolog guard, its lines counted.
private final class XMLInput {
    private let fd: FileDescriptor
    private var guardian = PrologGuard()
    private(set) var readFailure: String?
    private var bytesSeen = 0
    /// The whole file has been handed to libxml2.
    private(set) var reachedEnd = false
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
