import Foundation
import MuelleCore

/// A sender or recipient as carriers need it; names and streets are full UTF-8.
public struct PostalAddress: Sendable, Equatable {
    public var name: String
    public var company: String?
    /// Tax id (a Colombian NIT or cédula for `nit_destinatario`), when the carrier asks for one.
    public var taxID: String?
    public var line1: String
    public var line2: String?
    public var city: String
    /// The carrier's city code: in Colombia the 8-digit DANE code (Bogotá 11001000).
    public var cityCode: String?
    public var region: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var phone: String?
    public var email: String?

    public init(name: String, company: String? = nil, taxID: String? = nil, line1: String, line2: String? = nil,
                city: String, cityCode: String? = nil, region: String? = nil, postalCode: String? = nil,
                country: String, phone: String? = nil, email: String? = nil) {
        self.name = name
        self.company = company
        self.taxID = taxID
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.cityCode = cityCode
        self.region = region
        self.postalCode = postalCode
        self.country = country
        self.phone = phone
        self.email = email
    }

    static let keys = KeyTable(["name", "company", "tax_id", "line1", "line2", "city", "city_code", "region", "postal_code", "country", "phone", "email"])

    /// The address as JSON (`null` for what it lacks).
    public var value: Value {
        func text(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        return .object(ValueObject(keys: Self.keys, values: [
            .string(name), text(company), text(taxID), .string(line1), text(line2), .string(city),
            text(cityCode), text(region), text(postalCode), .string(country), text(phone), text(email),
        ]))
    }

    /// "28014 Madrid M" or "Bogotá D.C." — the city line as printed on labels (a region equal to the city is left out).
    public var cityLine: String {
        let regionShown = region.flatMap { $0.caseInsensitiveCompare(city) == .orderedSame ? nil : $0 }
        return [postalCode, city, regionShown].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The recipient of a normalised order: its `shipping_address`, with the customer's tax id and email.
    /// A `city_code` member (a DANE code a mapping added) is kept. Nil without name, line1, city and country.
    public init?(orderAddress address: Value, customer: Value? = nil) {
        func text(_ value: Value?) -> String? {
            guard let text = value?.text, !Value.isBlank(text) else { return nil }
            return text.trimmingCharacters(in: .whitespaces)
        }
        guard let name = text(address["name"]), let line1 = text(address["line1"]), let city = text(address["city"]),
              let country = text(address["country"]) else { return nil }
        self.init(name: name, company: text(address["company"]), taxID: text(customer?["tax_id"]), line1: line1,
                  line2: text(address["line2"]), city: city, cityCode: text(address["city_code"]), region: text(address["region"]),
                  postalCode: text(address["postal_code"]), country: country,
                  phone: text(address["phone"]) ?? text(customer?["phone"]), email: text(customer?["email"]))
    }
}
