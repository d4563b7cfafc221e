import Foundation
import MuelleCore
import MuelleMapping
import Yams

/// The typed readers a carrier profile is compiled with, on the diagnostic source mapping files use too:
/// profile problems are listed by `muelle check` with file, line and column, the way mapping problems are.
/// Each reader reports its own problem and returns nil, so callers just carry on.
extension YAMLSource {
    /// The members of a mapping node; reports keys outside `allowed` (typos surface at load).
    func members(_ node: Node?, of what: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping with keys \(allowed.joined(separator: ", "))", at: node)
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for pair in mapping {
            guard let key = pair.key.string else {
                error("keys of \(what) are names", at: pair.key)
                continue
            }
            if !allowed.contains(key) {
                error("unknown key '\(key)' in \(what); keys are \(allowed.joined(separator: ", "))", at: pair.key)
                continue
            }
            result[key] = (pair.key, pair.value)
        }
        return result
    }

    /// A required member; reports its absence at the parent node.
    func required(_ members: [String: (key: Node, value: Node)], _ key: String, in what: String, at parent: Node) -> Node? {
        if let member = members[key] { return member.value }
        error("\(what) needs '\(key)'", at: parent)
        return nil
    }

    /// A non-empty text scalar (numbers are accepted as their text: a NIT or a client id may be all digits).
    func text(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, !isNull(node) else {
            error("\(what) must be a text value", at: node)
            return nil
        }
        let value = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else {
            error("\(what) must not be empty", at: node)
            return nil
        }
        return value
    }

    /// An exact decimal, never through `Double`: "8500", 0.5, "1.25".
    func decimal(_ node: Node?, _ what: String, positive: Bool = false) -> Decimal? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, let value = ExactDecimal.parse(scalar.string) else {
            error("\(what) must be a decimal number such as 8500 or 0.5", at: node)
            return nil
        }
        if value < 0 || (positive && value == 0) {
            error("\(what) must be \(positive ? "greater than zero" : "zero or more")", at: node)
            return nil
        }
        return value
    }

    /// A whole number of up to 19 digits (tracking-number ranges need more than `Int32`).
    func unsigned(_ node: Node?, _ what: String) -> UInt64? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, scalar.string.allSatisfy(\.isASCIIDigit), let value = UInt64(scalar.string) else {
            error("\(what) must be a whole number written with digits only", at: node)
            return nil
        }
        return value
    }

    func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        guard let value = node.bool else {
            error("\(what) must be true or false", at: node)
            return nil
        }
        return value
    }

    /// A list of text scalars (a single scalar counts as a list of one).
    func texts(_ node: Node?, _ what: String) -> [String]? {
        guard let node else { return nil }
        if case .scalar = node { return text(node, what).map { [$0] } }
        guard case .sequence(let sequence) = node else {
            error("\(what) must be a list", at: node)
            return nil
        }
        return sequence.compactMap { text($0, what) }
    }

    /// The elements of a list node.
    func list(_ node: Node?, _ what: String) -> [Node]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else {
            error("\(what) must be a list", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// The pairs of a mapping node whose keys are free (service codes, secret names).
    func pairs(_ node: Node?, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping", at: node)
            return nil
        }
        return mapping.compactMap { pair in
            guard let key = pair.key.string else {
                error("keys of \(what) are names", at: pair.key)
                return nil
            }
            return (key, pair.key, pair.value)
        }
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
