/// Fits text into a box: wraps at spaces (and inside words too long for a line), shrinking the font
/// until every line fits; at the smallest size what still does not fit ends in "…". Nothing is ever
/// drawn outside the box, whatever the length of a name or street.
///
/// Pure: widths come from a `measure` closure (cairo in production, a fixed advance in tests).
struct TextLayout {
    /// A run of text set on its own line(s).
    struct Paragraph: Sendable, Equatable {
        var text: String
        var bold: Bool = false
        /// Relative to the block's size: 1.3 sets a name larger than the address under it.
        var scale: Double = 1
    }

    /// One line as laid out: its text, size and baseline below the box's top.
    struct Line: Sendable, Equatable {
        var text: String
        var size: Double
        var bold: Bool
        var baseline: Double
    }

    /// Measures the advance of a text in points: (text, size, bold) → width.
    typealias Measure = (String, Double, Bool) -> Double

    /// Line advance and first baseline as multiples of the font size (DejaVu Sans: ascent 0.93 em).
    static let leading = 1.18
    static let ascent = 0.93

    let width: Double
    let height: Double
    let maxSize: Double
    let minSize: Double
    let measure: Measure

    /// The largest size (in half-point steps) at which all paragraphs fit; truncated lines at `minSize` otherwise.
    func lines(_ paragraphs: [Paragraph]) -> [Line] {
        let paragraphs = paragraphs.filter { !$0.text.isEmpty }
        var size = maxSize
        while size > minSize {
            if let lines = wrapped(paragraphs, size: size, truncating: false) { return lines }
            size -= 0.5
        }
        return wrapped(paragraphs, size: minSize, truncating: true) ?? []
    }

    /// All paragraphs at `size`, or nil when they do not fit the height (unless truncating).
    private func wrapped(_ paragraphs: [Paragraph], size baseSize: Double, truncating: Bool) -> [Line]? {
        var lines: [Line] = []
        var top = 0.0
        for paragraph in paragraphs {
            let size = baseSize * paragraph.scale
            for text in wrap(paragraph.text, size: size, bold: paragraph.bold) {
                guard top + size * Self.leading <= height + 0.01 || lines.isEmpty else {
                    guard truncating else { return nil }
                    if var last = lines.popLast() {
                        last.text = ellipsized(last.text + " …", size: last.size, bold: last.bold)
                        lines.append(last)
                    }
                    return lines
                }
                lines.append(Line(text: text, size: size, bold: paragraph.bold, baseline: top + size * Self.ascent))
                top += size * Self.leading
            }
        }
        return lines
    }

    /// Greedy word wrap; a word wider than the box is split between characters.
    func wrap(_ text: String, size: Double, bold: Bool) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if measure(candidate, size, bold) <= width {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            var piece = ""
            for character in word {
                if measure(piece + String(character), size, bold) > width, !piece.isEmpty {
                    lines.append(piece)
                    piece = ""
                }
                piece.append(character)
            }
            current = piece
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// `text` cut so that it and a trailing "…" fit the width.
    func ellipsized(_ text: String, size: Double, bold: Bool) -> String {
        if measure(text, size, bold) <= width { return text }
        var kept = Substring(text)
        while !kept.isEmpty, measure(kept.trimmingSuffixSpaces + "…", size, bold) > width { kept = kept.dropLast() }
        return kept.trimmingSuffixSpaces + "…"
    }

    /// One line at the largest size up to `maxSize` that fits the width, ellipsized at `minSize`.
    func singleLine(_ text: String, bold: Bool) -> Line {
        var size = maxSize
        while size > minSize, measure(text, size, bold) > width { size -= 0.5 }
        return Line(text: ellipsized(text, size: size, bold: bold), size: size, bold: bold, baseline: size * Self.ascent)
    }
}

private extension Substring {
    var trimmingSuffixSpaces: String {
        var copy = self
        while copy.last == " " { copy = copy.dropLast() }
        return String(copy)
    }
}
