import Foundation
import Testing
import MuelleCore
import MuelleShipping
@testable import MuelleLabels

/// Labels read back the way a person and a scanner would: page sizes with pdfinfo, words with
/// pdftotext, barcodes with zbarimg from a 203-dpi render.
@Suite struct LabelRendererTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func profile(_ code: String) throws -> CarrierProfile {
        try CarrierProfileLoader.load(path: repository + "/mappings/carriers/\(code).yaml", displayName: "mappings/carriers/\(code).yaml")
    }

    static func d(_ text: String) -> Decimal { ExactDecimal.parse(text) ?? .nan }

    static let longName = "Ñoño Łukasz Çağlar Müller-Fernández"
    static let longStreet = "Carrera 45 # 26-85, Edificio Torres de la Esperanza, Torre B, Apartamento 1204, Barrio La Soledad, junto al parque mayor"

    /// A Coordinadora shipment of three parcels to Medellín with cash on delivery, numbered from the agreement's range.
    static func threeParcelShipment() throws -> ShipmentLabel {
        let profile = try profile("coordinadora")
        let recipient = PostalAddress(name: longName, taxID: "1020304050", line1: longStreet, line2: "Interior 3, portería",
                                      city: "Medellín", cityCode: "05001000", region: "Antioquia", country: "CO", phone: "+57 300 111 2233")
        let parcels = [("2", "30", "20", "20"), ("1.5", "20", "20", "10"), ("0.75", "25", "15", "5")].map {
            Parcel(weightKg: d($0.0), lengthCm: d($0.1), widthCm: d($0.2), heightCm: d($0.3))
        }
        let request = try profile.shipmentRequest(reference: "shopify:main:5001", service: "paqueteria", agreement: "Contra entrega Bogotá",
                                                  recipient: recipient, parcels: parcels, declaredValue: 180_000, cashOnDelivery: 180_000)
        var allocator = try profile.trackingAllocator(for: request.agreement, lastSerial: nil)
        return try ShipmentLabel(request: request, trackingNumbers: try allocator.next(3).map(\.number), profile: profile)
    }

    static func europeanShipment() throws -> ShipmentLabel {
        let profile = try profile("eu-parcel")
        let recipient = PostalAddress(name: "François Lefèvre", company: "Librairie Ça Va", line1: "12 rue de la Paix", city: "Paris",
                                      postalCode: "75002", country: "FR")
        let request = try profile.shipmentRequest(reference: "cdiscount:main:2611031234ABC", service: "standard", recipient: recipient,
                                                  parcels: [Parcel(weightKg: d("1.2"), lengthCm: 30, widthCm: 20, heightCm: 15)])
        var allocator = try profile.trackingAllocator(for: request.agreement, lastSerial: nil)
        return try ShipmentLabel(request: request, trackingNumbers: [try allocator.next().number], profile: profile)
    }

    @Test func threeParcelShipmentPrintsThreeLabelsEachWithItsOwnBarcodes() throws {
        #expect(Self.longStreet.count == 120)
        let label = try Self.threeParcelShipment()
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/label.pdf"
        try LabelRenderer.render(label, to: pdf)

        let pages = try PDFTools.pages(of: pdf)
        #expect(pages.count == 3)
        #expect(pages.sizes.count == 3)
        for size in pages.sizes {
            // 10 × 15 cm = 283.46 × 425.20 pt.
            #expect(abs(size.width - 283.465) < 0.01 && abs(size.height - 425.197) < 0.01, "\(size)")
        }

        for (index, parcel) in label.parcels.enumerated() {
            let text = try PDFTools.text(of: pdf, page: index + 1)
            for word in ["Ñoño", "Łukasz", "Çağlar", "Müller-Fernández", "Medellín", "portería", "Coordinadora", "Paquetería",
                         "shopify:main:5001", "\(index + 1)/3", parcel.trackingNumber, "Tienda Ejemplo S.A.S.", "180000 COP"] {
                #expect(text.contains(word), "page \(index + 1) lacks \(word):\n\(text)")
            }
        }
        #expect(try PDFTools.text(of: pdf, page: 2).contains("1.5 kg"))

        let decoded = try PDFTools.decodeBarcodes(of: pdf, in: folder)
        #expect(decoded.count == 3)
        for (index, parcel) in label.parcels.enumerated() where index < decoded.count {
            #expect(Set(decoded[index]) == ["CODE-128:" + parcel.trackingNumber, "QR-Code:" + parcel.trackingURL], "page \(index + 1): \(decoded[index])")
        }
        #expect(Set(label.parcels.map(\.trackingNumber)).count == 3)
    }

    @Test func longNamesAndAddressesStayInsideThePage() throws {
        var label = try Self.threeParcelShipment()
        label.request.recipient.name = String(repeating: "Wolfeschlegelsteinhausenbergerdorff ", count: 4) + Self.longName
        label.request.recipient.line2 = String(repeating: "Interior ", count: 30)
        label.request.sender.name = String(repeating: "Distribuciones Mayoristas ", count: 8)
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/label.pdf"
        try LabelRenderer.render(label, to: pdf)
        let words = try PDFTools.wordBoxes(of: pdf)
        #expect(!words.isEmpty)
        for word in words {
            #expect(word.xMin >= 0 && word.yMin >= 0, "\(word)")
            #expect(word.xMax <= label.size.widthPoints - LabelPage.margin + 0.5 && word.yMax <= label.size.heightPoints, "\(word)")
        }
        // The barcodes still decode with the text shrunk around them.
        let decoded = try PDFTools.decodeBarcodes(of: pdf, in: folder)
        #expect(decoded.first?.contains("CODE-128:" + label.parcels[0].trackingNumber) == true)
    }

    @Test(arguments: [LabelSize.fourBySixInches, .a6, .tenByFifteenCentimetres])
    func everyLabelSizeHasItsExactPageAndScannableCodes(_ size: LabelSize) throws {
        var label = try Self.europeanShipment()
        label.size = size
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/label.pdf"
        try LabelRenderer.render(label, to: pdf)
        let pages = try PDFTools.pages(of: pdf)
        #expect(pages.count == 1)
        let page = try #require(pages.sizes.first)
        #expect(abs(page.width - size.widthPoints) < 0.01 && abs(page.height - size.heightPoints) < 0.01, "\(page) for \(size)")
        let text = try PDFTools.text(of: pdf)
        for word in ["François", "Lefèvre", "Ça", "EU Parcel Express", "1/1", label.trackingNumber] {
            #expect(text.contains(word), "\(word) missing:\n\(text)")
        }
        #expect(Set(try PDFTools.decodeBarcodes(of: pdf, in: folder).first ?? []) == ["CODE-128:" + label.trackingNumber, "QR-Code:" + label.trackingURL])
    }

    @Test func batchPutsEveryLabelOfARunInOnePDF() throws {
        let colombian = try Self.threeParcelShipment()
        let european = try Self.europeanShipment()
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/batch.pdf"
        try LabelRenderer.renderBatch([colombian, european], to: pdf)
        let pages = try PDFTools.pages(of: pdf)
        #expect(pages.count == 4)
        // Each carrier keeps its own label size: three 10×15 cm pages, then an A6 one.
        #expect(pages.sizes.map { ($0.width * 100).rounded() / 100 } == [283.46, 283.46, 283.46, 297.64])
        let decoded = try PDFTools.decodeBarcodes(of: pdf, in: folder)
        let codes = decoded.flatMap { $0 }.filter { $0.hasPrefix("CODE-128:") }
        #expect(codes == (colombian.parcels + european.parcels).map { "CODE-128:" + $0.trackingNumber })
        #expect(throws: MuelleError.self) { try LabelRenderer.renderBatch([], to: folder + "/empty.pdf") }
    }
}
