import Foundation
import Testing
import MuelleCore
@testable import MuelleShipping

/// Shipment requests and label records: built from a profile, written as JSON that the published schemas accept.
@Suite struct ShipmentRequestTests {
    typealias F = ShippingFixtures

    static func bogotaToMedellin() throws -> (CarrierProfile, ShipmentRequest) {
        let profile = try F.repositoryProfile("coordinadora")
        var recipient = F.colombian("Medellín", "05001000")
        recipient.taxID = "1020304050"
        let request = try profile.shipmentRequest(
            reference: "shopify:main:5001", service: "paqueteria", agreement: "Contra entrega Bogotá", recipient: recipient,
            parcels: [F.parcel("2", "30", "20", "20"), F.parcel("1.5", "20", "20", "10")],
            declaredValue: 180_000, cashOnDelivery: 180_000, contents: "Camisetas")
        return (profile, request)
    }

    @Test func requestCarriesAgreementServiceSenderAndQuote() throws {
        let (_, request) = try Self.bogotaToMedellin()
        #expect(request.id == "coordinadora:shopify:main:5001")
        #expect(request.agreement.clientID == "31452")
        #expect(request.agreement.division == "02")
        #expect(request.service.level == "1")
        #expect(request.sender.cityCode == "11001000")
        #expect(request.quote?.total == 34600)
        #expect(request.totalWeightKg == F.d("3.5"))
    }

    @Test func agreementsLimitTheirServices() throws {
        let profile = try F.repositoryProfile("coordinadora")
        let error = #expect(throws: MuelleError.self) {
            try profile.shipmentRequest(reference: "x", service: "paqueteria_express", agreement: "Contra entrega Bogotá",
                                        recipient: F.colombian("Medellín", "05001000"), parcels: [F.parcel("1", "10", "10", "10")])
        }
        #expect(error?.message.contains("does not include service paqueteria_express") == true)
    }

    @Test func jsonFormWritesMoneyAsStrings() throws {
        let (_, request) = try Self.bogotaToMedellin()
        let json = JSONText.compact(request.value)
        #expect(json.hasPrefix(#"{"kind":"shipment_request","id":"coordinadora:shopify:main:5001","carrier":"coordinadora","carrier_name":"Coordinadora","service":{"code":"paqueteria","name":"Paquetería","level":"1","product_code":"0"},"agreement":{"name":"Contra entrega Bogotá","client_id":"31452","division":"02","account_code":"3"}"#))
        #expect(json.contains(#""parcels":[{"weight_kg":2,"length_cm":30,"width_cm":20,"height_cm":20,"reference":null},{"weight_kg":1.5,"#))
        #expect(json.contains(#""currency":"COP","declared_value":"180000","cash_on_delivery":"180000","contents":"Camisetas""#))
        #expect(json.contains(#""total":"34600""#))
    }

    @Test func requestAndLabelRecordMatchTheirSchemas() throws {
        let (profile, request) = try Self.bogotaToMedellin()
        let label = try ShipmentLabel(request: request, trackingNumbers: ["73950000005", "73950000013"], profile: profile)
        let record = label.record(file: "outbox/labels/coordinadora-shopify-main-5001.pdf")
        #expect(JSONText.compact(record).contains(#""tracking_number":"73950000005","tracking_url":"https://coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-guia/?guia=73950000005""#))
        let eu = try F.repositoryProfile("eu-parcel")
        let paid = try eu.shipmentRequest(reference: "cdiscount:main:2611031234ABC", service: "standard",
                                          recipient: F.european("FR", "75011", "Paris"), parcels: [F.parcel("1.2", "30", "20", "15")])
        try Self.validate([("shipment-request.schema.json", JSONText.compact(request.value)),
                           ("shipment-request.schema.json", JSONText.compact(paid.value)),
                           ("label.schema.json", JSONText.compact(record))])
    }

    @Test func labelsNeedOneTrackingNumberPerParcel() throws {
        let (profile, request) = try Self.bogotaToMedellin()
        #expect(throws: MuelleError.self) { try ShipmentLabel(request: request, trackingNumbers: ["73950000005"], profile: profile) }
        let label = try ShipmentLabel(request: request, trackingNumbers: ["73950000005", "73950000013"], profile: profile)
        #expect(label.parcels.map(\.counter) == ["1/2", "2/2"])
    }

    /// Validates each document against its schema with python3-jsonschema (CI installs it); fails if it is missing.
    static func validate(_ documents: [(schema: String, json: String)]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import json, sys, jsonschema
            folder = sys.argv[1]
            for schema_name, document in zip(sys.argv[2::2], sys.argv[3::2]):
                schema = json.load(open(folder + '/' + schema_name))
                jsonschema.Draft202012Validator(schema).validate(json.loads(document))
            print('ok')
            """, F.repository + "/schemas"] + documents.flatMap { [$0.schema, $0.json] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && printed.hasSuffix("ok\n"), "schema validation failed (is python3-jsonschema installed?): \(printed)")
    }
}

/// The recipient comes from a normalised order's shipping address.
@Suite struct PostalAddressTests {
    @Test func recipientFromANormalisedOrder() throws {
        let address = Value.object([("name", .string("Ana Pérez")), ("company", .null), ("line1", .string("Calle de Alcalá, 48")),
                                    ("line2", .string("3º izq.")), ("city", .string("Madrid")), ("region", .string("M")),
                                    ("postal_code", .string("28014")), ("country", .string("ES")), ("phone", .null)])
        let customer = Value.object([("name", .string("Ana Pérez")), ("email", .string("ana@example.com")),
                                     ("phone", .string("+34 600 111 222")), ("tax_id", .null)])
        let recipient = try #require(PostalAddress(orderAddress: address, customer: customer))
        #expect(recipient.phone == "+34 600 111 222")
        #expect(recipient.email == "ana@example.com")
        #expect(recipient.company == nil)
        #expect(recipient.cityLine == "28014 Madrid M")
        #expect(PostalAddress(orderAddress: .object([("name", .string("x"))])) == nil)
        let bogota = PostalAddress(name: "x", line1: "y", city: "Bogotá D.C.", region: "Bogotá D.C.", country: "CO")
        #expect(bogota.cityLine == "Bogotá D.C.")
    }
}
