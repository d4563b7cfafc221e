import Foundation
import Testing

/// Cancellations reach shipping: a cancelled order's shipment is voided while it can be, and raised
/// for staff to intercept once its parcels were handed over.
@Suite(.serialized) struct CancellationShippingTests {
    static let day = "2099-12-31"

    static func bench() throws -> Workbench {
        let bench = try Workbench(mappings: ["shopify-orders", "shopify-order-events"])
        try bench.dropExample("shopify-orders", "orders_export_1.csv")
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        return bench
    }

    static func dropCancellation(_ bench: Workbench) throws {
        let webhook = try String(contentsOfFile: Workbench.repository + "/examples/later/shopify-order-events/orders-cancelled-1052.json", encoding: .utf8)
        try bench.drop("shopify-order-events", "cancelled.json", webhook)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
    }

    static func eventsReport(_ bench: Workbench) throws -> [String: Any] {
        try bench.report(try #require(bench.files("outbox/reports").first { $0.hasPrefix("shopify-order-events-") }))
    }

    @Test func aCancelledOrdersShipmentIsVoidedItsLabelRefusedAndKeptOffTheManifest() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        let number = try #require(try bench.ndjson("outbox/tracking").first { $0["order_id"] as? String == "shopify:main:1052" }?["tracking_number"] as? String)
        try Self.dropCancellation(bench)

        let voided = try bench.ndjson("outbox/tracking").filter { $0["status"] as? String == "voided" }
        #expect(voided.count == 1)
        #expect(voided.first?["order_id"] as? String == "shopify:main:1052")
        #expect(voided.first?["tracking_number"] as? String == number)
        #expect(voided.first?["external_id"] as? String == "1052")
        #expect(try Self.eventsReport(bench)["shipments_voided"] as? Int == 1)

        let refused = try bench.muelle(["labels", "get", "shopify:main:1052"])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("voided") && refused.stderr.contains(number) && refused.stderr.contains("order cancelled"), "\(refused.stderr)")
        let forced = try bench.muelle(["labels", "get", number, "--force"])
        #expect(forced.status == 0)
        #expect(forced.stdout.hasSuffix("outbox/labels/shopify_main_1052.pdf\n"))
        #expect(try bench.muelle(["labels", "get", "shopify:main:1050"]).status == 0, "the other label stays valid")

        let close = try bench.muelle(["manifest", "close", "--date", Self.day])
        #expect(close.status == 0)
        #expect(close.stdout.contains("1 parcel(s)"), "\(close.stdout)")
        let csv = try bench.read("outbox/manifests/eu-parcel-B2C_Spain-\(Self.day)-1.csv")
        #expect(csv.contains("shopify:main:1050") && !csv.contains("shopify:main:1052") && !csv.contains(number))
        #expect(try bench.muelle(["shipments", "void", "shopify:main:1052"]).stderr.contains("already voided"))
    }

    @Test func aCancellationAfterHandoverIsKeptAndRaisedForStaffToIntercept() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        #expect(try bench.muelle(["manifest", "close", "--date", Self.day]).stdout.contains("2 parcel(s)"))
        let number = try #require(try bench.ndjson("outbox/tracking").first { $0["order_id"] as? String == "shopify:main:1052" }?["tracking_number"] as? String)
        try Self.dropCancellation(bench)

        // Kept: no void, the label still served (the parcel is with the carrier).
        #expect(try bench.ndjson("outbox/tracking").allSatisfy { $0["status"] as? String != "voided" })
        #expect(try bench.muelle(["labels", "get", "shopify:main:1052"]).status == 0)
        // Raised on the report and the card.
        let report = try Self.eventsReport(bench)
        #expect((report["counts"] as? [String: Any])?["cancelled_after_handover"] as? Int == 1)
        let errors = report["errors"] as? [[String: Any]] ?? []
        let note = try #require(errors.first { $0["code"] as? String == "cancelled_after_handover" })
        let message = note["message"] as? String ?? ""
        #expect(message.contains("cancelled after handover") && message.contains("shopify:main:1052") && message.contains(number))
        #expect(message.contains("eu-parcel-B2C_Spain-\(Self.day)-1"), "names the manifest it left on")
        let card = try bench.muelle(["status"]).stdout
        #expect(card.contains("cancelled after handover: 1"), "\(card)")

        // And on the next manifest's exception list, apart from the parcels to collect.
        let next = try bench.muelle(["manifest", "close", "--date", Self.day])
        #expect(next.status == 0)
        #expect(next.stdout.contains("eu-parcel-B2C_Spain-\(Self.day)-2: 0 parcel(s)"), "\(next.stdout)")
        #expect(next.stdout.contains("exception: shopify:main:1052 (\(number)): cancelled after handover"))
        let base = "outbox/manifests/eu-parcel-B2C_Spain-\(Self.day)-2"
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bench.read(base + ".json").utf8)) as? [String: Any])
        #expect((json["rows"] as? [Any])?.isEmpty == true)
        let exception = try #require((json["exceptions"] as? [[String: Any]])?.first)
        #expect(exception["reference"] as? String == "shopify:main:1052")
        #expect(exception["tracking_numbers"] as? [String] == [number])
        #expect(exception["exception"] as? String == "cancelled_after_handover")
        #expect(try bench.read(base + "-exceptions.csv").contains("\(number),shopify:main:1052,cancelled_after_handover"))
        #expect(!(try bench.read(base + ".csv")).contains(number), "never a parcel to collect")
        let pdf = try ShippingTests.tool("pdftotext", [bench.root + "/" + base + ".pdf", "-"])
        #expect(pdf.contains("cancelled after handover") && pdf.contains(number))
        // Listed once.
        #expect(try bench.muelle(["manifest", "close", "--date", Self.day]).stdout.contains("nothing to close"))
    }
}
