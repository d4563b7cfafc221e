import MuelleReaders
import Yams

/// `route: { http: … }`: how the HTTP intake (`muelle run --listen`) takes pushes for the route.
///
/// A push becomes an inbox drop like any file, so the mapping reads what the request carried through the
/// drop's name: `file_name` is a template whose `{placeholders}` are the path's parameters and the chosen
/// headers, and the route's `file_pattern` captures them back as metadata. `{id}` (the digest of the name's
/// other parts and the body) keeps two different pushes apart and makes the sender's retry the same drop.
public struct HTTPIntakeSettings: Sendable, Equatable {
    /// The deeper path after `/hooks/<route>/`, as segments: a literal, or `{name}` for a parameter.
    public var pathSegments: [Segment] = []
    /// The drop's name; nil: `push-{id}.<the reader's extension>`.
    public var fileName: String?
    /// Metadata key → the request header whose value it takes (`topic: X-Shopify-Topic`).
    public var headers: [String: String] = [:]
    /// The largest body taken; larger ones are answered 413 and nothing is written.
    public var maxBodyBytes = HTTPIntakeSettings.defaultMaxBodyBytes
    public static let defaultMaxBodyBytes = 10 << 20

    public enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    public init() {}

    static let keys: Set<String> = ["path", "file_name", "headers", "max_body"]

    /// Placeholders a `file_name` may use besides `{id}`.
    var placeholderNames: Set<String> {
        Set(pathSegments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }).union(headers.keys)
    }

    init(source: YAMLSource, node: Node) {
        guard let pairs = node.stringKeyedPairs else {
            source.error("'http' is a mapping: path, file_name, headers, max_body", at: node)
            return
        }
        for pair in pairs {
            switch pair.key {
            case "path":
                let text = pair.value.string ?? ""
                for part in text.split(separator: "/") {
                    if part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 {
                        pathSegments.append(.parameter(String(part.dropFirst().dropLast())))
                    } else if part.contains("{") || part.contains("}") {
                        source.error("a path segment is a literal or a whole {parameter}, not '\(part)'", at: pair.value)
                    } else {
                        pathSegments.append(.literal(String(part)))
                    }
                }
            case "file_name": fileName = pair.value.string
            case "headers":
                for header in pair.value.stringKeyedPairs ?? [] { headers[header.key] = header.value.string ?? "" }
            case "max_body":
                if let bytes = ReaderLimits.bytes(pair.value.string ?? "") { maxBodyBytes = bytes } else {
                    source.error("max_body is a size such as 10 MB", at: pair.value)
                }
            default:
                source.error("unknown http setting '\(pair.key)'; settings are \(Self.keys.sorted().joined(separator: ", "))", at: pair.keyNode)
            }
        }
        guard let fileName else {
            if !placeholderNames.isEmpty {
                source.error("the path's parameters and headers reach the mapping only through the drop's name: add a file_name such as \"\(placeholderNames.sorted().map { "{\($0)}" }.joined(separator: "_"))_{id}.json\" and a file_pattern that captures them", at: node)
            }
            return
        }
        let used = Self.placeholders(in: fileName)
        if !used.contains("id") {
            source.error("file_name needs {id}, the digest of the push, so two different pushes never share a name", at: node.member("file_name"))
        }
        for name in used where name != "id" && !placeholderNames.contains(name) {
            source.error("file_name uses {\(name)}, which is neither a parameter of the path nor a header key", at: node.member("file_name"))
        }
        if fileName.contains("/") || fileName.hasPrefix(".") {
            source.error("file_name is a plain name: no '/' and no leading '.'", at: node.member("file_name"))
        }
    }

    /// The `{names}` of a template, in order.
    static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// `template` with its placeholders replaced by `values`.
    public static func fill(_ template: String, with values: [String: String]) -> String {
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }
}
