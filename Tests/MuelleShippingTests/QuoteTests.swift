import Foundation
import Testing
import MuelleCore
@testable import MuelleShipping

/// Quotes against examples computed by hand from the rate cards (the arithmetic is in the comments).
@Suite struct QuoteTests {
    typealias F = ShippingFixtures
    let d = ShippingFixtures.d

    @Test func volumetricWeightBeatsActualWeight() throws {
        let profile = try F.testpostProfile()
        // Medellín → zone national. 40×30×30 = 36000 cm³ / 5000 = 7.2 kg volumetric > 2 kg actual;
        // rounded up to the 0.5 kg step: 7.5 kg → bracket "up to 10" = 25000. Above the 9000 minimum.
        let quote = try profile.quote(service: "std", destination: F.colombian("Medellín", "05001000"), parcels: [F.parcel("2", "40", "30", "30")])
        #expect(quote.zone == "national")
        #expect(quote.parcels.first?.volumetricKg == d("7.2"))
        #expect(quote.parcels.first?.volumetricWins == true)
        #expect(quote.chargeableKg == d("7.5"))
        #expect(quote.base == 25000)
        #expect(quote.minimumChargeAdjustment == 0)
        #expect(quote.surcharges.isEmpty)
        #expect(quote.total == 25000)
    }

    @Test func actualWeightBeatsVolumetricWeight() throws {
        let profile = try F.testpostProfile()
        // 20×20×10 = 4000 / 5000 = 0.8 kg < 3.2 kg actual → 3.5 kg → "up to 5" = 15000.
        let quote = try profile.quote(service: "std", destination: F.colombian("Medellín", "05001000"), parcels: [F.parcel("3.2", "20", "20", "10")])
        #expect(quote.parcels.first?.volumetricWins == false)
        #expect(quote.chargeableKg == d("3.5"))
        #expect(quote.total == 15000)
    }

    @Test func minimumChargeLiftsASmallFreight() throws {
        let profile = try F.testpostProfile()
        // Bogotá → local. 0.4 kg, 10×10×10 = 0.2 kg volumetric → 0.5 kg → "up to 1" = 8000;
        // the minimum charge is 9000, so 1000 is added: freight 9000.
        let quote = try profile.quote(service: "std", destination: F.colombian("Bogotá", "11001000"), parcels: [F.parcel("0.4", "10", "10", "10")])
        #expect(quote.base == 8000)
        #expect(quote.minimumChargeAdjustment == 1000)
        #expect(quote.freight == 9000)
        #expect(quote.total == 9000)
    }

    @Test func cashOnDeliveryFeeIsAPercentageWithAMinimum() throws {
        let profile = try F.testpostProfile()
        let medellin = F.colombian("Medellín", "05001000")
        let box = [F.parcel("1", "10", "10", "10")]   // 1 kg → "up to 1" = 10000
        // 250000 × 3 % = 7500, above the 4000 minimum → total 10000 + 7500 = 17500.
        let large = try profile.quote(service: "std", destination: medellin, parcels: box, cashOnDelivery: 250_000)
        #expect(large.cashOnDeliveryFee == 7500)
        #expect(large.total == 17500)
        // 50000 × 3 % = 1500, below the minimum → 4000 → total 14000.
        let small = try profile.quote(service: "std", destination: medellin, parcels: box, cashOnDelivery: 50_000)
        #expect(small.cashOnDeliveryFee == 4000)
        #expect(small.total == 14000)
        // More than the carrier collects (2 000 000) is refused.
        #expect(throws: MuelleError.self) { try profile.quote(service: "std", destination: medellin, parcels: box, cashOnDelivery: 2_500_000) }
    }

    @Test func remoteZoneSurcharge() throws {
        let profile = try F.testpostProfile()
        // Leticia (Amazonas, 91001000) → remote. 30×20×10 = 1.2 kg volumetric < 4 kg → "up to 5" = 30000;
        // remote surcharge 20 % × 30000 = 6000 → total 36000.
        let quote = try profile.quote(service: "std", destination: F.colombian("Leticia", "91001000"), parcels: [F.parcel("4", "30", "20", "10")])
        #expect(quote.zone == "remote")
        #expect(quote.surcharges == [.init(name: "Remote area", amount: 6000)])
        #expect(quote.total == 36000)
    }

    @Test func heavierThanTheLastBracketPaysPerStartedKg() throws {
        let profile = try F.testpostProfile()
        // Bogotá, 12.3 kg → 12.5 kg; last bracket "up to 10" = 20000, plus 2.5 started kg → 3 × 1500 = 4500:
        // 24500.
        let quote = try profile.quote(service: "std", destination: F.colombian("Bogotá", "11001000"), parcels: [F.parcel("12.3", "10", "10", "10")])
        #expect(quote.base == 24500)
        // Leticia has no per_extra_kg: 6 kg is above its heaviest bracket (5 kg).
        let error = #expect(throws: MuelleError.self) {
            try profile.quote(service: "std", destination: F.colombian("Leticia", "91001000"), parcels: [F.parcel("6", "10", "10", "10")])
        }
        #expect(error?.message.contains("above the heaviest bracket (5 kg)") == true)
    }

    @Test func overweightSurchargeIsChargedPerHeavyParcel() throws {
        let profile = try F.testpostProfile()
        // Medellín, 32 kg, 50×40×40 = 80000 / 5000 = 16 kg → 32 kg; 25000 + 22 × 2000 = 69000;
        // the 12 kg box is 12 kg → 25000 + 2 × 2000 = 29000. Base 98000; one parcel over 30 kg → +5000.
        let quote = try profile.quote(service: "std", destination: F.colombian("Medellín", "05001000"),
                                      parcels: [F.parcel("32", "50", "40", "40"), F.parcel("12", "30", "30", "30")])
        #expect(quote.parcels.map(\.freight) == [69000, 29000])
        #expect(quote.base == 98000)
        #expect(quote.surcharges == [.init(name: "Overweight", amount: 5000)])
        #expect(quote.total == 103_000)
    }

    @Test func coordinadoraPricesTheGuiaOnItsTotalWeight() throws {
        let profile = try F.repositoryProfile("coordinadora")
        // Medellín (05001000) → principal. Divisor 2500: 30×20×20 = 12000 / 2500 = 4.8 kg > 2 kg;
        // 20×20×10 = 4000 / 2500 = 1.6 kg > 1.5 kg. Basis shipment: 4.8 + 1.6 = 6.4 → 7 kg → "up to 8" = 27400.
        // Costo de manejo 1 % × 180000 declared = 1800 (above 1200). Recaudo 3 % × 180000 = 5400 (above 4500).
        // Total 27400 + 1800 + 5400 = 34600.
        let quote = try profile.quote(service: "paqueteria", destination: F.colombian("Medellín", "05001000"),
                                      parcels: [F.parcel("2", "30", "20", "20"), F.parcel("1.5", "20", "20", "10")],
                                      declaredValue: 180_000, cashOnDelivery: 180_000)
        #expect(quote.chargeableKg == 7)
        #expect(quote.base == 27400)
        #expect(quote.surcharges == [.init(name: "Costo de manejo", amount: 1800)])
        #expect(quote.cashOnDeliveryFee == 5400)
        #expect(quote.total == 34600)
        #expect(quote.money(quote.total) == "34600")
    }

    @Test func europeanCardRoundsToCents() throws {
        let profile = try F.repositoryProfile("eu-parcel")
        // Paris 75011 → fr. 30×20×15 = 9000 / 5000 = 1.8 kg > 1.2 kg → 2.0 kg → "up to 2" = 9.10;
        // fuel 8.5 % × 9.10 = 0.7735 → 0.77. Total 9.87.
        let paris = try profile.quote(service: "standard", destination: F.european("FR", "75011", "Paris"), parcels: [F.parcel("1.2", "30", "20", "15")])
        #expect(paris.base == d("9.10"))
        #expect(paris.surcharges == [.init(name: "Fuel surcharge", amount: d("0.77"))])
        #expect(paris.money(paris.total) == "9.87")
        // Ajaccio 20000 → fr_corse (remote). 0.6 kg volumetric < 0.8 kg → 1.0 kg → 11.90; remote 6.50;
        // fuel 8.5 % × 11.90 = 1.0115 → 1.01. Total 11.90 + 6.50 + 1.01 = 19.41.
        let corsica = try profile.quote(service: "standard", destination: F.european("FR", "20000", "Ajaccio"), parcels: [F.parcel("0.8", "20", "15", "10")])
        #expect(corsica.zone == "fr_corse")
        #expect(corsica.money(corsica.total) == "19.41")
        // Express does not go to Corsica.
        #expect(throws: MuelleError.self) {
            try profile.quote(service: "express", destination: F.european("FR", "20000", "Ajaccio"), parcels: [F.parcel("0.8", "20", "15", "10")])
        }
    }

    @Test func quotesListEveryServiceThatCanCarryCheapestFirst() throws {
        let profile = try F.repositoryProfile("eu-parcel")
        // Madrid 28014, 1 kg small box: standard 4.95 + fuel 0.42 (0.42075) = 5.37; express 7.90 + 0.67 (0.6715) = 8.57.
        let quotes = try profile.quotes(destination: F.european("ES", "28014", "Madrid"), parcels: [F.parcel("1", "20", "15", "10")])
        #expect(quotes.map(\.service) == ["standard", "express"])
        #expect(quotes.map { $0.money($0.total) } == ["5.37", "8.57"])
    }

    @Test func unshippableRequestsSayWhy() throws {
        let profile = try F.testpostProfile()
        let medellin = F.colombian("Medellín", "05001000")
        let tooHeavy = #expect(throws: MuelleError.self) { try profile.quote(service: "std", destination: medellin, parcels: [F.parcel("41", "10", "10", "10")]) }
        #expect(tooHeavy?.message == "parcel 1 weighs 41 kg; Testpost takes at most 40 kg per parcel")
        let unknown = #expect(throws: MuelleError.self) { try profile.quote(service: "express", destination: medellin, parcels: [F.parcel("1", "10", "10", "10")]) }
        #expect(unknown?.message.contains("has no service 'express'") == true)
        let abroad = F.european("ES", "28014", "Madrid")
        let noZone = #expect(throws: MuelleError.self) { try profile.quote(service: "std", destination: abroad, parcels: [F.parcel("1", "10", "10", "10")]) }
        #expect(noZone?.code == .notShippable)
        #expect(throws: MuelleError.self) { try profile.quote(service: "std", destination: medellin, parcels: []) }
    }

    @Test func breakdownJSONWritesMoneyAsStrings() throws {
        let profile = try F.testpostProfile()
        let quote = try profile.quote(service: "std", destination: F.colombian("Leticia", "91001000"), parcels: [F.parcel("4", "30", "20", "10")], cashOnDelivery: 100_000)
        #expect(JSONText.compact(quote.value) == """
            {"carrier":"testpost","service":"std","zone":"remote","currency":"COP","chargeable_kg":4,"parcels":[{"actual_kg":4,"volumetric_kg":1.2,"chargeable_kg":4,"freight":"30000"}],"base":"30000","minimum_charge_adjustment":"0","surcharges":[{"name":"Remote area","amount":"6000"}],"cash_on_delivery_fee":"4000","total":"40000"}
            """)
    }
}
