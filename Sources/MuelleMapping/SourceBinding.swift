import MuelleCore
import MuelleReaders

/// Binds a route's mapping to one input: every column (CSV) or filter path (JSON/XML) it reads must
/// be in the file, or the file is refused naming the column, the mapping line that reads it and the
/// closest names the file has — instead of reading blanks and filtering every record away.
extension RouteMapping {
    /// One error per column the mapping reads that the CSV header lacks (none: the file fits).
    /// Columns read inside `{ optional: … }`, or in a `coalesce` another argument of which is there,
    /// may be missing.
    /// A column the mapping reads that the header names twice is ambiguous: an error names both positions.
    public func headerProblems(_ header: [String], file: String) -> [MuelleError] {
        let columns = Set(header)
        return SourceBinding.ambiguous(sourceReads, header: header, file: file) + SourceBinding.problems(sourceRequirements, has: { columns.contains($0.name) }) { names, reads in
            var suggestion = SourceBinding.closest(to: names, among: header)
            if suggestion.isEmpty, names.count == 1 { suggestion = "; if such files may lack it, read it as `{ optional: \(names[0]) }`" }
            let what = names.count == 1 ? "the file's header has no such column" : "none of \(SourceBinding.quoted(names)) is in the file's header"
            return MuelleError(.missingColumn, "\(what), but \(reads)\(suggestion)",
                               at: InputPosition(file: file, line: 1, field: names[0]))
        }
    }

    /// Watches the records of a JSON or XML file for the paths the filter reads; nil for CSV (its
    /// header says it all at once) or when the filter reads nothing.
    public func presenceCheck() -> PresenceCheck? {
        if case .csv = reader { return nil }
        let requirements = sourceRequirements.compactMap { SourceBinding.only(.filter, in: $0) }
        let references = requirements.flatMap(\.references)
        return references.isEmpty ? nil : PresenceCheck(requirements: requirements, references: references)
    }
}

/// Which of the filter's paths the records of one JSON/XML file have (absent, not just null or blank).
///
/// A path that no record has is a renamed or missing field: the filter would turn every record away.
public struct PresenceCheck {
    let requirements: [SourceRequirement]
    let references: [SourceReference]
    private var seen: Set<Int> = []
    /// Names the records have where each unseen path stops matching, to suggest what it meant.
    private var nearby: [String: Set<String>] = [:]
    private var records = 0

    init(requirements: [SourceRequirement], references: [SourceReference]) {
        self.requirements = requirements
        self.references = references
    }

    public mutating func observe(_ record: SourceRecord) {
        records += 1
        guard seen.count < references.count else { return }
        for (i, reference) in references.enumerated() where !seen.contains(i) {
            if reference.path.isPresent(in: record.value) {
                seen.insert(i)
            } else if nearby[reference.name, default: []].count < 50 {
                nearby[reference.name, default: []].formUnion(Self.keys(near: reference.path, in: record.value))
            }
        }
    }

    /// One error per path no record had; none when the file had no records at all.
    public func problems(file: String) -> [MuelleError] {
        guard records > 0 else { return [] }
        let present = Set(seen.map { references[$0] })
        return SourceBinding.problems(requirements, has: { present.contains($0) }) { names, reads in
            let suggestion = SourceBinding.closest(to: names, among: names.flatMap { nearby[$0] ?? [] })
            let what = names.count == 1 ? "no record of the file has this field" : "no record of the file has any of \(SourceBinding.quoted(names))"
            return MuelleError(.missingColumn, "\(what), but \(reads), so the filter would turn every record away\(suggestion)",
                               at: InputPosition(file: file, field: names[0]))
        }
    }

    /// The keys of the object where `path` stops matching in `record`.
    private static func keys(near path: FieldPath, in record: Value) -> [String] {
        var value = record
        for segment in path.segments {
            switch (segment, value) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return object.keys.names }
                value = next
            case (.key, .array(let items)):
                guard let first = items.first else { return [] }
                value = first
                if case .key(let key) = segment, case .object(let object) = first {
                    guard let next = object[key] else { return object.keys.names }
                    value = next
                }
            case (.index(let i), .array(let items)):
                guard i < items.count else { return [] }
                value = items[i]
            default:
                return []
            }
        }
        return []
    }
}

extension SourceReference: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(line)
        hasher.combine(column)
    }
}

enum SourceBinding {
    /// One error per column the mapping reads that the header has more than once. Reading it would take
    /// whichever copy the reader kept (the last); the merchant must say which, by renaming one in the export.
    static func ambiguous(_ reads: [SourceReference], header: [String], file: String) -> [MuelleError] {
        guard Set(header).count < header.count else { return [] }
        var positions: [String: [Int]] = [:]
        for (index, name) in header.enumerated() { positions[name, default: []].append(index + 1) }
        var reported: Set<String> = []
        var errors: [MuelleError] = []
        for read in reads where !reported.contains(read.name) {
            guard let columns = positions[read.name], columns.count > 1 else { continue }
            reported.insert(read.name)
            let numbers = columns.map(String.init)
            let list = numbers.dropLast().joined(separator: ", ") + " and " + (numbers.last ?? "")
            errors.append(MuelleError(.ambiguousColumn,
                "the file's header has \(columns.count) columns named \(QuotedInput.quote(read.name)) (columns \(list)), and "
                + "\(read.location) reads it (\(read.use.rawValue)): rename all but one in the export, or stop reading it",
                at: InputPosition(file: file, line: 1, column: nil, field: read.name)))
        }
        return errors
    }

    /// The errors for the requirements `has` does not meet; `make` words one from the names missing
    /// (one column, or the arguments of a `coalesce`) and where the mapping reads them.
    static func problems(_ requirements: [SourceRequirement], has: (SourceReference) -> Bool,
                         make: (_ names: [String], _ reads: String) -> MuelleError) -> [MuelleError] {
        var missing: [String: [SourceReference]] = [:]
        var order: [String] = []
        var errors: [MuelleError] = []
        for requirement in requirements where !requirement.isMet(by: has) {
            switch requirement {
            case .field(let reference):
                if missing[reference.name] == nil { order.append(reference.name) }
                missing[reference.name, default: []].append(reference)
            case .anyOf:
                let references = requirement.references
                var names: [String] = []
                for name in references.map(\.name) where !names.contains(name) { names.append(name) }
                errors.append(make(names, reads(references.prefix(1), names: names.count, note: "a coalesce: one of them would do")))
            }
        }
        return order.map { make([$0], reads(missing[$0] ?? [], names: 1)) } + errors
    }

    /// `mappings/r.yaml:33:20 reads it (filter; also 40:11, 52:9)`
    static func reads<S: Collection>(_ references: S, names: Int, note: String? = nil) -> String where S.Element == SourceReference {
        guard let first = references.first else { return "the mapping reads it" }
        var detail = [first.use.rawValue]
        let others = references.dropFirst().prefix(4).map { "\($0.line):\($0.column)" }
        if !others.isEmpty { detail.append("also " + others.joined(separator: ", ") + (references.count > 5 ? ", …" : "")) }
        if let note { detail.append(note) }
        return "\(first.location) reads \(names == 1 ? "it" : "them") (\(detail.joined(separator: "; ")))"
    }

    static func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }

    /// `; did you mean "Financial status"?` — the names within a few edits, ignoring case; or nothing.
    static func closest(to names: [String], among candidates: [String]) -> String {
        var found: [String] = []
        for name in names {
            let wanted = name.lowercased()
            let ranked = Set(candidates).compactMap { candidate -> (String, Int)? in
                let distance = ExpressionCompiler.editDistance(wanted, candidate.lowercased())
                return distance <= max(2, wanted.count / 4) ? (candidate, distance) : nil
            }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            for (candidate, _) in ranked.prefix(2) where !found.contains(candidate) { found.append(candidate) }
        }
        guard !found.isEmpty else { return "" }
        return "; did you mean \(found.map { "\"\($0)\"" }.joined(separator: " or "))?"
    }

    /// The part of a requirement read by one section of the mapping.
    static func only(_ use: SourceReference.Use, in requirement: SourceRequirement) -> SourceRequirement? {
        switch requirement {
        case .field(let reference): return reference.use == use ? requirement : nil
        case .anyOf(let alternatives):
            let kept = alternatives.map { $0.compactMap { only(use, in: $0) } }
            return kept.contains(where: \.isEmpty) ? nil : .anyOf(kept)
        }
    }
}
