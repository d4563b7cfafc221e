import Logging

/// The stderr log handler behind every `Logger` of the command line, with text from outside (file names,
/// field values, partners' error messages) made harmless first: no value can start a line of its own that
/// reads like a log record, and no control sequence reaches the terminal.
///
/// Metadata values are one line each: every control character is escaped (`\n`, `\r`, `\t`, `\u{1B}`).
/// A message keeps its line breaks, so muelle's own multi-line text (mapping diagnostics with their
/// carets) stays readable, but each continuation line starts with a tab, as PostgreSQL's stderr log does;
/// only a real record starts at the line's beginning. Its other control characters are escaped.
struct EscapingLogHandler: LogHandler {
    private var inner: StreamLogHandler

    init(_ inner: StreamLogHandler) { self.inner = inner }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(LogText.message(event.message.description))"
        var metadata = event.metadata.map(LogText.metadata)
        // The stream handler would print an attached error as metadata itself, unescaped: escape it here.
        if let error = event.error {
            metadata = (metadata ?? [:]).merging([
                "error.message": .string(LogText.line("\(error)")),
                "error.type": .string(String(reflecting: type(of: error))),
            ]) { _, attached in attached }
            event.error = nil
        }
        event.metadata = metadata
        inner.log(event: event)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(LogText.value) }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = LogText.metadata(newValue) }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
}

/// How untrusted text is escaped on stderr.
enum LogText {
    /// One line: every C0 control character, DEL and the C1 controls escaped, the rest unchanged.
    static func line(_ text: String) -> String {
        escaped(text) { _ in nil }
    }

    /// A log message: line breaks kept, each followed by a tab (a continuation line); other controls escaped.
    static func message(_ text: String) -> String {
        escaped(text) { $0 == "\n" ? "\n\t" : nil }
    }

    /// Text printed on stderr that is not a log record (summaries, errors of one-off commands): line breaks
    /// kept as they are, every other control character escaped, so nothing drives the terminal.
    static func terminal(_ text: String) -> String {
        escaped(text) { $0 == "\n" ? "\n" : nil }
    }

    static func metadata(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.mapValues(value)
    }

    static func value(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(line(text))
        case .stringConvertible(let convertible): .string(line(convertible.description))
        case .array(let values): .array(values.map(Self.value))
        case .dictionary(let values): .dictionary(values.mapValues(Self.value))
        }
    }

    /// `kept` says what a control character becomes instead of its escape (nil: escape it).
    private static func escaped(_ text: String, keeping kept: (Unicode.Scalar) -> String?) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else { out.unicodeScalars.append(scalar); continue }
            if let replacement = kept(scalar) { out += replacement; continue }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    /// C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F): the characters a terminal acts on.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
