import Foundation
import Testing
import MuelleCore
import MuelleShipping
@testable import MuelleLabels

/// Labels drawn on two threads come out as one thread would write them: every shipment's own PDF whole,
/// and the print jobs page for page in the order the labels were handed on.
@Suite struct LabelPressTests {
    /// A one-parcel shipment to Paris whose reference ends in `number`.
    static func shipment(_ number: Int, allocator: inout TrackingNumberAllocator, profile: CarrierProfile) throws -> ShipmentLabel {
        let recipient = PostalAddress(name: "Client \(number)", line1: "\(number) rue de la Paix", city: "Paris", postalCode: "75002", country: "FR")
        let request = try profile.shipmentRequest(reference: "cdiscount:main:ORDER\(1000 + number)", service: "standard", recipient: recipient,
                                                  parcels: [Parcel(weightKg: 1, lengthCm: 30, widthCm: 20, heightCm: 15)])
        return try ShipmentLabel(request: request, trackingNumbers: [try allocator.next().number], profile: profile)
    }

    /// Tracking numbers from the profile's first agreement, starting afresh.
    static func allocator(_ profile: CarrierProfile) throws -> TrackingNumberAllocator {
        try profile.trackingAllocator(for: profile.shipmentRequest(
            reference: "x", service: "standard",
            recipient: PostalAddress(name: "x", line1: "x", city: "Paris", postalCode: "75002", country: "FR"),
            parcels: [Parcel(weightKg: 1, lengthCm: 1, widthCm: 1, heightCm: 1)]).agreement, lastSerial: nil)
    }

    @Test func printJobsKeepTheOrderTheLabelsWereHandedOn() throws {
        let profile = try LabelRendererTests.profile("eu-parcel")
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var allocator = try Self.allocator(profile)
        let count = 20
        var jobNumber = 0
        let press = LabelPress(jobs: PrintJobs(labelsPerJob: 6) {
            jobNumber += 1
            return folder + "/job\(jobNumber).pdf"
        }, threads: 2)
        var jobs: [PrintJobs.Job] = []
        var labels: [ShipmentLabel] = []
        for number in 0..<count {
            let label = try Self.shipment(number, allocator: &allocator, profile: profile)
            labels.append(label)
            jobs += try press.submit(LabelRenderer.prepare(label), to: folder + "/label\(number).pdf")
        }
        jobs += try press.finish()

        #expect(jobs.map(\.labels) == [6, 6, 6, 2])
        #expect(jobs.map(\.number) == [1, 2, 3, 4])
        var printed: [String] = []
        for job in jobs {
            let pages = try PDFTools.pages(of: job.path).count
            for page in 1...max(pages, 1) {
                let text = try PDFTools.text(of: job.path, page: page)
                printed += labels.map(\.request.reference).filter { text.contains($0) }
            }
        }
        #expect(printed == labels.map(\.request.reference), "print jobs in the order the labels were handed on")
        for (number, label) in labels.enumerated() {
            let text = try PDFTools.text(of: folder + "/label\(number).pdf")
            #expect(text.contains(label.request.reference) && text.contains(label.trackingNumber), "label \(number) is its own whole PDF")
        }
    }

    @Test func aStoppedPressDrawsNothingMoreAndRefusesNewLabels() throws {
        let profile = try LabelRendererTests.profile("eu-parcel")
        let folder = try PDFTools.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var allocator = try Self.allocator(profile)
        let press = LabelPress(jobs: PrintJobs(labelsPerJob: 100) { folder + "/job.pdf" }, threads: 2)
        _ = try press.submit(LabelRenderer.prepare(Self.shipment(1, allocator: &allocator, profile: profile)), to: folder + "/label1.pdf")
        press.stop()
        let late = try LabelRenderer.prepare(Self.shipment(2, allocator: &allocator, profile: profile))
        #expect(throws: (any Error).self) { _ = try press.submit(late, to: folder + "/label2.pdf") }
        #expect(!FileManager.default.fileExists(atPath: folder + "/label2.pdf"))
    }
}
