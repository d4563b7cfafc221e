import Foundation
import MuelleCore
import MuelleMapping
@testable import MuelleShipping

/// Profiles and addresses the shipping tests share.
enum ShippingFixtures {
    /// Tests/MuelleShippingTests/ShippingFixtures.swift → the repository root.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func repositoryProfile(_ code: String) throws -> CarrierProfile {
        try CarrierProfileLoader.load(path: repository + "/mappings/carriers/\(code).yaml", displayName: "mappings/carriers/\(code).yaml")
    }

    /// A small card whose prices make hand computation easy (COP, whole pesos, half-kilo steps).
    static let testpost = """
        carrier: Testpost
        country: CO
        account: { tax_id: "800197268-4", user: demo }
        secrets:
          password: { env: TESTPOST_PASSWORD }
        agreements:
          - { name: Main, client_id: "100", division: "01", account_code: "2" }
        services:
          - { code: std, name: Standard, level: "1" }
        senders:
          - { id: home, name: Sender, line1: Calle 1, city: Bogotá, city_code: "11001000", country: CO }
        tracking_url: "https://t.example/track?code={tracking_number}"
        label_size: 4x6in
        tracking_numbers: { prefix: "", check_digit: mod11, range: { first: 7394000000, last: 7394999999 } }
        max_parcel_weight_kg: 40
        rate_card:
          currency: COP
          decimals: 0
          weight_step: 0.5
          volumetric_divisor: 5000
          basis: parcel
          minimum_charge: 9000
          zones:
            - { code: local, name: Bogotá, country: CO, city_codes: ["11001"] }
            - { code: remote, name: Amazonas, remote: true, country: CO, city_codes: ["91"] }
            - { code: national, name: Colombia, country: CO }
          rates:
            std:
              local:    { brackets: [{ up_to: 1, price: 8000 }, { up_to: 5, price: 12000 }, { up_to: 10, price: 20000 }], per_extra_kg: 1500 }
              remote:   { brackets: [{ up_to: 1, price: 20000 }, { up_to: 5, price: 30000 }] }
              national: { brackets: [{ up_to: 1, price: 10000 }, { up_to: 5, price: 15000 }, { up_to: 10, price: 25000 }], per_extra_kg: 2000 }
          surcharges:
            - { name: Remote area, percent: 20, when: { remote_zone: true } }
            - { name: Overweight, fixed: 5000, when: { parcel_over_kg: 30 } }
          cash_on_delivery: { percent: 3, minimum: 4000, maximum_amount: 2000000 }
        """

    static func testpostProfile() throws -> CarrierProfile {
        try CarrierProfileLoader.compile(yaml: testpost, code: "testpost", file: "mappings/carriers/testpost.yaml")
    }

    static func colombian(_ city: String, _ cityCode: String) -> PostalAddress {
        PostalAddress(name: "Ana Pérez", line1: "Carrera 7 # 71-21", city: city, cityCode: cityCode, country: "CO", phone: "+57 300 111 2233")
    }

    static func european(_ country: String, _ postalCode: String, _ city: String) -> PostalAddress {
        PostalAddress(name: "Jean Dupont", line1: "12 rue de la Paix", city: city, postalCode: postalCode, country: country)
    }

    /// Exact decimals from text, never through `Double`.
    static func d(_ text: String) -> Decimal {
        ExactDecimal.parse(text) ?? Decimal.nan
    }

    static func parcel(_ kg: String, _ l: String, _ w: String, _ h: String) -> Parcel {
        Parcel(weightKg: d(kg), lengthCm: d(l), widthCm: d(w), heightCm: d(h))
    }

    /// The diagnostics compiling `yaml` gives (empty when it compiles).
    static func diagnostics(_ yaml: String) -> [MappingDiagnostic] {
        do {
            _ = try CarrierProfileLoader.compile(yaml: yaml, code: "testpost", file: "mappings/carriers/testpost.yaml")
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics
        } catch {
            return [MappingDiagnostic(file: "?", line: 0, column: 0, message: "unexpected \(error)")]
        }
    }
}
