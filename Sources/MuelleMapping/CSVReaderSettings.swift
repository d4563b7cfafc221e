import MuelleReaders
import Yams

/// The CSV options of a `reader:` section: delimiter, quoting, escape and comment characters, the
/// header's line, encoding and trimming, each checked here so `muelle check` names a misuse's line.
enum CSVReaderSettings {
    static let keys: Set<String> = ["delimiter", "quote", "escape", "comment", "header_row", "encoding", "trim"]

    static func compile(source: YAMLSource, node: Node, finalLineBreak: FinalLineBreak) -> CSVOptions {
        var csv = CSVOptions()
        if let d = node.member("delimiter") {
            if let delimiter = character(d, names: ["tab": 9, "\\t": 9]) { csv.delimiter = delimiter } else {
                source.error("the delimiter is one character: \",\" \";\" \"|\" or tab", at: d)
            }
        }
        if let q = node.member("quote") {
            if q.string == "none" { csv.quote = nil } else if let quote = character(q) { csv.quote = quote } else {
                source.error("quote is one character (\"\\\"\" by default, or \"'\"), or none for a flat file with no quoting at all", at: q)
            }
        }
        if let e = node.member("escape") {
            if let escape = character(e) {
                csv.escape = escape
                if node.member("quote")?.string == "none" {
                    source.error("escape applies inside quoted fields, but this reader has quote: none", at: e)
                } else if escape == csv.quote {
                    source.error("escape is the quote character itself: that is the default (a quote inside a quoted field is doubled); leave escape out", at: e)
                }
            } else {
                source.error("escape is one character, e.g. \"\\\\\" for a backslash", at: e)
            }
        }
        if let c = node.member("comment") {
            if let comment = character(c) { csv.comment = comment } else {
                source.error("comment is one character that starts a comment line, e.g. \"#\"", at: c)
            }
        }
        if let h = node.member("header_row") {
            if let line = h.int, line >= 1 { csv.headerLine = line } else {
                source.error("header_row is the line number of the header (1 for the first line)", at: h)
            }
        }
        // The special characters must differ, or a byte would mean two things.
        let roles: [(String, UInt8?)] = [("delimiter", csv.delimiter), ("quote", csv.quote), ("escape", csv.escape), ("comment", csv.comment)]
        for (index, role) in roles.enumerated() {
            guard let byte = role.1 else { continue }
            if byte == 0x0A || byte == 0x0D {
                source.error("the \(role.0) cannot be a line break", at: node.member(role.0) ?? node)
            }
            // An escape equal to the quote has its own message above.
            for other in roles[..<index] where other.1 == byte && !(role.0 == "escape" && other.0 == "quote") {
                source.error("the \(role.0) is the same character as the \(other.0)", at: node.member(role.0) ?? node.member(other.0) ?? node)
            }
        }
        if let e = node.member("encoding") {
            if let encoding = TextEncoding(name: e.string ?? "") { csv.encoding = encoding } else {
                source.error("unknown encoding '\(e.string ?? "")'; use utf-8, latin-1 or windows-1252", at: e)
            }
        }
        csv.trimFields = node.member("trim")?.bool ?? false
        csv.finalLineBreak = finalLineBreak
        return csv
    }

    /// One ASCII character (the scanner works on bytes), or one of `names`.
    private static func character(_ node: Node, names: [String: UInt8] = [:]) -> UInt8? {
        guard let text = node.string else { return nil }
        if let named = names[text] ?? (text == "\t" ? 9 : nil) { return named }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte < 0x80 else { return nil }
        return byte
    }
}
