import Foundation
import MuelleCore
import Yams

/// Account, secrets, services, agreements, senders and tracking numbers of a profile.
extension ProfileCompiler {
    /// Keys that name a credential: their values belong under `secrets:` as references.
    static let secretLikeKeys = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "clave", "contrasena", "contraseña"]

    func compileAccount(_ node: Node?, country: String?) -> CarrierAccount {
        guard let node, let pairs = source.pairs(node, "account") else { return CarrierAccount(identifiers: []) }
        var identifiers: [(key: String, value: String)] = []
        for pair in pairs {
            if Self.secretLikeKeys.contains(where: { pair.key.lowercased().contains($0) }) {
                source.error("'\(pair.key)' looks like a credential: never write it in the profile; move it under secrets: as { env: VARIABLE } or { file: path }", at: pair.keyNode, quotingSource: false)
                continue
            }
            guard let value = source.text(pair.value, "account.\(pair.key)") else { continue }
            if pair.key == "tax_id", country == "CO", value.contains("-"), !ColombianNIT.isValid(value) {
                let nit = value.split(separator: "-").first.map(String.init) ?? value
                let expected = ColombianNIT.verificationDigit(for: nit.replacingOccurrences(of: ".", with: "")).map { ", expected \($0)" } ?? ""
                source.error("the NIT \(value) has a wrong verification digit (DV)\(expected)", at: pair.value)
            }
            identifiers.append((pair.key, value))
        }
        return CarrierAccount(identifiers: identifiers)
    }

    func compileSecrets(_ node: Node?) -> [String: SecretReference] {
        guard let node, let pairs = source.pairs(node, "secrets") else { return [:] }
        var secrets: [String: SecretReference] = [:]
        for pair in pairs {
            guard case .mapping = pair.value else {
                source.error("the secret '\(pair.key)' is written in the profile; profiles only say where it is: { env: VARIABLE } or { file: path }", at: pair.value, quotingSource: false)
                continue
            }
            guard let members = source.members(pair.value, of: "secret '\(pair.key)'", allowed: ["env", "file"]) else { continue }
            switch (members["env"], members["file"]) {
            case (let env?, nil):
                guard let name = source.text(env.value, "env") else { continue }
                guard name.first.map({ $0 == "_" || ($0.isASCII && $0.isLetter) }) == true,
                      name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                    source.error("'\(name)' is not an environment variable name (letters, digits and _)", at: env.value)
                    continue
                }
                secrets[pair.key] = .environment(name)
            case (nil, let file?):
                guard let path = source.text(file.value, "file") else { continue }
                secrets[pair.key] = .file(path)
            default:
                source.error("the secret '\(pair.key)' needs exactly one of env or file", at: pair.value)
            }
        }
        return secrets
    }

    func compileServices(_ node: Node) -> [CarrierService]? {
        guard let items = source.list(node, "services") else { return nil }
        var services: [CarrierService] = []
        for item in items {
            guard let members = source.members(item, of: "a service", allowed: ["code", "name", "level", "product_code"]) else { continue }
            guard let code = source.required(members, "code", in: "a service", at: item).flatMap({ source.text($0, "code") }),
                  let name = source.required(members, "name", in: "a service", at: item).flatMap({ source.text($0, "name") }) else { continue }
            if services.contains(where: { $0.code == code }) {
                source.error("the service code '\(code)' is used twice", at: members["code"]?.value)
                continue
            }
            services.append(CarrierService(code: code, name: name, level: members["level"].flatMap { source.text($0.value, "level") },
                                           productCode: members["product_code"].flatMap { source.text($0.value, "product_code") }))
        }
        if items.isEmpty { source.error("services must list at least one service", at: node) }
        return services
    }

    func compileAgreements(_ node: Node, services: [CarrierService]) -> [Agreement] {
        guard let items = source.list(node, "agreements") else { return [] }
        if items.isEmpty { source.error("agreements must list at least one agreement (client id, division, name)", at: node) }
        var agreements: [Agreement] = []
        let allowed = ["name", "client_id", "division", "account_code", "services", "tracking_range"]
        for item in items {
            guard let members = source.members(item, of: "an agreement", allowed: allowed) else { continue }
            guard let name = source.required(members, "name", in: "an agreement", at: item).flatMap({ source.text($0, "name") }),
                  let clientID = source.required(members, "client_id", in: "an agreement", at: item).flatMap({ source.text($0, "client_id") }) else { continue }
            if agreements.contains(where: { $0.name == name }) {
                source.error("the agreement name '\(name)' is used twice", at: members["name"]?.value)
            }
            let allowedServices = members["services"].flatMap { member -> [String]? in
                let codes = source.texts(member.value, "services")
                for code in codes ?? [] where !services.contains(where: { $0.code == code }) {
                    source.error("the agreement names service '\(code)', which the profile's services do not list", at: member.value)
                }
                return codes
            }
            agreements.append(Agreement(name: name, clientID: clientID, division: members["division"].flatMap { source.text($0.value, "division") },
                                        accountCode: members["account_code"].flatMap { source.text($0.value, "account_code") },
                                        services: allowedServices, trackingRange: members["tracking_range"].flatMap { range($0.value) }))
        }
        return agreements
    }

    func compileSenders(_ node: Node) -> [Sender] {
        guard let items = source.list(node, "senders") else { return [] }
        if items.isEmpty { source.error("senders must list at least one pickup address", at: node) }
        let allowed = ["id", "name", "company", "tax_id", "line1", "line2", "city", "city_code", "region", "postal_code", "country", "phone", "email"]
        return items.compactMap { item -> Sender? in
            guard let members = source.members(item, of: "a sender", allowed: allowed) else { return nil }
            func required(_ key: String) -> String? { source.required(members, key, in: "a sender", at: item).flatMap { source.text($0, key) } }
            func optional(_ key: String) -> String? { members[key].flatMap { source.text($0.value, key) } }
            guard let id = required("id"), let name = required("name"), let line1 = required("line1"), let city = required("city"),
                  let country = source.required(members, "country", in: "a sender", at: item).flatMap({ countryCode($0, "country") }) else { return nil }
            let cityCode = optional("city_code")
            if let cityCode, country == "CO", cityCode.count != 8 || !cityCode.allSatisfy(\.isASCIIDigit) {
                source.error("a Colombian city_code is the 8-digit DANE code with 000 at the end, such as 11001000 for Bogotá", at: members["city_code"]?.value)
            }
            return Sender(id: id, address: PostalAddress(
                name: name, company: optional("company"), taxID: optional("tax_id"), line1: line1, line2: optional("line2"), city: city,
                cityCode: cityCode, region: optional("region"), postalCode: optional("postal_code"), country: country,
                phone: optional("phone"), email: optional("email")))
        }
    }

    func compileTrackingNumbers(_ node: Node, agreements: [Agreement]) -> TrackingNumberScheme? {
        guard let members = source.members(node, of: "tracking_numbers", allowed: ["prefix", "check_digit", "range"]) else { return nil }
        let prefix = members["prefix"].map { member -> String in
            guard case .scalar(let scalar) = member.value else { return "" }
            if !scalar.string.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                source.error("the tracking-number prefix may only hold letters and digits (Code 128 prints it)", at: member.value)
            }
            return scalar.string
        } ?? ""
        let algorithms = CheckDigitAlgorithm.allCases.map(\.rawValue)
        guard let algorithmNode = source.required(members, "check_digit", in: "tracking_numbers", at: node),
              let algorithmName = source.text(algorithmNode, "check_digit") else { return nil }
        guard let algorithm = CheckDigitAlgorithm(rawValue: algorithmName.lowercased()) else {
            source.error("check_digit '\(algorithmName)' is not known; use one of \(algorithms.joined(separator: ", "))", at: algorithmNode)
            return nil
        }
        let defaultRange = members["range"].flatMap { range($0.value) }
        if defaultRange == nil, members["range"] == nil, agreements.contains(where: { $0.trackingRange == nil }) {
            source.error("tracking_numbers needs a range (first, last) unless every agreement has its own tracking_range", at: node)
        }
        let fallback = agreements.compactMap(\.trackingRange).first
        guard let range = defaultRange ?? fallback else { return nil }
        return TrackingNumberScheme(prefix: prefix, first: range.lowerBound, last: range.upperBound, checkDigit: algorithm)
    }

    /// `{ first: 7394000000, last: 7394999999 }`
    func range(_ node: Node) -> ClosedRange<UInt64>? {
        guard let members = source.members(node, of: "a tracking-number range", allowed: ["first", "last"]) else { return nil }
        guard let first = source.required(members, "first", in: "a tracking-number range", at: node).flatMap({ source.unsigned($0, "first") }),
              let last = source.required(members, "last", in: "a tracking-number range", at: node).flatMap({ source.unsigned($0, "last") }) else { return nil }
        guard first <= last else {
            source.error("the range's first number \(first) is above its last \(last)", at: node)
            return nil
        }
        return first...last
    }
}
