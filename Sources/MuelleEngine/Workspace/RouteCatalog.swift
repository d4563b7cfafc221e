import Foundation
import MuelleMapping
import MuelleShipping
import Synchronization

/// The routes muelle runs: every mapping of the workspace compiled, or broken with its diagnostics.
///
/// A broken mapping stops only its own route: the others run, and the broken route's files wait in its
/// inbox. While watching, the catalog is reloaded when a mapping or carrier-profile file changes; a broken
/// edit of a route that was running keeps its last good version (and its carrier profile) running, so a
/// typo saved at 3 pm never stops a feed that worked at 2 pm.
public final class RouteCatalog: Sendable {
    /// One load of the workspace's mappings and carrier profiles.
    public struct Snapshot: Sendable {
        /// Runnable routes by name: freshly compiled, or the last good version of a broken edit.
        public var routes: [String: RouteMapping] = [:]
        /// Carrier profiles by code, for the runnable routes.
        public var profiles: [String: CarrierProfile] = [:]
        /// Problems found at the last load, by route name (the mapping file's stem). A carrier profile
        /// that no route uses has its problems under its own file name.
        public var problems: [String: [MappingDiagnostic]] = [:]
        /// Routes whose mapping (or carrier profile) is broken now but that keep running their last good version.
        public var keptLastGood: Set<String> = []

        /// Routes that cannot run at all: broken, with no good version loaded before.
        public var brokenRoutes: [String] {
            problems.keys.filter { routes[$0] == nil && !$0.contains("/") }.sorted()
        }

        /// Every problem, in file order, for printing.
        public var diagnostics: [MappingDiagnostic] {
            problems.keys.sorted().flatMap { problems[$0] ?? [] }
        }

        /// The runnable routes, sorted by name.
        public var sortedRoutes: [RouteMapping] { routes.keys.sorted().compactMap { routes[$0] } }
    }

    private let state: Mutex<Snapshot>

    public init(_ snapshot: Snapshot) {
        state = Mutex(snapshot)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Loads the workspace again; a route broken now keeps the version it ran with, if it had one.
    /// Returns the new snapshot and the old one, so the caller can say what changed.
    @discardableResult
    public func reload(_ workspace: Workspace) -> (old: Snapshot, new: Snapshot) {
        let fresh = Self.load(workspace)
        return state.withLock { current in
            let old = current
            current = Self.merge(fresh, keepingGoodVersionsOf: old)
            return (old, current)
        }
    }

    /// Compiles every mapping and carrier profile of `workspace`, sorting each problem under its route.
    public static func load(_ workspace: Workspace) -> Snapshot {
        var snapshot = Snapshot()
        var compiled: [RouteMapping] = []
        for (route, result) in workspace.loadRoutes() {
            switch result {
            case .success(let mapping): compiled.append(mapping)
            case .failure(let error): snapshot.problems[route, default: []] += error.diagnostics
            }
        }
        // A lookup into a route that is missing, not a reference route, or lacks the field stops its route.
        let lookupProblems = LookupCheck.problems(in: compiled, unloadable: Set(snapshot.problems.keys))
        for (route, diagnostics) in lookupProblems { snapshot.problems[route, default: []] += diagnostics }
        compiled.removeAll { lookupProblems[$0.name] != nil }
        let (profiles, profileDiagnostics) = workspace.loadCarrierProfiles(for: compiled)
        snapshot.profiles = profiles
        for mapping in compiled {
            let own = profileDiagnostics.filter { $0.file == mapping.file }
            let carrierFile = mapping.shipping.map { workspace.relative(workspace.mappings) + "/carriers/\($0.carrier)" }
            let ofProfile = carrierFile.map { file in profileDiagnostics.filter { $0.file == file + ".yaml" || $0.file == file + ".yml" } } ?? []
            if own.isEmpty && ofProfile.isEmpty {
                snapshot.routes[mapping.name] = mapping
            } else {
                snapshot.problems[mapping.name, default: []] += own + ofProfile
            }
        }
        let routeFiles = Set(compiled.map(\.file))
        let claimed = Set(snapshot.problems.values.joined().map(\.file))
        for diagnostic in profileDiagnostics where !routeFiles.contains(diagnostic.file) && !claimed.contains(diagnostic.file) {
            snapshot.problems[diagnostic.file, default: []].append(diagnostic)
        }
        return snapshot
    }

    /// `fresh`, with the routes it finds broken running on as they were in `old`.
    static func merge(_ fresh: Snapshot, keepingGoodVersionsOf old: Snapshot) -> Snapshot {
        var merged = fresh
        for route in fresh.problems.keys {
            guard fresh.routes[route] == nil, let good = old.routes[route] else { continue }
            merged.routes[route] = good
            merged.keptLastGood.insert(route)
            if let carrier = good.shipping?.carrier, merged.profiles[carrier] == nil {
                merged.profiles[carrier] = old.profiles[carrier]
            }
        }
        return merged
    }
}
