/// Text boxes and barcodes on a canvas, shared by labels and manifests.
extension PDFCanvas {
    enum Alignment { case left, center, right }

    /// A layout measuring with this canvas's font.
    func layout(width: Double, height: Double, maxSize: Double, minSize: Double) -> TextLayout {
        TextLayout(width: width, height: height, maxSize: maxSize, minSize: minSize) { [unowned self] text, size, bold in
            self.textWidth(text, size: size, bold: bold)
        }
    }

    /// Draws laid-out lines in the box whose top-left is (`x`, `y`) and width `width`.
    func draw(_ lines: [TextLayout.Line], x: Double, y: Double, width: Double, alignment: Alignment = .left) {
        for line in lines {
            var left = x
            if alignment != .left {
                let advance = textWidth(line.text, size: line.size, bold: line.bold)
                left = alignment == .center ? x + (width - advance) / 2 : x + width - advance
            }
            showText(line.text, x: left, baseline: y + line.baseline, size: line.size, bold: line.bold)
        }
    }

    /// Paragraphs fitted into a box and drawn; returns the height used.
    @discardableResult
    func drawText(_ paragraphs: [TextLayout.Paragraph], in box: Rectangle, maxSize: Double, minSize: Double, alignment: Alignment = .left) -> Double {
        let lines = layout(width: box.width, height: box.height, maxSize: maxSize, minSize: minSize).lines(paragraphs)
        draw(lines, x: box.x, y: box.y, width: box.width, alignment: alignment)
        guard let last = lines.last else { return 0 }
        return last.baseline + last.size * (TextLayout.leading - TextLayout.ascent)
    }

    /// One line shrunk (then ellipsized) to fit `box.width`, drawn at the box's top.
    func drawLine(_ text: String, in box: Rectangle, maxSize: Double, minSize: Double, bold: Bool = false, alignment: Alignment = .left) {
        let line = layout(width: box.width, height: box.height, maxSize: maxSize, minSize: minSize).singleLine(text, bold: bold)
        draw([line], x: box.x, y: box.y, width: box.width, alignment: alignment)
    }
}

/// Printer geometry: thermal label printers put 203 dots on an inch, so bars are whole dots wide.
enum PrinterDots {
    static let dotsPerInch = 203.0
    /// One dot in points.
    static let dot = 72.0 / dotsPerInch

    /// `value` moved onto the dot grid, so bar edges fall on dot edges at 203 dpi.
    static func snapped(_ value: Double) -> Double { (value / dot).rounded() * dot }
}
