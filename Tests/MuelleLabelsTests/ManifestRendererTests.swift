import Foundation
import Testing
import MuelleCore
import MuelleShipping
@testable import MuelleLabels

/// The pickup manifest lists every parcel, adds them up, and runs over as many A4 pages as it needs.
@Suite struct ManifestRendererTests {
    @Test func manifestListsEveryParcelWithTotalsOverSeveralPages() throws {
        let profile = try LabelRendererTests.profile("coordinadora")
        let template = try LabelRendererTests.threeParcelShipment()
        var allocator = try profile.trackingAllocator(for: template.request.agreement, lastSerial: nil)
        // 20 shipments of 3 parcels: 60 rows, more than one A4 page holds.
        var labels: [ShipmentLabel] = []
        for order in 1...20 {
            var request = template.request
            request.reference = "shopify:main:\(5000 + order)"
            request.cashOnDelivery = order.isMultiple(of: 2) ? 150_000 : nil
            labels.append(try ShipmentLabel(request: request, trackingNumbers: try allocator.next(3).map(\.number), profile: profile))
        }
        let manifest = PickupManifest(carrierName: profile.name, agreement: template.request.agreement, date: "2026-11-03",
                                      sender: try profile.sender(nil).address, currency: "COP", decimals: 0, labels: labels)
        // 20 × (2 + 1.5 + 0.75) = 85 kg; 10 shipments × 150000 = 1500000 COP (once per shipment, not per parcel).
        #expect(manifest.totalWeightKg == 85)
        #expect(manifest.totalCashOnDelivery == 1_500_000)

        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pdf = folder + "/manifest.pdf"
        try ManifestRenderer.render(manifest, to: pdf)

        let pages = try PDFTools.pages(of: pdf)
        #expect(pages.count == 2)
        for size in pages.sizes {
            #expect(abs(size.width - 595.276) < 0.01 && abs(size.height - 841.89) < 0.01, "A4: \(size)")
        }
        let text = try PDFTools.text(of: pdf)
        for label in labels {
            for parcel in label.parcels {
                #expect(text.contains(parcel.trackingNumber), "\(parcel.trackingNumber) missing")
            }
        }
        for expected in ["Pickup manifest", "Coordinadora", "client id 31452", "division 02", "2026-11-03", "shopify:main:5020",
                         "Parcels: 60", "Total weight: 85 kg", "Cash on delivery to collect: 1500000 COP",
                         "Received by (carrier driver)", "Page 1/2", "Page 2/2", "Medellín"] {
            #expect(text.contains(expected), "\(expected) missing")
        }
        // The totals and the signature box are on the last page only.
        #expect(!(try PDFTools.text(of: pdf, page: 1)).contains("Parcels: 60"))
    }

    @Test func emptyManifestStillPrintsItsFrame() throws {
        let profile = try LabelRendererTests.profile("eu-parcel")
        let manifest = PickupManifest(carrierName: profile.name, agreement: try profile.agreement(nil), date: "2026-11-03",
                                      sender: nil, currency: "EUR", decimals: 2, labels: [])
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ManifestRenderer.render(manifest, to: folder + "/manifest.pdf")
        let text = try PDFTools.text(of: folder + "/manifest.pdf")
        #expect(text.contains("Parcels: 0"))
        #expect(text.contains("Cash on delivery to collect: 0.00 EUR"))
    }
}
