import Foundation
import MuelleCore

/// What muelle asks a carrier to carry for one order: who, where, which boxes, under which
/// agreement and service, and what it was quoted. Written to `outbox/shipments/` as JSON.
public struct ShipmentRequest: Sendable, Equatable {
    /// The carrier profile's code (`coordinadora`).
    public var carrier: String
    /// The carrier's name as labels print it.
    public var carrierName: String
    public var service: CarrierService
    public var agreement: Agreement
    /// The muelle order id the shipment is for (`shopify:main:5001`); carriers echo it back in events.
    public var reference: String
    public var sender: PostalAddress
    public var recipient: PostalAddress
    public var parcels: [Parcel]
    /// ISO 4217 of every amount (the rate card's).
    public var currency: String
    /// Fraction digits amounts are written with.
    public var decimals: Int
    public var declaredValue: Decimal?
    /// The amount the carrier collects from the recipient; nil when the order is paid.
    public var cashOnDelivery: Decimal?
    /// What is inside, as the carrier's `contenido`.
    public var contents: String?
    public var quote: QuoteBreakdown?

    public init(carrier: String, carrierName: String, service: CarrierService, agreement: Agreement, reference: String,
                sender: PostalAddress, recipient: PostalAddress, parcels: [Parcel], currency: String, decimals: Int,
                declaredValue: Decimal? = nil, cashOnDelivery: Decimal? = nil, contents: String? = nil, quote: QuoteBreakdown? = nil) {
        self.carrier = carrier
        self.carrierName = carrierName
        self.service = service
        self.agreement = agreement
        self.reference = reference
        self.sender = sender
        self.recipient = recipient
        self.parcels = parcels
        self.currency = currency
        self.decimals = decimals
        self.declaredValue = declaredValue
        self.cashOnDelivery = cashOnDelivery
        self.contents = contents
        self.quote = quote
    }

    /// `carrier:reference`: one shipment request per order and carrier, so a redo replaces it.
    public var id: String { "\(carrier):\(reference)" }

    /// Total actual weight of the parcels, kg.
    public var totalWeightKg: Decimal { parcels.reduce(0) { $0 + $1.weightKg } }

    public func money(_ amount: Decimal) -> String { ExactDecimal.format(amount, scale: decimals) }

    static let keys = KeyTable(["kind", "id", "carrier", "carrier_name", "service", "agreement", "reference", "sender", "recipient",
                                "parcels", "currency", "declared_value", "cash_on_delivery", "contents", "quote"])

    /// The request as JSON (`schemas/shipment-request.schema.json`): money as strings, weights and sizes as numbers.
    public var value: Value {
        .object(ValueObject(keys: Self.keys, values: [
            .string("shipment_request"), .string(id), .string(carrier), .string(carrierName), service.value, agreement.value,
            .string(reference), sender.value, recipient.value, .array(parcels.map(\.value)), .string(currency),
            declaredValue.map { .string(money($0)) } ?? .null, cashOnDelivery.map { .string(money($0)) } ?? .null,
            contents.map(Value.string) ?? .null, quote?.value ?? .null,
        ]))
    }
}

extension CarrierProfile {
    /// A shipment request under an agreement of this profile, quoted from its rate card.
    /// - Parameters:
    ///   - agreement: the agreement's name; nil takes the first.
    ///   - sender: a sender id of the profile; nil takes the first.
    public func shipmentRequest(reference: String, service serviceCode: String, agreement agreementName: String? = nil,
                                sender senderID: String? = nil, recipient: PostalAddress, parcels: [Parcel],
                                declaredValue: Decimal? = nil, cashOnDelivery: Decimal? = nil, contents: String? = nil) throws -> ShipmentRequest {
        let service = try service(serviceCode)
        let agreement = try agreement(agreementName)
        if let allowed = agreement.services, !allowed.contains(service.code) {
            throw MuelleError(.notShippable, "agreement \(agreement.name) of \(name) does not include service \(service.code); it has \(allowed.joined(separator: ", "))")
        }
        let sender = try sender(senderID)
        let quote = try quote(service: service.code, destination: recipient, parcels: parcels, declaredValue: declaredValue, cashOnDelivery: cashOnDelivery)
        return ShipmentRequest(carrier: code, carrierName: name, service: service, agreement: agreement, reference: reference,
                               sender: sender.address, recipient: recipient, parcels: parcels, currency: rateCard.currency,
                               decimals: rateCard.decimals, declaredValue: declaredValue, cashOnDelivery: cashOnDelivery,
                               contents: contents, quote: quote)
    }
}
