import Foundation
import MuelleCore

extension CarrierProfile {
    /// Prices a shipment with one service, from the rate card alone (no call to the carrier).
    ///
    /// Order of the computation, as carriers invoice it: chargeable weight (actual or volumetric, the
    /// larger, rounded up to the card's step) → bracket price → minimum charge → surcharges → COD fee.
    public func quote(service code: String, destination: PostalAddress, parcels: [Parcel],
                      declaredValue: Decimal? = nil, cashOnDelivery: Decimal? = nil) throws -> QuoteBreakdown {
        let service = try service(code)
        try check(parcels)
        let card = rateCard
        guard let zone = card.zone(for: destination) else {
            throw MuelleError(.notShippable, "no zone of \(name) covers \(destinationText(destination)); add one to the rate card in \(file)")
        }
        guard let rate = card.rates[service.code]?[zone.code] else {
            throw MuelleError(.notShippable, "\(name) has no rates for service \(service.code) in zone \(zone.code) (\(zone.name)) in \(file)")
        }

        var weights = parcels.map { parcel -> QuoteBreakdown.ParcelWeight in
            let volume = parcel.lengthCm * parcel.widthCm * parcel.heightCm
            let volumetric = Self.roundedUp(volume / card.volumetricDivisor, step: Self.gram)
            let heavier = max(parcel.weightKg, volumetric)
            return .init(actualKg: parcel.weightKg, volumetricKg: volumetric, chargeableKg: heavier, freight: nil)
        }
        var base: Decimal = 0
        let chargeable: Decimal
        switch card.basis {
        case .parcel:
            for index in weights.indices {
                weights[index].chargeableKg = Self.roundedUp(weights[index].chargeableKg, step: card.weightStep)
                let freight = try price(weights[index].chargeableKg, rate: rate, service: service.code, zone: zone)
                weights[index].freight = freight
                base += freight
            }
            chargeable = weights.reduce(0) { $0 + $1.chargeableKg }
        case .shipment:
            chargeable = Self.roundedUp(weights.reduce(0) { $0 + $1.chargeableKg }, step: card.weightStep)
            base = try price(chargeable, rate: rate, service: service.code, zone: zone)
        }

        let adjustment = max(0, (card.minimumCharge ?? 0) - base)
        let freight = base + adjustment
        let surcharges = card.surcharges.compactMap { surcharge in
            self.charge(surcharge, freight: freight, declaredValue: declaredValue, parcels: parcels, zone: zone, service: service.code)
        }
        let codFee = try cashOnDeliveryFee(cashOnDelivery)
        let total = freight + surcharges.reduce(0) { $0 + $1.amount } + codFee
        return QuoteBreakdown(carrier: self.code, service: service.code, zone: zone.code, currency: card.currency, decimals: card.decimals,
                              parcels: weights, chargeableKg: chargeable, base: base, minimumChargeAdjustment: adjustment,
                              surcharges: surcharges, cashOnDeliveryFee: codFee, total: total)
    }

    /// A quote per service that can carry the shipment (cheapest first); the first reason when none can.
    public func quotes(destination: PostalAddress, parcels: [Parcel], declaredValue: Decimal? = nil,
                       cashOnDelivery: Decimal? = nil) throws -> [QuoteBreakdown] {
        var quotes: [QuoteBreakdown] = []
        var firstProblem: Error?
        for service in services {
            do {
                quotes.append(try quote(service: service.code, destination: destination, parcels: parcels,
                                        declaredValue: declaredValue, cashOnDelivery: cashOnDelivery))
            } catch {
                firstProblem = firstProblem ?? error
            }
        }
        if quotes.isEmpty, let firstProblem { throw firstProblem }
        return quotes.sorted { $0.total < $1.total }
    }

    private func check(_ parcels: [Parcel]) throws {
        guard !parcels.isEmpty else { throw MuelleError(.notShippable, "a shipment needs at least one parcel") }
        for (index, parcel) in parcels.enumerated() {
            guard parcel.weightKg > 0, parcel.lengthCm > 0, parcel.widthCm > 0, parcel.heightCm > 0 else {
                throw MuelleError(.notShippable, "parcel \(index + 1) needs a weight (kg) and length, width and height (cm) above zero")
            }
            if let limit = maxParcelWeightKg, parcel.weightKg > limit {
                throw MuelleError(.notShippable, "parcel \(index + 1) weighs \(ExactDecimal.plain(parcel.weightKg)) kg; \(name) takes at most \(ExactDecimal.plain(limit)) kg per parcel")
            }
        }
    }

    /// The bracket price of `kg`; above the last bracket, each started kg costs `perExtraKg`.
    private func price(_ kg: Decimal, rate: ZoneRate, service: String, zone: Zone) throws -> Decimal {
        if let bracket = rate.brackets.first(where: { kg <= $0.upToKg }) { return bracket.price }
        guard let last = rate.brackets.last, let perExtraKg = rate.perExtraKg else {
            let heaviest = rate.brackets.last.map { ExactDecimal.plain($0.upToKg) } ?? "0"
            throw MuelleError(.notShippable, "\(ExactDecimal.plain(kg)) kg is above the heaviest bracket (\(heaviest) kg) of service \(service) in zone \(zone.code) of \(file)")
        }
        return last.price + Self.roundedUp(kg - last.upToKg, step: 1) * perExtraKg
    }

    private func charge(_ surcharge: Surcharge, freight: Decimal, declaredValue: Decimal?, parcels: [Parcel],
                        zone: Zone, service: String) -> QuoteBreakdown.SurchargeLine? {
        let condition = surcharge.condition
        if let remote = condition.remoteZone, remote != zone.remote { return nil }
        if let zones = condition.zones, !zones.contains(zone.code) { return nil }
        if let services = condition.services, !services.contains(service) { return nil }
        var times = 1
        if let limit = condition.parcelOverKg {
            times = parcels.filter { $0.weightKg > limit }.count
            guard times > 0 else { return nil }
        }
        var amount: Decimal
        switch surcharge.amount {
        case .fixed(let fixed):
            amount = fixed * Decimal(times)
        case .percent(let percent, of: .freight):
            amount = freight * percent / 100
        case .percent(let percent, of: .declaredValue):
            guard let declaredValue, declaredValue > 0 else { return nil }
            amount = declaredValue * percent / 100
        }
        amount = max(rounded(amount), surcharge.minimum ?? 0)
        return .init(name: surcharge.name, amount: amount)
    }

    private func cashOnDeliveryFee(_ amount: Decimal?) throws -> Decimal {
        guard let amount, amount > 0 else { return 0 }
        guard let fee = rateCard.cashOnDelivery else {
            throw MuelleError(.notShippable, "\(name) does not collect cash on delivery for this account: its rate card in \(file) has no cash_on_delivery fee")
        }
        if let maximum = fee.maximumAmount, amount > maximum {
            throw MuelleError(.notShippable, "\(name) collects at most \(ExactDecimal.format(maximum, scale: rateCard.decimals)) \(rateCard.currency) cash on delivery; this shipment asks for \(ExactDecimal.format(amount, scale: rateCard.decimals))")
        }
        return max(rounded(amount * fee.percent / 100), fee.minimum ?? 0)
    }

    /// Half away from zero to the card's decimals, as invoices round.
    private func rounded(_ amount: Decimal) -> Decimal {
        var input = amount
        var result = Decimal()
        NSDecimalRound(&result, &input, rateCard.decimals, .plain)
        return result
    }

    /// 0.001 kg: volumetric weights are kept to the gram.
    static let gram = Decimal(sign: .plus, exponent: -3, significand: 1)

    /// The smallest multiple of `step` not below `value` (positive values).
    static func roundedUp(_ value: Decimal, step: Decimal) -> Decimal {
        // Decimal division is exact to 38 digits: a true whole quotient stays whole, and a fractional
        // one with the few digits weights have cannot round onto a whole number.
        var steps = value / step
        var whole = Decimal()
        NSDecimalRound(&whole, &steps, 0, .up)
        return whole * step
    }

    private func destinationText(_ address: PostalAddress) -> String {
        [address.cityCode.map { "city code \($0)" }, address.postalCode.map { "postal code \($0)" }, address.region, address.city, address.country]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
