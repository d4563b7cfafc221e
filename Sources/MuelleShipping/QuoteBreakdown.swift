import Foundation
import MuelleCore

/// One box of a shipment: actual weight in kg, outer dimensions in cm.
public struct Parcel: Sendable, Equatable {
    public var weightKg: Decimal
    public var lengthCm: Decimal
    public var widthCm: Decimal
    public var heightCm: Decimal
    /// The merchant's reference for this box, when it has one.
    public var reference: String?

    public init(weightKg: Decimal, lengthCm: Decimal, widthCm: Decimal, heightCm: Decimal, reference: String? = nil) {
        self.weightKg = weightKg
        self.lengthCm = lengthCm
        self.widthCm = widthCm
        self.heightCm = heightCm
        self.reference = reference
    }

    static let keys = KeyTable(["weight_kg", "length_cm", "width_cm", "height_cm", "reference"])

    public var value: Value {
        .object(ValueObject(keys: Self.keys, values: [
            .number(ExactDecimal.plain(weightKg)), .number(ExactDecimal.plain(lengthCm)), .number(ExactDecimal.plain(widthCm)),
            .number(ExactDecimal.plain(heightCm)), reference.map(Value.string) ?? .null,
        ]))
    }
}

/// A price for one service with every component, so a merchant can check it against the carrier's invoice.
public struct QuoteBreakdown: Sendable, Equatable {
    /// How each parcel's weight was counted.
    public struct ParcelWeight: Sendable, Equatable {
        public var actualKg: Decimal
        /// length × width × height / divisor, rounded up to the gram.
        public var volumetricKg: Decimal
        /// The larger of the two; rounded up to the card's step when the card prices parcel by parcel.
        public var chargeableKg: Decimal
        /// The freight of this parcel alone (cards priced per parcel), else nil.
        public var freight: Decimal?

        public var volumetricWins: Bool { volumetricKg > actualKg }
    }

    public struct SurchargeLine: Sendable, Equatable {
        public var name: String
        public var amount: Decimal
    }

    public var carrier: String
    public var service: String
    public var zone: String
    public var currency: String
    /// Fraction digits of every amount.
    public var decimals: Int
    public var parcels: [ParcelWeight]
    /// The weight the freight was looked up for (the sum over parcels when priced per parcel).
    public var chargeableKg: Decimal
    /// The freight from the weight brackets.
    public var base: Decimal
    /// What was added to reach the minimum charge (zero when the base is above it).
    public var minimumChargeAdjustment: Decimal
    public var surcharges: [SurchargeLine]
    public var cashOnDeliveryFee: Decimal
    public var total: Decimal

    /// The freight after the minimum charge, before surcharges.
    public var freight: Decimal { base + minimumChargeAdjustment }

    static let keys = KeyTable(["carrier", "service", "zone", "currency", "chargeable_kg", "parcels", "base",
                                "minimum_charge_adjustment", "surcharges", "cash_on_delivery_fee", "total"])
    static let parcelKeys = KeyTable(["actual_kg", "volumetric_kg", "chargeable_kg", "freight"])
    static let surchargeKeys = KeyTable(["name", "amount"])

    /// Amounts as text in the currency's decimals ("12900", "7.45").
    public func money(_ amount: Decimal) -> String { ExactDecimal.format(amount, scale: decimals) }

    /// The breakdown as JSON; money as strings, weights as exact numbers.
    public var value: Value {
        let parcelValues: [Value] = parcels.map { parcel in
            .object(ValueObject(keys: Self.parcelKeys, values: [
                .number(ExactDecimal.plain(parcel.actualKg)), .number(ExactDecimal.plain(parcel.volumetricKg)),
                .number(ExactDecimal.plain(parcel.chargeableKg)), parcel.freight.map { .string(money($0)) } ?? .null,
            ]))
        }
        let surchargeValues: [Value] = surcharges.map {
            .object(ValueObject(keys: Self.surchargeKeys, values: [.string($0.name), .string(money($0.amount))]))
        }
        return .object(ValueObject(keys: Self.keys, values: [
            .string(carrier), .string(service), .string(zone), .string(currency), .number(ExactDecimal.plain(chargeableKg)),
            .array(parcelValues), .string(money(base)), .string(money(minimumChargeAdjustment)), .array(surchargeValues),
            .string(money(cashOnDeliveryFee)), .string(money(total)),
        ]))
    }
}
