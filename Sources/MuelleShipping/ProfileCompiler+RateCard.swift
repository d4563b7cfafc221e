import Foundation
import MuelleCore
import Yams

/// The `rate_card` section: zones, rates per service and zone, surcharges, cash-on-delivery fee.
extension ProfileCompiler {
    static let rateCardKeys = ["currency", "decimals", "weight_step", "volumetric_divisor", "basis", "minimum_charge",
                               "zones", "rates", "surcharges", "cash_on_delivery"]

    func compileRateCard(_ node: Node, services: [CarrierService]) -> RateCard? {
        guard let members = source.members(node, of: "rate_card", allowed: Self.rateCardKeys) else { return nil }
        func required(_ key: String) -> Node? { source.required(members, key, in: "rate_card", at: node) }
        let currency = required("currency").flatMap(currencyCode)
        let decimals = members["decimals"].map { member -> Int in
            guard let value = source.unsigned(member.value, "decimals"), value <= 4 else {
                source.error("decimals must be 0 to 4", at: member.value)
                return 2
            }
            return Int(value)
        } ?? ExactDecimal.minorUnits(of: currency)
        let step = members["weight_step"].map { source.decimal($0.value, "weight_step", positive: true) } ?? 1
        if let step, step < CarrierProfile.gram || CarrierProfile.roundedUp(step, step: CarrierProfile.gram) != step {
            source.error("weight_step must be a whole number of grams, such as 1, 0.5 or 0.1 (kg)", at: members["weight_step"]?.value)
        }
        let divisor = required("volumetric_divisor").flatMap { source.decimal($0, "volumetric_divisor", positive: true) }
        let basis = members["basis"].map { member -> RateBasis? in
            guard let text = source.text(member.value, "basis") else { return nil }
            guard let basis = RateBasis(rawValue: text) else {
                source.error("basis is parcel (each parcel priced on its own) or shipment (priced on the total weight)", at: member.value)
                return nil
            }
            return basis
        } ?? .parcel
        let minimum = members["minimum_charge"].flatMap { source.decimal($0.value, "minimum_charge") }
        let zones = required("zones").map(compileZones) ?? []
        let rates = required("rates").map { compileRates($0, services: services, zones: zones) } ?? [:]
        let surcharges = members["surcharges"].map { compileSurcharges($0.value, services: services, zones: zones) } ?? []
        let cashOnDelivery = members["cash_on_delivery"].flatMap { compileCashOnDelivery($0.value) }
        guard let currency, let step, let divisor, let basis else { return nil }
        return RateCard(currency: currency, decimals: decimals, weightStep: step, volumetricDivisor: divisor, basis: basis,
                        minimumCharge: minimum, zones: zones, rates: rates, surcharges: surcharges, cashOnDelivery: cashOnDelivery)
    }

    private func currencyCode(_ node: Node) -> String? {
        guard let text = source.text(node, "currency") else { return nil }
        guard text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            source.error("currency must be an ISO 4217 code such as COP or EUR", at: node)
            return nil
        }
        return text
    }

    private func compileZones(_ node: Node) -> [Zone] {
        guard let items = source.list(node, "zones") else { return [] }
        if items.isEmpty { source.error("zones must list at least one zone", at: node) }
        var zones: [Zone] = []
        let allowed = ["code", "name", "remote", "country", "regions", "postal_codes", "city_codes"]
        for item in items {
            guard let members = source.members(item, of: "a zone", allowed: allowed),
                  let code = source.required(members, "code", in: "a zone", at: item).flatMap({ source.text($0, "code") }) else { continue }
            if zones.contains(where: { $0.code == code }) { source.error("the zone code '\(code)' is used twice", at: members["code"]?.value) }
            let cityCodes = members["city_codes"].flatMap { source.texts($0.value, "city_codes") } ?? []
            for cityCode in cityCodes where cityCode.count > 8 || !cityCode.allSatisfy(\.isASCIIDigit) {
                source.error("city code '\(cityCode)' is not an 8-digit DANE code or a prefix of one (11001000 Bogotá, 05 Antioquia)", at: members["city_codes"]?.value)
            }
            let zone = Zone(code: code, name: members["name"].flatMap { source.text($0.value, "name") } ?? code,
                            remote: members["remote"].flatMap { source.bool($0.value, "remote") } ?? false,
                            country: members["country"].flatMap { countryCode($0.value, "country") },
                            regions: members["regions"].flatMap { source.texts($0.value, "regions") } ?? [],
                            postalPrefixes: members["postal_codes"].flatMap { source.texts($0.value, "postal_codes") } ?? [],
                            cityCodePrefixes: cityCodes)
            if zone.country == nil, zone.regions.isEmpty, zone.postalPrefixes.isEmpty, zone.cityCodePrefixes.isEmpty {
                source.error("the zone '\(code)' matches nothing: give it a country, regions, postal_codes or city_codes", at: item)
            }
            zones.append(zone)
        }
        return zones
    }

    private func compileRates(_ node: Node, services: [CarrierService], zones: [Zone]) -> [String: [String: ZoneRate]] {
        guard let servicePairs = source.pairs(node, "rates") else { return [:] }
        var rates: [String: [String: ZoneRate]] = [:]
        for servicePair in servicePairs {
            if !services.contains(where: { $0.code == servicePair.key }) {
                source.error("rates for service '\(servicePair.key)', which the profile's services do not list", at: servicePair.keyNode)
            }
            guard let zonePairs = source.pairs(servicePair.value, "rates of \(servicePair.key)") else { continue }
            var byZone: [String: ZoneRate] = [:]
            for zonePair in zonePairs {
                if !zones.contains(where: { $0.code == zonePair.key }) {
                    source.error("rates for zone '\(zonePair.key)', which the rate card's zones do not list", at: zonePair.keyNode)
                }
                byZone[zonePair.key] = compileZoneRate(zonePair.value, what: "\(servicePair.key)/\(zonePair.key)")
            }
            rates[servicePair.key] = byZone
        }
        for service in services where rates[service.code] == nil {
            source.error("the service '\(service.code)' has no rates", at: node)
        }
        return rates
    }

    private func compileZoneRate(_ node: Node, what: String) -> ZoneRate? {
        guard let members = source.members(node, of: "the rates of \(what)", allowed: ["brackets", "per_extra_kg"]),
              let bracketNodes = source.required(members, "brackets", in: "the rates of \(what)", at: node).flatMap({ source.list($0, "brackets") }) else { return nil }
        var brackets: [WeightBracket] = []
        for item in bracketNodes {
            guard let bracket = source.members(item, of: "a weight bracket", allowed: ["up_to", "price"]),
                  let upTo = source.required(bracket, "up_to", in: "a weight bracket", at: item).flatMap({ source.decimal($0, "up_to", positive: true) }),
                  let price = source.required(bracket, "price", in: "a weight bracket", at: item).flatMap({ source.decimal($0, "price") }) else { continue }
            if let previous = brackets.last, upTo <= previous.upToKg {
                source.error("brackets go up in weight: \(ExactDecimal.plain(upTo)) kg comes after \(ExactDecimal.plain(previous.upToKg)) kg", at: item)
            }
            brackets.append(WeightBracket(upToKg: upTo, price: price))
        }
        if brackets.isEmpty, bracketNodes.isEmpty { source.error("the rates of \(what) need at least one weight bracket", at: node) }
        return ZoneRate(brackets: brackets, perExtraKg: members["per_extra_kg"].flatMap { source.decimal($0.value, "per_extra_kg") })
    }

    private func compileSurcharges(_ node: Node, services: [CarrierService], zones: [Zone]) -> [Surcharge] {
        guard let items = source.list(node, "surcharges") else { return [] }
        let allowed = ["name", "fixed", "percent", "of", "minimum", "when"]
        return items.compactMap { item -> Surcharge? in
            guard let members = source.members(item, of: "a surcharge", allowed: allowed),
                  let name = source.required(members, "name", in: "a surcharge", at: item).flatMap({ source.text($0, "name") }) else { return nil }
            let amount: Surcharge.Amount
            switch (members["fixed"], members["percent"]) {
            case (let fixed?, nil):
                guard let value = source.decimal(fixed.value, "fixed") else { return nil }
                amount = .fixed(value)
            case (nil, let percent?):
                guard let value = source.decimal(percent.value, "percent") else { return nil }
                var base = Surcharge.PercentBase.freight
                if let of = members["of"] {
                    guard let text = source.text(of.value, "of"), let parsed = Surcharge.PercentBase(rawValue: text) else {
                        source.error("'of' is freight or declared_value", at: of.value)
                        return nil
                    }
                    base = parsed
                }
                amount = .percent(value, of: base)
            default:
                source.error("the surcharge '\(name)' needs exactly one of fixed (an amount) or percent", at: item)
                return nil
            }
            let condition = members["when"].map { compileCondition($0.value, services: services, zones: zones) } ?? Surcharge.Condition()
            return Surcharge(name: name, amount: amount, minimum: members["minimum"].flatMap { source.decimal($0.value, "minimum") }, condition: condition)
        }
    }

    private func compileCondition(_ node: Node, services: [CarrierService], zones: [Zone]) -> Surcharge.Condition {
        let allowed = ["remote_zone", "zones", "services", "parcel_over_kg"]
        guard let members = source.members(node, of: "a surcharge condition (when)", allowed: allowed) else { return Surcharge.Condition() }
        let zoneCodes = members["zones"].flatMap { source.texts($0.value, "zones") }
        for code in zoneCodes ?? [] where !zones.contains(where: { $0.code == code }) {
            source.error("the condition names zone '\(code)', which the rate card's zones do not list", at: members["zones"]?.value)
        }
        let serviceCodes = members["services"].flatMap { source.texts($0.value, "services") }
        for code in serviceCodes ?? [] where !services.contains(where: { $0.code == code }) {
            source.error("the condition names service '\(code)', which the profile's services do not list", at: members["services"]?.value)
        }
        return Surcharge.Condition(remoteZone: members["remote_zone"].flatMap { source.bool($0.value, "remote_zone") }, zones: zoneCodes,
                                   services: serviceCodes, parcelOverKg: members["parcel_over_kg"].flatMap { source.decimal($0.value, "parcel_over_kg", positive: true) })
    }

    private func compileCashOnDelivery(_ node: Node) -> CashOnDeliveryFee? {
        guard let members = source.members(node, of: "cash_on_delivery", allowed: ["percent", "minimum", "maximum_amount"]),
              let percent = source.required(members, "percent", in: "cash_on_delivery", at: node).flatMap({ source.decimal($0, "percent") }) else { return nil }
        return CashOnDeliveryFee(percent: percent, minimum: members["minimum"].flatMap { source.decimal($0.value, "minimum") },
                                 maximumAmount: members["maximum_amount"].flatMap { source.decimal($0.value, "maximum_amount", positive: true) })
    }
}
