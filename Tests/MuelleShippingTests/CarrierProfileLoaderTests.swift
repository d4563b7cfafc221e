import Foundation
import Testing
import MuelleCore
import MuelleMapping
@testable import MuelleShipping

/// The example profiles load cleanly; every kind of mistake is reported at its file, line and column.
@Suite struct CarrierProfileLoaderTests {
    @Test func coordinadoraProfileLoads() throws {
        let profile = try ShippingFixtures.repositoryProfile("coordinadora")
        #expect(profile.code == "coordinadora")
        #expect(profile.name == "Coordinadora")
        #expect(profile.account.taxID == "900123456-8")
        #expect(profile.account.user == "tiendaejemplo.ws")
        #expect(profile.secrets["password"] == .environment("COORDINADORA_WS_PASSWORD"))
        #expect(profile.agreements.map(\.clientID) == ["31452", "31452"])
        #expect(profile.agreements.map(\.division) == ["01", "02"])
        #expect(profile.agreements.first?.accountCode == "2")
        #expect(profile.services.map(\.level) == ["1", "22"])
        #expect(profile.senders.first?.address.cityCode == "11001000")
        #expect(profile.labelSize == .tenByFifteenCentimetres)
        #expect(profile.rateCard.currency == "COP")
        #expect(profile.rateCard.decimals == 0)
        #expect(profile.rateCard.basis == .shipment)
        #expect(profile.rateCard.zone(for: ShippingFixtures.colombian("Medellín", "05001000"))?.code == "principal")
        #expect(profile.rateCard.zone(for: ShippingFixtures.colombian("Leticia", "91001000"))?.remote == true)
        #expect(profile.rateCard.zone(for: ShippingFixtures.colombian("Zipaquirá", "25899000"))?.code == "regional")
        #expect(profile.rateCard.zone(for: ShippingFixtures.colombian("Pasto", "52001000"))?.code == "nacional")
        #expect(profile.trackingURL(for: "73940000006").hasSuffix("?guia=73940000006"))
    }

    @Test func europeanProfileLoads() throws {
        let profile = try ShippingFixtures.repositoryProfile("eu-parcel")
        #expect(profile.labelSize == .a6)
        #expect(abs(profile.labelSize.widthPoints - 297.64) < 0.01)
        #expect(abs(profile.labelSize.heightPoints - 419.53) < 0.01)
        #expect(profile.rateCard.currency == "EUR")
        #expect(profile.rateCard.decimals == 2)
        #expect(profile.trackingNumbers?.checkDigit == .luhn)
        let zone = { (country: String, postal: String) in profile.rateCard.zone(for: ShippingFixtures.european(country, postal, "x"))?.code }
        #expect(zone("ES", "28014") == "es")
        #expect(zone("ES", "07001") == "es_islands")
        #expect(zone("PT", "1100-148") == "pt")
        #expect(zone("FR", "20000") == "fr_corse")
        #expect(zone("FR", "75011") == "fr")
        #expect(zone("DE", "25980") == "de_islands")
        #expect(zone("DE", "10115") == "de")
        #expect(zone("US", "10001") == nil)
    }

    @Test func loadAllFindsBothExampleProfilesWithoutProblems() {
        let result = CarrierProfileLoader.loadAll(folder: ShippingFixtures.repository + "/mappings/carriers", displayFolder: "mappings/carriers")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.profiles.map(\.code) == ["coordinadora", "eu-parcel"])
    }

    @Test func labelSizesAreExactPoints() {
        #expect(LabelSize(parsing: "4x6in") == .fourBySixInches)
        #expect(LabelSize(parsing: "4x6in")?.widthPoints == 288)
        #expect(LabelSize(parsing: "4x6in")?.heightPoints == 432)
        let tenByFifteen = LabelSize(parsing: "10x15cm")
        #expect(abs((tenByFifteen?.widthPoints ?? 0) - 283.46) < 0.01)
        #expect(abs((tenByFifteen?.heightPoints ?? 0) - 425.20) < 0.01)
        #expect(LabelSize(parsing: "6x4in") == nil)
        #expect(LabelSize(parsing: "B5") == nil)
    }

    /// One mistake per case: `old` in the valid test profile becomes `new`; the error must point at
    /// `marker`'s first character (the line and column are computed from the text, so they are exact).
    struct Mistake: Sendable, CustomTestStringConvertible {
        var old: String
        var new: String
        var marker: String
        var message: String
        var testDescription: String { message }
    }

    static let mistakes: [Mistake] = [
        Mistake(old: "label_size: 4x6in", new: "label_size: 4x6in\nlabelsize: A6", marker: "labelsize", message: "unknown key 'labelsize' in a carrier profile"),
        Mistake(old: "label_size: 4x6in", new: "label_size: B5", marker: "B5", message: "label_size 'B5' is not a page size"),
        Mistake(old: "{tracking_number}\"", new: "\"", marker: "\"https://t.example", message: "tracking_url must contain {tracking_number}"),
        Mistake(old: "\"https://t.example", new: "\"ftp://t.example", marker: "\"ftp", message: "tracking_url must start with https://"),
        Mistake(old: "800197268-4", new: "800197268-5", marker: "\"800197268-5", message: "the NIT 800197268-5 has a wrong verification digit (DV), expected 4"),
        Mistake(old: "check_digit: mod11", new: "check_digit: mod97", marker: "mod97", message: "check_digit 'mod97' is not known; use one of mod10, mod11, luhn"),
        Mistake(old: "first: 7394000000, last: 7394999999", new: "first: 7394999999, last: 7394000000", marker: "{ first: 7394999999", message: "the range's first number 7394999999 is above its last 7394000000"),
        Mistake(old: "first: 7394000000", new: "first: 73940000x0", marker: "73940000x0", message: "first must be a whole number"),
        Mistake(old: "      local:    {", new: "      locale:   {", marker: "locale", message: "rates for zone 'locale', which the rate card's zones do not list"),
        Mistake(old: "    std:\n", new: "    std:\n      lokal: { brackets: [{ up_to: 1, price: 1 }] }\n", marker: "lokal", message: "rates for zone 'lokal'"),
        Mistake(old: "{ up_to: 5, price: 30000 }", new: "{ up_to: 0.5, price: 30000 }", marker: "{ up_to: 0.5", message: "brackets go up in weight: 0.5 kg comes after 1 kg"),
        Mistake(old: "price: 8000", new: "price: \"8.000,00\"", marker: "\"8.000,00\"", message: "price must be a decimal number"),
        Mistake(old: "minimum_charge: 9000", new: "minimum_charge: -1", marker: "-1", message: "minimum_charge must be zero or more"),
        Mistake(old: "currency: COP", new: "currency: pesos", marker: "pesos", message: "currency must be an ISO 4217 code"),
        Mistake(old: "{ name: Remote area, percent: 20,", new: "{ name: Remote area, percent: 20, fixed: 5,", marker: "{ name: Remote area", message: "needs exactly one of fixed (an amount) or percent"),
        Mistake(old: "when: { remote_zone: true }", new: "when: { remote: true }", marker: "remote: true }", message: "unknown key 'remote' in a surcharge condition (when)"),
        Mistake(old: "- { code: national, name: Colombia, country: CO }", new: "- { code: national, name: Colombia }", marker: "{ code: national", message: "the zone 'national' matches nothing"),
        Mistake(old: "city_codes: [\"91\"]", new: "city_codes: [\"910010001\"]", marker: "[\"910010001\"]", message: "city code '910010001' is not an 8-digit DANE code"),
        Mistake(old: "city_code: \"11001000\"", new: "city_code: \"11001\"", marker: "\"11001\", country", message: "a Colombian city_code is the 8-digit DANE code"),
        Mistake(old: "account_code: \"2\" }", new: "account_code: \"2\", services: [express] }", marker: "[express]", message: "the agreement names service 'express'"),
        Mistake(old: "  - { code: std, name: Standard, level: \"1\" }", new: "  - { code: std, name: Standard, level: \"1\" }\n  - { code: std, name: Again }", marker: "std, name: Again", message: "the service code 'std' is used twice"),
        Mistake(old: "    std:\n", new: "    xyz: { local: { brackets: [{ up_to: 1, price: 1 }] } }\n    std:\n", marker: "xyz", message: "rates for service 'xyz', which the profile's services do not list"),
        Mistake(old: "carrier: Testpost\n", new: "", marker: "country: CO", message: "the profile needs 'carrier'"),
        Mistake(old: "  - { name: Main, client_id: \"100\",", new: "  - { name: Main,", marker: "{ name: Main", message: "an agreement needs 'client_id'"),
        Mistake(old: "weight_step: 0.5", new: "weight_step: 0.0001", marker: "0.0001", message: "weight_step must be a whole number of grams"),
        Mistake(old: "basis: parcel", new: "basis: box", marker: "box", message: "basis is parcel"),
        Mistake(old: "label_size: 4x6in", new: "label_size: [4, 6", marker: "", message: "YAML syntax"),
    ]

    @Test(arguments: mistakes)
    func everyMistakeIsReportedAtItsPosition(_ mistake: Mistake) throws {
        #expect(ShippingFixtures.testpost.contains(mistake.old), "fixture text moved")
        let yaml = ShippingFixtures.testpost.replacingOccurrences(of: mistake.old, with: mistake.new)
        let found = ShippingFixtures.diagnostics(yaml)
        try #require(found.count >= 1, "no diagnostic")
        let diagnostic = try #require(found.first { $0.message.contains(mistake.message) }, "\(found)")
        #expect(diagnostic.file == "mappings/carriers/testpost.yaml")
        guard !mistake.marker.isEmpty else { return }
        let (line, column) = try #require(Self.position(of: mistake.marker, in: yaml))
        #expect(diagnostic.line == line && diagnostic.column == column, "\(diagnostic)")
        #expect(diagnostic.description.hasPrefix("mappings/carriers/testpost.yaml:\(line):\(column): error: "))
    }

    @Test func plainSecretsAreRejectedWithoutRepeatingThem() {
        let yaml = ShippingFixtures.testpost
            .replacingOccurrences(of: "password: { env: TESTPOST_PASSWORD }", with: "password: hunter2")
            .replacingOccurrences(of: "user: demo }", with: "user: demo, api_token: hunter3 }")
        let found = ShippingFixtures.diagnostics(yaml)
        #expect(found.count == 2)
        let text = found.map(\.description).joined(separator: "\n")
        #expect(text.contains("the secret 'password' is written in the profile"))
        #expect(text.contains("'api_token' looks like a credential"))
        #expect(!text.contains("hunter2") && !text.contains("hunter3"))
        #expect(found.first { $0.message.contains("'password'") }.map { ($0.line, $0.column) }.map { $0 == Self.position(of: "hunter2", in: yaml)! } == true)
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let yaml = ShippingFixtures.testpost
            .replacingOccurrences(of: "label_size: 4x6in", with: "label_size: B5")
            .replacingOccurrences(of: "currency: COP", with: "currency: pesos")
            .replacingOccurrences(of: "check_digit: mod11", with: "check_digit: crc")
        #expect(ShippingFixtures.diagnostics(yaml).count == 3)
    }

    static func position(of marker: String, in text: String) -> (Int, Int)? {
        guard let range = text.range(of: marker) else { return nil }
        let before = text[..<range.lowerBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let column = before.distance(from: before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex, to: before.endIndex) + 1
        return (line, column)
    }
}
