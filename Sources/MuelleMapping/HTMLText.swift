/// The readable text of an HTML fragment (a product description): tags dropped, references decoded,
/// whitespace collapsed. One pass per step, no regular expressions: the work is linear in the text.
enum HTMLText {
    /// Tags whose edges separate words (`<p>a</p><p>b</p>` reads "a b"); other tags (`<b>`, `<span>`)
    /// join what they wrap with its neighbours.
    private static let blockTags: Set<String> = [
        "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "thead", "tbody", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt", "dl", "img",
    ]

    static func plain(_ html: String) -> String {
        collapse(HTMLEntities.decode(stripTags(html)))
    }

    /// Drops tags and comments. A `<` that opens no tag ("a < b", "<3") is text; an unclosed tag runs
    /// to the end of the text, as a browser reads it.
    static func stripTags(_ html: String) -> String {
        guard html.utf8.contains(UInt8(ascii: "<")) else { return html }
        let s = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let c = s[i]
            guard c == "<", i + 1 < s.count, opensTag(s[i + 1]) else {
                out.append(c)
                i += 1
                continue
            }
            if s[i + 1] == "!", i + 3 < s.count, s[i + 2] == "-", s[i + 3] == "-" {
                i = endOfComment(s, from: i + 4)
                continue
            }
            var j = i + 1
            if s[j] == "/" { j += 1 }
            var name = ""
            while j < s.count, s[j].isASCII, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            while j < s.count, s[j] != ">" { j += 1 }
            if blockTags.contains(name.lowercased()) { out.append(" ") }
            i = j + 1
        }
        return String(out)
    }

    private static func opensTag(_ next: Unicode.Scalar) -> Bool {
        next == "/" || next == "!" || next == "?" || (next.isASCII && next.properties.isAlphabetic)
    }

    /// Just past the `-->` that ends a comment opened before `from`, or the end of the text.
    private static func endOfComment(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i + 2 < s.count {
            if s[i] == "-", s[i + 1] == "-", s[i + 2] == ">" { return i + 3 }
            i += 1
        }
        return s.count
    }

    /// Runs of whitespace (no-break spaces included: `&nbsp;` in a description is layout) as one space,
    /// none at either end.
    static func collapse(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }
}
