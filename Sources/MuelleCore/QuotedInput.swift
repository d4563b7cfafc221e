/// Input quoted in a message: whole when it is short, otherwise its first characters and its size, so a
/// 50 MB field cannot make a 50 MB log line, error file or report (PostgreSQL likewise cuts the values it
/// quotes in errors). Every message that quotes a value, key or name read from an input goes through here.
public enum QuotedInput {
    /// Characters quoted before a value is cut.
    public static let limit = 80

    /// `"12.50"`, or `"1234567…" (10000 bytes)` for a long value.
    public static func quote(_ text: String) -> String {
        "\"" + bounded(text) + "\"" + sizeNote(text)
    }

    /// The text itself when short, its first `limit` characters and "…" otherwise (for unquoted use,
    /// such as a mapping line to copy).
    public static func bounded(_ text: String, limit: Int = limit) -> String {
        guard let cut = cutIndex(text, limit: limit) else { return text }
        return String(text[..<cut]) + "…"
    }

    /// Where a long text is cut; nil when it is short. Walks at most `limit` characters, so it costs the
    /// same for a 10-byte and a 50 MB value.
    private static func cutIndex(_ text: String, limit: Int = limit) -> String.Index? {
        guard text.utf8.count > limit else { return nil }
        guard let cut = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), cut < text.endIndex else { return nil }
        return cut
    }

    private static func sizeNote(_ text: String) -> String {
        cutIndex(text) == nil ? "" : " (\(text.utf8.count) bytes)"
    }
}
