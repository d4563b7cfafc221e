import Foundation

/// A carrier's prices for this merchant: zones, weight brackets per service and zone, volumetric
/// divisor, minimum charge, surcharges and the cash-on-delivery fee. Money is `Decimal` in `currency`.
public struct RateCard: Sendable, Equatable {
    /// ISO 4217.
    public var currency: String
    /// Fraction digits of every amount (COP is quoted in whole pesos: 0).
    public var decimals: Int
    /// Chargeable weight is rounded up to a multiple of this (kg): 0.5 → 1.2 kg is charged as 1.5 kg.
    public var weightStep: Decimal
    /// cm³ per kg: volumetric weight = length × width × height / divisor (5000 is common in Europe).
    public var volumetricDivisor: Decimal
    public var basis: RateBasis
    /// The freight is never less than this.
    public var minimumCharge: Decimal?
    /// Tried in order; the first that matches the destination wins.
    public var zones: [Zone]
    /// Service code → zone code → brackets.
    public var rates: [String: [String: ZoneRate]]
    public var surcharges: [Surcharge]
    public var cashOnDelivery: CashOnDeliveryFee?

    public init(currency: String, decimals: Int, weightStep: Decimal, volumetricDivisor: Decimal, basis: RateBasis,
                minimumCharge: Decimal?, zones: [Zone], rates: [String: [String: ZoneRate]], surcharges: [Surcharge],
                cashOnDelivery: CashOnDeliveryFee?) {
        self.currency = currency
        self.decimals = decimals
        self.weightStep = weightStep
        self.volumetricDivisor = volumetricDivisor
        self.basis = basis
        self.minimumCharge = minimumCharge
        self.zones = zones
        self.rates = rates
        self.surcharges = surcharges
        self.cashOnDelivery = cashOnDelivery
    }

    /// The first zone covering `destination`, in the card's order.
    public func zone(for destination: PostalAddress) -> Zone? {
        zones.first { $0.matches(destination) }
    }
}

/// Whether a multi-parcel shipment is priced parcel by parcel or on its total weight.
public enum RateBasis: String, Sendable, CaseIterable {
    /// Each parcel's chargeable weight is rounded up and priced on its own; the prices add up.
    case parcel
    /// The parcels' chargeable weights are added, rounded up once and priced together
    /// (Colombian carriers' "peso liquidado" of the guía).
    case shipment
}

/// A destination area with one price list.
public struct Zone: Sendable, Equatable {
    public var code: String
    public var name: String
    /// Remote or hard-to-reach zones carry the `remote_zone` surcharges.
    public var remote: Bool
    /// ISO 3166-1 alpha-2; nil matches any country.
    public var country: String?
    /// Regions (province, state, department codes), exactly.
    public var regions: [String]
    /// Postal-code prefixes ("28" for Madrid, "75" for Paris).
    public var postalPrefixes: [String]
    /// Carrier city-code prefixes: 8-digit DANE codes ("11001000" Bogotá, "05" all of Antioquia).
    public var cityCodePrefixes: [String]

    public init(code: String, name: String, remote: Bool = false, country: String? = nil, regions: [String] = [],
                postalPrefixes: [String] = [], cityCodePrefixes: [String] = []) {
        self.code = code
        self.name = name
        self.remote = remote
        self.country = country
        self.regions = regions
        self.postalPrefixes = postalPrefixes
        self.cityCodePrefixes = cityCodePrefixes
    }

    /// Every condition the zone states must hold; a zone with only `country` covers the whole country.
    public func matches(_ destination: PostalAddress) -> Bool {
        if let country, country != destination.country.uppercased() { return false }
        if !regions.isEmpty {
            guard let region = destination.region?.uppercased(), regions.contains(where: { $0.uppercased() == region }) else { return false }
        }
        if !postalPrefixes.isEmpty {
            let postal = (destination.postalCode ?? "").replacingOccurrences(of: " ", with: "").uppercased()
            guard postalPrefixes.contains(where: { postal.hasPrefix($0.uppercased()) }) else { return false }
        }
        if !cityCodePrefixes.isEmpty {
            guard let cityCode = destination.cityCode, cityCodePrefixes.contains(where: { cityCode.hasPrefix($0) }) else { return false }
        }
        return true
    }
}

/// The prices of one service in one zone.
public struct ZoneRate: Sendable, Equatable {
    /// Ascending by `upToKg`.
    public var brackets: [WeightBracket]
    /// Price of each started kg above the last bracket; nil: heavier parcels are not carried at this rate.
    public var perExtraKg: Decimal?

    public init(brackets: [WeightBracket], perExtraKg: Decimal? = nil) {
        self.brackets = brackets
        self.perExtraKg = perExtraKg
    }
}

/// Up to and including `upToKg` chargeable kg, the freight is `price`.
public struct WeightBracket: Sendable, Equatable {
    public var upToKg: Decimal
    public var price: Decimal

    public init(upToKg: Decimal, price: Decimal) {
        self.upToKg = upToKg
        self.price = price
    }
}

/// An extra charge: a fixed amount or a percentage, when its condition holds.
public struct Surcharge: Sendable, Equatable {
    public enum Amount: Sendable, Equatable {
        case fixed(Decimal)
        /// Percent (20 means 20 %) of the freight or of the declared value.
        case percent(Decimal, of: PercentBase)
    }

    public enum PercentBase: String, Sendable, CaseIterable {
        /// The freight after the minimum charge.
        case freight
        /// The shipment's declared value (insurance, Colombian "costo de manejo").
        case declaredValue = "declared_value"
    }

    /// When it applies; all stated conditions must hold, none stated means always.
    public struct Condition: Sendable, Equatable {
        public var remoteZone: Bool?
        public var zones: [String]?
        public var services: [String]?
        /// Applies per parcel heavier than this (actual kg); a fixed amount is charged per such parcel.
        public var parcelOverKg: Decimal?

        public init(remoteZone: Bool? = nil, zones: [String]? = nil, services: [String]? = nil, parcelOverKg: Decimal? = nil) {
            self.remoteZone = remoteZone
            self.zones = zones
            self.services = services
            self.parcelOverKg = parcelOverKg
        }
    }

    public var name: String
    public var amount: Amount
    /// The surcharge is never less than this (for percentages).
    public var minimum: Decimal?
    public var condition: Condition

    public init(name: String, amount: Amount, minimum: Decimal? = nil, condition: Condition = Condition()) {
        self.name = name
        self.amount = amount
        self.minimum = minimum
        self.condition = condition
    }
}

/// The fee for collecting cash on delivery ("recaudo"): a percentage of the amount collected, with a minimum.
public struct CashOnDeliveryFee: Sendable, Equatable {
    public var percent: Decimal
    public var minimum: Decimal?
    /// The most the carrier collects per shipment.
    public var maximumAmount: Decimal?

    public init(percent: Decimal, minimum: Decimal? = nil, maximumAmount: Decimal? = nil) {
        self.percent = percent
        self.minimum = minimum
        self.maximumAmount = maximumAmount
    }
}
