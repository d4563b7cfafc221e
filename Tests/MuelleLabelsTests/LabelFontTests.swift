import Foundation
import Testing
@testable import MuelleLabels

/// The label font is embedded without hinting instructions: the same words at the same places, in about
/// half the bytes per label (a label PDF was 25 KB with them).
@Suite struct LabelFontTests {
    @Test func aLabelPDFEmbedsDejaVuWithoutHintingAndStaysSmall() throws {
        let label = try LabelRendererTests.europeanShipment()
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/label.pdf"
        try LabelRenderer.render(label, to: pdf)
        let size = try FileManager.default.attributesOfItem(atPath: pdf)[.size] as? Int ?? 0
        #expect(size > 0 && size < 16_000, "a one-parcel label is \(size) bytes")
        let fonts = try PDFTools.run("pdffonts", [pdf]).stdout
        #expect(fonts.contains("DejaVuSans-Bold") && fonts.contains("DejaVuSans "), "\(fonts)")
        let text = try PDFTools.text(of: pdf)
        #expect(text.contains("François Lefèvre") && text.contains("Librairie Ça Va"))
    }

    @Test func aFileThatIsNotOneTrueTypeFontIsRefused() {
        #expect(throws: UnhintedFont.Malformed.self) { try UnhintedFont.strip(Array("ttcf and more bytes".utf8)) }
        #expect(throws: UnhintedFont.Malformed.self) { try UnhintedFont.strip([0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0]) }
    }
}
