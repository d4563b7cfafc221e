import Foundation
import MuelleCore

/// Everything printed on a shipment's labels: the request, and per parcel its tracking number and URL.
public struct ShipmentLabel: Sendable, Equatable {
    /// One parcel's label: "2/3", its own tracking number and barcode.
    public struct ParcelLabel: Sendable, Equatable {
        /// 1-based.
        public var number: Int
        public var count: Int
        public var trackingNumber: String
        public var trackingURL: String
        public var parcel: Parcel

        /// "2/3"
        public var counter: String { "\(number)/\(count)" }
    }

    public var request: ShipmentRequest
    public var parcels: [ParcelLabel]
    public var size: LabelSize

    /// Labels for `request`, one per parcel, with the numbers allocated for it (one per parcel, in order).
    public init(request: ShipmentRequest, trackingNumbers: [String], profile: CarrierProfile) throws {
        guard trackingNumbers.count == request.parcels.count, !trackingNumbers.isEmpty else {
            throw MuelleError(.badValue, "shipment \(request.id) has \(request.parcels.count) parcels but \(trackingNumbers.count) tracking numbers; each parcel needs its own")
        }
        self.request = request
        self.size = profile.labelSize
        self.parcels = zip(trackingNumbers, request.parcels).enumerated().map { index, pair in
            ParcelLabel(number: index + 1, count: trackingNumbers.count, trackingNumber: pair.0,
                        trackingURL: profile.trackingURL(for: pair.0), parcel: pair.1)
        }
    }

    /// The first parcel's number: the one sent back to the marketplace for the whole shipment.
    public var trackingNumber: String { parcels.first?.trackingNumber ?? "" }
    public var trackingURL: String { parcels.first?.trackingURL ?? "" }

    static let keys = KeyTable(["kind", "shipment", "reference", "carrier", "carrier_name", "service", "tracking_number",
                                "tracking_url", "file", "label_size", "parcels"])
    static let parcelKeys = KeyTable(["number", "tracking_number", "tracking_url"])

    /// The label record (`schemas/label.schema.json`) for the PDF written at `file` (relative to the workspace).
    public func record(file: String) -> Value {
        let parcelValues: [Value] = parcels.map {
            .object(ValueObject(keys: Self.parcelKeys, values: [.number(String($0.number)), .string($0.trackingNumber), .string($0.trackingURL)]))
        }
        return .object(ValueObject(keys: Self.keys, values: [
            .string("label"), .string(request.id), .string(request.reference), .string(request.carrier), .string(request.carrierName),
            .string(request.service.code), .string(trackingNumber), .string(trackingURL), .string(file), .string(size.name),
            .array(parcelValues),
        ]))
    }
}

/// The day's pickup list ("despacho"): one row per parcel, totals, and the driver's signature.
public struct PickupManifest: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var trackingNumber: String
        public var reference: String
        public var recipient: String
        public var city: String
        public var weightKg: Decimal
        /// The shipment's cash on delivery, on its first parcel's row only, so the column adds up.
        public var cashOnDelivery: Decimal?

        public init(trackingNumber: String, reference: String, recipient: String, city: String, weightKg: Decimal, cashOnDelivery: Decimal?) {
            self.trackingNumber = trackingNumber
            self.reference = reference
            self.recipient = recipient
            self.city = city
            self.weightKg = weightKg
            self.cashOnDelivery = cashOnDelivery
        }
    }

    public var carrierName: String
    public var agreement: Agreement
    /// The pickup date as printed (`2026-11-03`).
    public var date: String
    public var sender: PostalAddress?
    public var currency: String
    public var decimals: Int
    public var rows: [Row]
    /// Parcels handed over earlier whose order has since been cancelled or refunded: not to
    /// collect again, but to intercept. Listed apart so they never count as parcels to pick up.
    public var exceptions: [Exception] = []

    /// A shipment handed over earlier that the carrier must stop.
    public struct Exception: Sendable, Equatable {
        public var reference: String
        public var trackingNumbers: [String]
        /// The manifest it was handed over on; nil when the carrier reported it shipped without one.
        public var handedOverOn: String?
        /// What happened to the order, in words ("order cancelled at …").
        public var reason: String

        public init(reference: String, trackingNumbers: [String], handedOverOn: String?, reason: String) {
            self.reference = reference
            self.trackingNumbers = trackingNumbers
            self.handedOverOn = handedOverOn
            self.reason = reason
        }

        /// One line for the manifest's exception list.
        public var text: String {
            "\(reference) (\(trackingNumbers.joined(separator: ", "))): cancelled after handover, \(reason) — intercept"
        }
    }

    public init(carrierName: String, agreement: Agreement, date: String, sender: PostalAddress?, currency: String, decimals: Int, labels: [ShipmentLabel]) {
        self.carrierName = carrierName
        self.agreement = agreement
        self.date = date
        self.sender = sender
        self.currency = currency
        self.decimals = decimals
        self.rows = labels.flatMap { label in
            label.parcels.map { parcel in
                Row(trackingNumber: parcel.trackingNumber, reference: label.request.reference, recipient: label.request.recipient.name,
                    city: label.request.recipient.city, weightKg: parcel.parcel.weightKg,
                    cashOnDelivery: parcel.number == 1 ? label.request.cashOnDelivery : nil)
            }
        }
    }

    public var totalWeightKg: Decimal { rows.reduce(0) { $0 + $1.weightKg } }
    public var totalCashOnDelivery: Decimal { rows.reduce(0) { $0 + ($1.cashOnDelivery ?? 0) } }

    public func money(_ amount: Decimal) -> String { ExactDecimal.format(amount, scale: decimals) }
}
