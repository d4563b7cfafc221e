import MuelleCore

/// Turns the start tags, texts and end tags of an XML document, as they stream past, into records:
/// each element whose local-name path ends with `recordPath` becomes one `Value`, converted
/// xmltodict-style (see `XMLRecordReader`).
///
/// Text is gathered as bytes in one buffer shared by every open element (an element's text sits after
/// its parent's), so a leaf becomes one `String` when it closes and no per-element buffer is allocated.
/// Elements are told apart by a key (libxml2's interned name pointer), so repeated children are found
/// without comparing strings.
struct XMLRecordAssembly {
    let recordPath: [String]
    /// Local names of the open elements above the current node, outside records.
    private var openElements: [String] = []
    /// The open elements of the record being read, the record itself first; empty outside records.
    private var frames: [Frame] = []
    /// The text of the open elements since each one's last child start tag, innermost last.
    private var text: [UInt8] = []

    /// Whether the element that holds the records (the path's next-to-last, `OrderList` in `OrderList/Order`)
    /// has been opened: a document without it is not the kind of file the route reads, where one with it and
    /// no records is an empty export. A one-element path names no holder.
    private(set) var sawRecordHolder: Bool

    init(recordPath: [String]) {
        self.recordPath = recordPath
        self.sawRecordHolder = recordPath.count < 2
        text.reserveCapacity(4096)
    }

    var isInRecord: Bool { !frames.isEmpty }
    /// An element is open (inside a record or above one).
    var isDocumentOpen: Bool { !frames.isEmpty || !openElements.isEmpty }
    /// The innermost element open inside the record, to name a field in errors.
    var currentElement: String? { frames.last?.name }
    /// Bytes of text gathered for the innermost element since its last child start tag.
    var currentTextBytes: Int { frames.last.map { text.count - $0.textStart } ?? 0 }

    /// A start tag. Returns whether it opens a record. Outside records only the name is kept, so
    /// `attributes` is read (and its strings made) only inside one.
    mutating func start(name: String, key: UnsafeRawPointer, attributes: () -> (attributes: [(String, Value)], isNil: Bool)) -> Bool {
        if frames.isEmpty {
            guard matchesRecordPath(name) else {
                openElements.append(name)
                if !sawRecordHolder { sawRecordHolder = endsWithRecordHolder() }
                return false
            }
        } else {
            closeTextSegment()
        }
        let (pairs, isNil) = attributes()
        frames.append(Frame(name: name, key: key, isNil: isNil, attributes: pairs, textStart: text.count))
        return frames.count == 1
    }

    /// Text (or CDATA) inside the current element; outside records it is ignored.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !frames.isEmpty else { return }
        text.append(contentsOf: bytes)
    }

    /// An end tag. Returns the record's value when it closes a record.
    mutating func end() -> Value? {
        guard var frame = frames.popLast() else {
            if !openElements.isEmpty { openElements.removeLast() }
            return nil
        }
        let value = frame.value(text: &text)
        guard !frames.isEmpty else { return value }
        frames[frames.count - 1].add(child: frame.name, key: frame.key, value)
        return nil
    }

    /// Called at a child start tag: whitespace-only text before it is indentation, not data.
    private mutating func closeTextSegment() {
        let start = frames[frames.count - 1].textStart
        guard text.count > start else { return }
        if !Self.isBlank(text[start...]) {
            frames[frames.count - 1].kept += String(decoding: text[start...], as: UTF8.self)
        }
        text.removeSubrange(start...)
    }

    /// Whether the element `name`, opened under `openElements`, ends with `recordPath`.
    private func matchesRecordPath(_ name: String) -> Bool {
        name == recordPath[recordPath.count - 1] && endsWithRecordHolder()
    }

    /// Whether `openElements` ends with the record path's elements but the last.
    private func endsWithRecordHolder() -> Bool {
        let ancestors = recordPath.count - 1
        guard openElements.count >= ancestors else { return false }
        return openElements.suffix(ancestors).elementsEqual(recordPath.prefix(ancestors))
    }

    /// `Value.isBlank` on bytes: ASCII is decided byte by byte, other text by its characters.
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        for byte in bytes {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x80...: return Value.isBlank(String(decoding: bytes, as: UTF8.self))
            default: return false
            }
        }
        return true
    }
}

/// An element being assembled while its subtree streams past.
private struct Frame {
    let name: String
    let key: UnsafeRawPointer
    let isNil: Bool
    let attributes: [(String, Value)]
    /// Where this element's current text segment starts in the shared buffer.
    var textStart: Int
    /// Text kept so far (segments before child start tags that were not only whitespace).
    var kept = ""
    private var childKeys: [UnsafeRawPointer] = []
    private var childNames: [String] = []
    /// The first value of each distinct child, and the values of the children that repeat (few: the
    /// order lines of an order), which become arrays at the end.
    private var childValues: [Value] = []
    private var repeated: [(index: Int, values: [Value])] = []

    init(name: String, key: UnsafeRawPointer, isNil: Bool, attributes: [(String, Value)], textStart: Int) {
        self.name = name
        self.key = key
        self.isNil = isNil
        self.attributes = attributes
        self.textStart = textStart
    }

    mutating func add(child name: String, key: UnsafeRawPointer, _ value: Value) {
        // Elements have few distinct children: a scan beats hashing each name.
        guard let index = childKeys.lastIndex(of: key) else {
            childKeys.append(key)
            childNames.append(name)
            childValues.append(value)
            return
        }
        if let slot = repeated.firstIndex(where: { $0.index == index }) {
            repeated[slot].values.append(value)
        } else {
            repeated.append((index, [childValues[index], value]))
        }
    }

    /// The element's value; its text segment is taken out of the shared buffer.
    mutating func value(text: inout [UInt8]) -> Value {
        let segment = text.count > textStart ? String(decoding: text[textStart...], as: UTF8.self) : ""
        text.removeSubrange(textStart...)
        if isNil { return .null }
        if attributes.isEmpty, childNames.isEmpty { return .string(segment) }
        var names = attributes.map(\.0)
        var values = attributes.map(\.1)
        names.reserveCapacity(attributes.count + childNames.count + 1)
        values.reserveCapacity(attributes.count + childNames.count + 1)
        names += childNames
        values += childValues
        for (index, items) in repeated { values[attributes.count + index] = .array(items) }
        let all = Value.isBlank(segment) ? kept : kept + segment
        if !Value.isBlank(all) {
            names.append("#text")
            values.append(.string(all))
        }
        return .object(ValueObject(keys: KeyTable(names), values: values))
    }
}
