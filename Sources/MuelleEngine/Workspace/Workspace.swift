import Foundation
import MuelleCore
import MuelleMapping
import MuelleShipping

/// A muelle workspace: `mappings/`, `inbox/<route>/`, `outbox/<kind>/`, and muelle's own folders.
///
/// Originals leave the inbox for `archive/<route>/` (processed) or `quarantine/<route>/` (rejected,
/// beside a readable `.error.txt`). The ledger and staging area live in the hidden `.muelle/`.
public struct Workspace: Sendable {
    public let root: String
    /// This process's worker id when several workers share the workspace (`WorkerClaims`): its staging is its own.
    public var worker: String?

    public init(root: String) {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    public var mappings: String { root + "/mappings" }
    public var inbox: String { root + "/inbox" }
    public var outbox: String { root + "/outbox" }
    public var archive: String { root + "/archive" }
    public var quarantine: String { root + "/quarantine" }
    public var state: String { root + "/.muelle" }
    public var ledgerPath: String { state + "/ledger.sqlite" }
    /// Where outputs are written before they are renamed into the outbox (same file system): `.muelle/staging`, or
    /// with several workers `.muelle/staging/<worker>`, so a worker starting up removes only what is its own or a
    /// lost worker's.
    public var staging: String { worker.map { stagingRoot + "/" + $0 } ?? stagingRoot }
    /// Every worker's staging.
    public var stagingRoot: String { state + "/staging" }

    public func inbox(route: String) -> String { inbox + "/" + route }
    public func outbox(_ folder: String) -> String { outbox + "/" + folder }

    /// `path` relative to the workspace, for reports and messages.
    public func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// The mapping files of the workspace (`mappings/*.yaml`), sorted by route name.
    public func mappingFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mappings)) ?? []
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .sorted()
            .map { mappings + "/" + $0 }
    }

    /// Compiles every mapping; problems are collected, not thrown, so `check` can list them all.
    public func loadMappings() -> (routes: [RouteMapping], diagnostics: [MappingDiagnostic]) {
        var routes: [RouteMapping] = []
        var diagnostics: [MappingDiagnostic] = []
        var broken: Set<String> = []
        for (route, result) in loadRoutes() {
            switch result {
            case .success(let mapping): routes.append(mapping)
            case .failure(let error):
                diagnostics.append(contentsOf: error.diagnostics)
                broken.insert(route)
            }
        }
        // Lookups are checked across the routes, once each is compiled.
        let lookups = LookupCheck.problems(in: routes, unloadable: broken)
        diagnostics += lookups.keys.sorted().flatMap { lookups[$0] ?? [] }
        return (routes, diagnostics)
    }

    /// Compiles every mapping on its own, by route name: one broken file does not hide the others.
    public func loadRoutes() -> [(route: String, result: Result<RouteMapping, MappingLoadError>)] {
        mappingFiles().map { path in
            let route = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            do {
                return (route, .success(try MappingLoader.load(path: path, displayName: relative(path))))
            } catch let error as MappingLoadError {
                return (route, .failure(error))
            } catch {
                return (route, .failure(MappingLoadError([MappingDiagnostic(file: relative(path), line: 1, column: 1, message: "\(error)")])))
            }
        }
    }

    /// The carrier profiles in `mappings/carriers/`, checked against what the routes' `shipping:`
    /// sections ask of them (the carrier, its services and agreements must exist).
    public func loadCarrierProfiles(for routes: [RouteMapping]) -> (profiles: [String: CarrierProfile], diagnostics: [MappingDiagnostic]) {
        let folder = mappings + "/carriers"
        guard FileManager.default.fileExists(atPath: folder) else {
            let wanted = routes.compactMap { route in route.shipping.map { (route, $0) } }
            return ([:], wanted.map { route, shipping in
                MappingDiagnostic(file: route.file, line: 1, column: 1, message: "shipping uses carrier '\(shipping.carrier)', but there is no mappings/carriers/ folder")
            })
        }
        let (loaded, diagnostics) = CarrierProfileLoader.loadAll(folder: folder, displayFolder: relative(folder))
        let profiles = Dictionary(loaded.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var problems = diagnostics
        for route in routes {
            guard let shipping = route.shipping else { continue }
            guard let profile = profiles[shipping.carrier] else {
                // A profile that failed to compile has its own diagnostics; this route only waits for it.
                if !diagnostics.contains(where: { $0.file.hasSuffix("/carriers/\(shipping.carrier).yaml") || $0.file.hasSuffix("/carriers/\(shipping.carrier).yml") }) {
                    problems.append(MappingDiagnostic(file: route.file, line: 1, column: 1,
                        message: "shipping uses carrier '\(shipping.carrier)', but there is no mappings/carriers/\(shipping.carrier).yaml"))
                }
                continue
            }
            let services = [shipping.service] + shipping.rules.compactMap(\.service)
            let agreements = [shipping.agreement] + shipping.rules.map(\.agreement)
            for service in services where (try? profile.service(service)) == nil {
                problems.append(MappingDiagnostic(file: route.file, line: 1, column: 1, message: "carrier \(shipping.carrier) has no service '\(service)'"))
            }
            for agreement in agreements where (try? profile.agreement(agreement)) == nil {
                problems.append(MappingDiagnostic(file: route.file, line: 1, column: 1, message: "carrier \(shipping.carrier) has no agreement '\(agreement ?? "")'"))
            }
            if (try? profile.sender(shipping.sender)) == nil {
                problems.append(MappingDiagnostic(file: route.file, line: 1, column: 1, message: "carrier \(shipping.carrier) has no sender '\(shipping.sender ?? "")'"))
            }
        }
        return (profiles, problems)
    }

    /// Creates the folders muelle writes to.
    public func prepare(routes: [RouteMapping]) throws {
        var folders = [inbox, outbox, archive, quarantine, state, staging, outbox("reports")]
        for route in routes {
            folders.append(inbox(route: route.name))
            folders.append(outbox(route.kind.outboxFolder))
        }
        folders.append(outbox("order-updates"))
        if routes.contains(where: { $0.shipping != nil }) {
            folders += ["shipments", "labels", "tracking", "manifests"].map(outbox)
        }
        for folder in folders {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw MuelleError(.configuration, "cannot create \(relative(folder)): \(error.localizedDescription)")
            }
        }
    }
}
