import MuelleMapping
import MuelleReaders

/// Where a push goes: the route named by the path's first segment after `/hooks/`, and the values of the
/// parameters of the deeper path the route declares (`route: { http: { path: … } }`).
struct HookTarget: Sendable, Equatable {
    var route: String
    var parameters: [String: String]

    /// Why a path is not a hook: no such route, or a path the route does not declare.
    enum Miss: Error, Equatable {
        case noRoute(String)
        case wrongPath(route: String, expected: String)
        case badValue(name: String)
    }

    /// Resolves `/hooks/<route>[/deeper…]` (the `/hooks/` prefix already removed: `segments`).
    static func resolve(_ segments: [Substring], route lookup: (String) -> RouteMapping?) throws(Miss) -> (HookTarget, RouteMapping) {
        guard let first = segments.first, let mapping = lookup(String(first)) else {
            throw .noRoute(segments.first.map(String.init) ?? "")
        }
        let declared = mapping.http?.pathSegments ?? []
        let rest = segments.dropFirst()
        guard rest.count == declared.count else { throw .wrongPath(route: mapping.name, expected: Self.describe(declared)) }
        var parameters: [String: String] = [:]
        for (segment, expected) in zip(rest, declared) {
            switch expected {
            case .literal(let text):
                guard segment == text else { throw .wrongPath(route: mapping.name, expected: Self.describe(declared)) }
            case .parameter(let name):
                // The value becomes part of a file name: letters, digits, '-' and '.' only, so it can neither
                // leave the route's folder nor run into the name's separators.
                guard Self.isSafeValue(segment) else { throw .badValue(name: name) }
                parameters[name] = String(segment)
            }
        }
        return (HookTarget(route: mapping.name, parameters: parameters), mapping)
    }

    static func isSafeValue(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 100 && text.first != "." && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E
        }
    }

    static func describe(_ segments: [HTTPIntakeSettings.Segment]) -> String {
        segments.map { if case .literal(let text) = $0 { text } else if case .parameter(let name) = $0 { "{\(name)}" } else { "" } }
            .joined(separator: "/")
    }
}

/// The content types a route's reader takes; anything else is answered 415.
enum AcceptedContent {
    static func types(for reader: ReaderOptions) -> [String] {
        switch reader {
        case .csv: ["text/csv", "text/plain", "application/csv"]
        case .json: ["application/json"]
        case .ndjson: ["application/x-ndjson", "application/jsonl", "application/json"]
        case .xml: ["application/xml", "text/xml"]
        }
    }

    static func fileExtension(for reader: ReaderOptions) -> String {
        switch reader {
        case .csv: "csv"
        case .json: "json"
        case .ndjson: "ndjson"
        case .xml: "xml"
        }
    }

    /// Whether `header` (`application/json; charset=utf-8`) names one of `types` (or a `+json`/`+xml` kind of them).
    static func accepts(_ header: String?, types: [String]) -> Bool {
        guard let header else { return false }
        let media = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if types.contains(media) { return true }
        if types.contains("application/json"), media.hasPrefix("application/"), media.hasSuffix("+json") { return true }
        if types.contains("application/xml"), media.hasPrefix("application/"), media.hasSuffix("+xml") { return true }
        return false
    }
}
