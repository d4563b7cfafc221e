import Testing
@testable import MuelleLabels

/// Wrapping and shrinking with a fixed advance (every character 0.5 em), so widths are easy to count.
@Suite struct TextLayoutTests {
    static func layout(width: Double, height: Double, maxSize: Double = 10, minSize: Double = 5) -> TextLayout {
        TextLayout(width: width, height: height, maxSize: maxSize, minSize: minSize) { text, size, _ in Double(text.count) * size * 0.5 }
    }

    @Test func shortTextStaysOnOneLineAtTheLargestSize() {
        let lines = Self.layout(width: 100, height: 20).lines([.init(text: "Ana Pérez")])
        #expect(lines.map(\.text) == ["Ana Pérez"])
        #expect(lines.first?.size == 10)
    }

    @Test func longTextWrapsAtSpaces() {
        // 10 pt → 5 pt per character → 20 characters per line.
        let lines = Self.layout(width: 100, height: 100).lines([.init(text: "Calle de Alcalá 48 tercero izquierda Madrid")])
        #expect(lines.map(\.text) == ["Calle de Alcalá 48", "tercero izquierda", "Madrid"])
        #expect(lines.allSatisfy { Double($0.text.count) * $0.size * 0.5 <= 100 })
    }

    @Test func textShrinksBeforeItOverflowsTheHeight() {
        // At 10 pt only one 11.8-pt line fits in 20 pt; at 8 pt, 25 characters per line: two lines of 9.44 pt.
        let lines = Self.layout(width: 100, height: 20).lines([.init(text: "Müller-Fernández Łukasz Çağlar")])
        #expect(lines.count == 2)
        #expect(lines.first?.size ?? 10 < 10)
        let last = lines.last.map { $0.baseline + $0.size * (TextLayout.leading - TextLayout.ascent) } ?? 0
        #expect(last <= 20.01)
    }

    @Test func wordsWiderThanTheBoxAreSplit() {
        let lines = Self.layout(width: 50, height: 100).lines([.init(text: "Wolfeschlegelsteinhausenbergerdorff")])
        #expect(lines.count >= 2)
        #expect(lines.map(\.text).joined() == "Wolfeschlegelsteinhausenbergerdorff")
        #expect(lines.allSatisfy { Double($0.text.count) * $0.size * 0.5 <= 50 })
    }

    @Test func whatCannotFitEndsWithAnEllipsis() {
        let text = String(repeating: "palabra ", count: 40)
        // At the 5 pt minimum a line takes 5.9 pt: two lines fit in 12 pt, the second cut short.
        let lines = Self.layout(width: 60, height: 12).lines([.init(text: text)])
        #expect(lines.count == 2)
        #expect(lines.first?.size == 5)
        #expect(lines.last?.text.hasSuffix("…") == true)
        #expect(lines.allSatisfy { Double($0.text.count) * $0.size * 0.5 <= 60 })
    }

    @Test func singleLinesShrinkThenEllipsize() {
        let layout = Self.layout(width: 40, height: 20, maxSize: 10, minSize: 4)
        #expect(layout.singleLine("ABCDEFGHIJ", bold: true).size == 8)   // 10 × 0.5 × 8 = 40
        let cut = layout.singleLine(String(repeating: "x", count: 60), bold: false)
        #expect(cut.size == 4)
        #expect(cut.text.hasSuffix("…"))
        #expect(Double(cut.text.count) * 4 * 0.5 <= 40)
    }
}
