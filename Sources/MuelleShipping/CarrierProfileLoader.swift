import Foundation
import MuelleCore
import MuelleMapping
import Yams

/// Loads carrier profiles (`mappings/carriers/*.yaml`); every problem is reported with file, line and column.
public enum CarrierProfileLoader {
    /// The folder of carrier profiles inside a workspace's `mappings/`.
    public static let folderName = "carriers"

    /// Compiles the profile at `path`; `displayName` is how messages name it.
    public static func load(path: String, displayName: String) throws -> CarrierProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MappingLoadError([MappingDiagnostic(file: displayName, line: 1, column: 1, message: "cannot read the carrier profile")])
        }
        let code = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try compile(yaml: String(decoding: data, as: UTF8.self), code: code, file: displayName)
    }

    /// Every profile of `folder` (sorted by code) and every problem found; `muelle check` prints the problems.
    /// - Parameter displayFolder: how messages name the folder (`mappings/carriers`).
    public static func loadAll(folder: String, displayFolder: String) -> (profiles: [CarrierProfile], diagnostics: [MappingDiagnostic]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .sorted()
        var profiles: [CarrierProfile] = []
        var diagnostics: [MappingDiagnostic] = []
        for name in names {
            do {
                profiles.append(try load(path: folder + "/" + name, displayName: displayFolder + "/" + name))
            } catch let error as MappingLoadError {
                diagnostics += error.diagnostics
            } catch {
                diagnostics.append(MappingDiagnostic(file: displayFolder + "/" + name, line: 1, column: 1, message: "\(error)"))
            }
        }
        return (profiles, diagnostics)
    }

    /// Compiles profile text; `code` names the carrier (the file name without extension), `file` names it in messages.
    public static func compile(yaml text: String, code: String, file: String) throws -> CarrierProfile {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MappingLoadError([MappingDiagnostic(file: file, line: 1, column: 1, message: "the carrier profile is empty")])
            }
            root = node
        } catch let error as YamlError {
            throw MappingLoadError([MappingDiagnostic(yamlError: error, file: file)])
        }
        let source = YAMLSource(file: file, text: text)
        let profile = ProfileCompiler(source: source, code: code).compile(root)
        if !source.diagnostics.isEmpty { throw MappingLoadError(source.diagnostics) }
        guard let profile else { throw MappingLoadError([MappingDiagnostic(file: file, line: 1, column: 1, message: "the carrier profile could not be compiled")]) }
        return profile
    }
}

/// Turns a profile's YAML nodes into a `CarrierProfile`, reporting every problem at its node.
struct ProfileCompiler {
    let source: YAMLSource
    let code: String

    static let sections = ["carrier", "country", "account", "secrets", "agreements", "services", "senders", "tracking_url",
                           "label_size", "tracking_numbers", "max_parcel_weight_kg", "pickup", "rate_card"]

    func compile(_ root: Node) -> CarrierProfile? {
        guard let top = source.members(root, of: "a carrier profile", allowed: Self.sections) else { return nil }
        let name = source.required(top, "carrier", in: "the profile", at: root).flatMap { source.text($0, "carrier") }
        let country = top["country"].flatMap { countryCode($0.value, "country") }
        let account = compileAccount(top["account"]?.value, country: country)
        let secrets = compileSecrets(top["secrets"]?.value)
        let services = source.required(top, "services", in: "the profile", at: root).flatMap(compileServices) ?? []
        let agreements = source.required(top, "agreements", in: "the profile", at: root).map { compileAgreements($0, services: services) } ?? []
        let senders = source.required(top, "senders", in: "the profile", at: root).map(compileSenders) ?? []
        let trackingURL = source.required(top, "tracking_url", in: "the profile", at: root).flatMap(compileTrackingURL)
        let labelSize = source.required(top, "label_size", in: "the profile", at: root).flatMap(compileLabelSize)
        let trackingNumbers = top["tracking_numbers"].flatMap { compileTrackingNumbers($0.value, agreements: agreements) }
        let maxWeight = top["max_parcel_weight_kg"].flatMap { source.decimal($0.value, "max_parcel_weight_kg", positive: true) }
        let rateCard = source.required(top, "rate_card", in: "the profile", at: root).flatMap { compileRateCard($0, services: services) }
        if trackingNumbers == nil, top["tracking_numbers"] == nil, let agreementNode = top["agreements"]?.value,
           agreements.contains(where: { $0.trackingRange != nil }) {
            source.error("agreements have tracking ranges but the profile has no tracking_numbers section (prefix, check_digit)", at: agreementNode)
        }
        let cutoff = top["pickup"].flatMap { compilePickup($0.value) }
        guard let name, let trackingURL, let labelSize, let rateCard else { return nil }
        var profile = CarrierProfile(code: code, name: name, file: source.file, country: country, account: account, secrets: secrets,
                                     agreements: agreements, services: services, senders: senders, trackingURLTemplate: trackingURL,
                                     labelSize: labelSize, trackingNumbers: trackingNumbers, rateCard: rateCard, maxParcelWeightKg: maxWeight)
        profile.pickupCutoff = cutoff
        return profile
    }

    /// `pickup: { cutoff: "17:00", timezone: America/Bogota }`.
    private func compilePickup(_ node: Node) -> PickupCutoff? {
        guard let members = source.members(node, of: "pickup", allowed: ["cutoff", "timezone"]) else { return nil }
        guard let cutoffNode = members["cutoff"]?.value, let text = source.text(cutoffNode, "cutoff") else {
            source.error("pickup needs a cutoff time such as \"17:00\"", at: node)
            return nil
        }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
            source.error("the cutoff is a time of day such as \"17:00\", not '\(text)'", at: cutoffNode)
            return nil
        }
        let zone = members["timezone"].flatMap { source.text($0.value, "timezone") } ?? "UTC"
        if TimeZone(identifier: zone) == nil, let zoneNode = members["timezone"]?.value {
            source.error("unknown time zone '\(zone)' (use an IANA name such as America/Bogota)", at: zoneNode)
            return nil
        }
        return PickupCutoff(hour: parts[0], minute: parts[1], timeZone: zone)
    }

    func countryCode(_ node: Node, _ what: String) -> String? {
        guard let text = source.text(node, what) else { return nil }
        guard text.count == 2, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            source.error("\(what) must be an ISO 3166-1 alpha-2 code such as CO or ES", at: node)
            return nil
        }
        return text
    }

    private func compileTrackingURL(_ node: Node) -> String? {
        guard let template = source.text(node, "tracking_url") else { return nil }
        guard template.hasPrefix("https://") || template.hasPrefix("http://") else {
            source.error("tracking_url must start with https:// (a page the recipient can open)", at: node)
            return nil
        }
        guard template.contains("{tracking_number}") else {
            source.error("tracking_url must contain {tracking_number} where the number goes, e.g. https://carrier.example/track?code={tracking_number}", at: node)
            return nil
        }
        return template
    }

    private func compileLabelSize(_ node: Node) -> LabelSize? {
        guard let text = source.text(node, "label_size") else { return nil }
        guard let size = LabelSize(parsing: text) else {
            source.error("label_size '\(text)' is not a page size; use 4x6in, A6 or 10x15cm (width x height with in, cm or mm)", at: node)
            return nil
        }
        return size
    }
}
