/// Character references as shops write them in product names and descriptions (`Hoodie &ndash; Blue`,
/// `Caf&eacute;`, `&#8211;`, `&#x2013;`), decoded in one pass that never looks further than a short
/// reference: the work is linear in the text, whatever it holds.
enum HTMLEntities {
    /// The longest reference name looked for; a longer run after `&` is text, left as written.
    private static let longestName = 32

    /// `text` with every known named reference and every valid numeric one decoded; anything else —
    /// an unknown name, a missing `;`, a number that is no character — stays as written.
    static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "&", let (decoded, length) = reference(scalars, at: i) else {
                out.append(scalars[i])
                i += 1
                continue
            }
            out.append(contentsOf: decoded.unicodeScalars)
            i += length
        }
        return String(out)
    }

    /// The reference starting at `start` (an `&`): what it stands for and how many scalars it spans.
    private static func reference(_ s: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        var end = start + 1
        while end < s.count, end - start <= longestName + 2, s[end] != ";" {
            guard s[end].properties.isASCIIHexDigit || (s[end].isASCII && (s[end].properties.isAlphabetic || s[end] == "#")) else { return nil }
            end += 1
        }
        guard end < s.count, s[end] == ";", end > start + 1 else { return nil }
        let name = String(String.UnicodeScalarView(s[(start + 1)..<end]))
        let length = end - start + 1
        if name.hasPrefix("#") { return numeric(name.dropFirst()).map { (String($0), length) } }
        return named[name].map { ($0, length) }
    }

    /// `#8211` or `#x2013`: a scalar that is a character (not 0, not a surrogate, not past U+10FFFF).
    private static func numeric(_ digits: Substring) -> Character? {
        let value: UInt32?
        if let first = digits.first, first == "x" || first == "X" {
            let hex = digits.dropFirst()
            value = hex.count <= 6 && !hex.isEmpty ? UInt32(hex, radix: 16) : nil
        } else {
            value = digits.count <= 7 && !digits.isEmpty ? UInt32(digits, radix: 10) : nil
        }
        guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
        return Character(scalar)
    }

    /// HTML's named references that shop exports use: the markup five, Latin-1 (accented letters,
    /// signs) and the typographic ones WordPress writes (`&ndash;`, `&rsquo;`, `&hellip;`).
    static let named: [String: String] = {
        var table: [String: String] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'",
            "OElig": "\u{152}", "oelig": "\u{153}", "Scaron": "\u{160}", "scaron": "\u{161}", "Yuml": "\u{178}", "fnof": "\u{192}",
            "circ": "\u{2C6}", "tilde": "\u{2DC}", "ensp": "\u{2002}", "emsp": "\u{2003}", "thinsp": "\u{2009}", "zwnj": "\u{200C}",
            "zwj": "\u{200D}", "lrm": "\u{200E}", "rlm": "\u{200F}", "ndash": "\u{2013}", "mdash": "\u{2014}", "lsquo": "\u{2018}",
            "rsquo": "\u{2019}", "sbquo": "\u{201A}", "ldquo": "\u{201C}", "rdquo": "\u{201D}", "bdquo": "\u{201E}", "dagger": "\u{2020}",
            "Dagger": "\u{2021}", "bull": "\u{2022}", "hellip": "\u{2026}", "permil": "\u{2030}", "prime": "\u{2032}", "Prime": "\u{2033}",
            "lsaquo": "\u{2039}", "rsaquo": "\u{203A}", "oline": "\u{203E}", "frasl": "\u{2044}", "euro": "\u{20AC}", "trade": "\u{2122}",
            "larr": "\u{2190}", "rarr": "\u{2192}", "minus": "\u{2212}", "times": "\u{D7}", "divide": "\u{F7}",
        ]
        // U+00A0…U+00FF in order, as HTML 4 names them (times and divide are set above).
        let latin1 = [
            "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
            "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
            "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
            "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
            "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
            "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
        ]
        for (offset, name) in latin1.enumerated() {
            if let scalar = Unicode.Scalar(0xA0 + UInt32(offset)) { table[name] = String(Character(scalar)) }
        }
        return table
    }()
}
