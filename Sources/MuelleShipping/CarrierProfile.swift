import Foundation
import MuelleCore

/// A carrier as one merchant's contract with it describes it (`mappings/carriers/<code>.yaml`):
/// accounts, secret references, agreements, services, senders, labels, tracking numbers, rates.
public struct CarrierProfile: Sendable {
    /// The file's name without extension (`coordinadora`): how routes and the ledger name the carrier.
    public var code: String
    /// The carrier's name as printed on labels and sent back to marketplaces.
    public var name: String
    /// The file as messages name it (`mappings/carriers/coordinadora.yaml`).
    public var file: String
    /// ISO 3166-1 alpha-2 of the carrier's network, when it is national.
    public var country: String?
    public var account: CarrierAccount
    /// Credentials by name (`password`, `api_key`), each only a reference.
    public var secrets: [String: SecretReference]
    public var agreements: [Agreement]
    public var services: [CarrierService]
    public var senders: [Sender]
    /// `https://carrier.example/track?code={tracking_number}`
    public var trackingURLTemplate: String
    public var labelSize: LabelSize
    /// Prefix, check digit and the default range; agreements may have their own range.
    public var trackingNumbers: TrackingNumberScheme?
    public var rateCard: RateCard
    public var maxParcelWeightKg: Decimal?
    /// When the day's manifest closes by itself while `muelle run` watches.
    public var pickupCutoff: PickupCutoff?

    /// The service with this code, or an error listing the ones there are.
    public func service(_ code: String) throws -> CarrierService {
        guard let service = services.first(where: { $0.code == code }) else {
            throw MuelleError(.notShippable, "\(name) has no service '\(code)' in \(file); services are \(services.map(\.code).joined(separator: ", "))")
        }
        return service
    }

    /// The agreement with this name (nil: the first one, the usual single-agreement case).
    public func agreement(_ name: String?) throws -> Agreement {
        guard let name else {
            guard let first = agreements.first else { throw MuelleError(.configuration, "\(file) has no agreement") }
            return first
        }
        guard let agreement = agreements.first(where: { $0.name == name }) else {
            throw MuelleError(.notShippable, "\(self.name) has no agreement '\(name)' in \(file); agreements are \(agreements.map(\.name).joined(separator: ", "))")
        }
        return agreement
    }

    /// The sender with this id (nil: the first one).
    public func sender(_ id: String?) throws -> Sender {
        guard let sender = id.map({ id in senders.first { $0.id == id } }) ?? senders.first else {
            throw MuelleError(.notShippable, "\(file) has no sender '\(id ?? "")'; senders are \(senders.map(\.id).joined(separator: ", "))")
        }
        return sender
    }

    /// The agreement's tracking-number scheme: the profile's prefix and check digit, its own range if it has one.
    public func trackingScheme(for agreement: Agreement) throws -> TrackingNumberScheme {
        guard var scheme = trackingNumbers else {
            throw MuelleError(.configuration, "\(file) has no tracking_numbers section, so muelle cannot number \(name) shipments itself")
        }
        if let range = agreement.trackingRange {
            scheme.first = range.lowerBound
            scheme.last = range.upperBound
        }
        return scheme
    }

    /// An allocator for the agreement, continuing after the last serial the ledger recorded.
    public func trackingAllocator(for agreement: Agreement, lastSerial: UInt64?) throws -> TrackingNumberAllocator {
        TrackingNumberAllocator(scheme: try trackingScheme(for: agreement), agreement: agreement.name, profileFile: file, lastSerial: lastSerial)
    }

    /// The public tracking page of a parcel.
    public func trackingURL(for trackingNumber: String) -> String {
        let encoded = trackingNumber.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))) ?? trackingNumber
        return trackingURLTemplate.replacingOccurrences(of: "{tracking_number}", with: encoded)
    }
}

/// The identifiers the carrier gave the merchant's account, in the profile's order.
public struct CarrierAccount: Sendable, Equatable {
    /// Pairs such as `("tax_id", "900123456-7")`, `("user", "tienda.ws")`.
    public var identifiers: [(key: String, value: String)]

    public init(identifiers: [(key: String, value: String)]) { self.identifiers = identifiers }

    public subscript(key: String) -> String? { identifiers.first { $0.key == key }?.value }

    /// The merchant's tax id (a Colombian NIT with its DV, a European VAT number).
    public var taxID: String? { self["tax_id"] }
    /// The web-service user.
    public var user: String? { self["user"] }

    public static func == (lhs: CarrierAccount, rhs: CarrierAccount) -> Bool {
        lhs.identifiers.map(\.key) == rhs.identifiers.map(\.key) && lhs.identifiers.map(\.value) == rhs.identifiers.map(\.value)
    }
}

/// A contract line with the carrier: the client id, division and name it is known by.
public struct Agreement: Sendable, Equatable {
    public var name: String
    /// `id_cliente` at Coordinadora.
    public var clientID: String
    /// `div`: the client's division (branch, cost centre).
    public var division: String?
    /// `codigo_cuenta`: the account type (credit, cash, cash on delivery).
    public var accountCode: String?
    /// Services this agreement may use; nil: all of the profile's.
    public var services: [String]?
    /// The serials the carrier allocated to this agreement, when it differs from the profile's.
    public var trackingRange: ClosedRange<UInt64>?

    public init(name: String, clientID: String, division: String? = nil, accountCode: String? = nil,
                services: [String]? = nil, trackingRange: ClosedRange<UInt64>? = nil) {
        self.name = name
        self.clientID = clientID
        self.division = division
        self.accountCode = accountCode
        self.services = services
        self.trackingRange = trackingRange
    }

    static let keys = KeyTable(["name", "client_id", "division", "account_code"])

    public var value: Value {
        .object(ValueObject(keys: Self.keys, values: [.string(name), .string(clientID), division.map(Value.string) ?? .null, accountCode.map(Value.string) ?? .null]))
    }
}

/// A product the carrier sells (`codigo_producto` and `nivel_servicio` at Coordinadora).
public struct CarrierService: Sendable, Equatable {
    /// muelle's key for the service: routes, rate tables and requests name it.
    public var code: String
    public var name: String
    /// The carrier's service level.
    public var level: String?
    /// The carrier's own product code, when it differs from `code`.
    public var productCode: String?

    public init(code: String, name: String, level: String? = nil, productCode: String? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.productCode = productCode
    }

    static let keys = KeyTable(["code", "name", "level", "product_code"])

    public var value: Value {
        .object(ValueObject(keys: Self.keys, values: [.string(code), .string(name), level.map(Value.string) ?? .null, productCode.map(Value.string) ?? .null]))
    }
}

/// A pickup address of the merchant (a warehouse), with the id routes refer to it by.
public struct Sender: Sendable, Equatable {
    public var id: String
    public var address: PostalAddress

    public init(id: String, address: PostalAddress) {
        self.id = id
        self.address = address
    }
}

/// The carrier's daily cut-off: after it, the day's shipments are handed over on a manifest.
public struct PickupCutoff: Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    /// IANA zone of the cut-off time (the depot's local time).
    public var timeZone: String

    public init(hour: Int, minute: Int, timeZone: String) {
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
    }

    /// The local day (`yyyy-MM-dd`) at `date`, and whether the cut-off has passed on it.
    public func status(at date: Date) -> (day: String, passed: Bool) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let day = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return (day, now >= hour * 60 + minute)
    }
}
