import MuelleCore
import MuelleReaders
import Yams

/// `fill_down: [Title, Vendor, Status]`: a row of a `group_by` group that leaves one of these fields
/// blank reads the group's first row's value instead — exports such as Shopify's products write
/// product-level columns on the first row of each handle only.
struct FillDown: Sendable {
    let names: [String]

    /// The group with its later rows' blanks filled from the first row; positions are kept.
    func apply(to rows: [SourceRecord]) -> [SourceRecord] {
        guard rows.count > 1, case .object(let first)? = rows.first?.value else { return rows }
        var filled = rows
        for i in rows.indices.dropFirst() {
            guard case .object(var object) = rows[i].value else { continue }
            var added: [(String, Value)] = []
            for name in names {
                guard let value = first[name], !value.isBlank else { continue }
                if let index = object.keys.index(of: name), index < object.values.count {
                    if object.values[index].isBlank { object.values[index] = value }
                } else {
                    added.append((name, value)) // a JSON record may leave the key out altogether
                }
            }
            if !added.isEmpty { object = ValueObject(object.pairs + added) }
            filled[i].value = .object(object)
        }
        return filled
    }
}

/// `records: { each: rows, filter: { present: Variant SKU } }`: each row of a group that the filter
/// keeps becomes one record, read with that row as the record (and `rows` still the whole group).
struct RowRecords: Sendable {
    let filter: CompiledCondition?

    func keeps(_ scope: EvalScope) throws -> Bool {
        guard let filter else { return true }
        var scope = scope
        return try filter(&scope)
    }
}

extension RouteCompiler {
    /// Compiles `fill_down:`, a list of the fields (CSV columns) to carry down; each is read from the
    /// input, so a CSV header must have it like any column the mapping reads.
    func compileFillDown(_ node: Node?, compiler: ExpressionCompiler, grouped: Bool) -> FillDown? {
        guard let node else { return nil }
        guard grouped else {
            source.error("fill_down carries values down the rows of a group: it needs group_by", at: node)
            return nil
        }
        guard case .sequence(let items) = node, !items.isEmpty else {
            source.error("fill_down is a list of the fields a group's later rows take from its first row: [Title, Vendor, Status]", at: node)
            return nil
        }
        var names: [String] = []
        for item in items {
            guard item.isStringScalar, let name = item.string, !name.isEmpty else {
                source.error("each entry of fill_down names one field of the input", at: item)
                continue
            }
            guard let path = FieldPath.parse(name, splitting: compiler.splitsPaths), path.up == 0, path.segments.count == 1,
                  case .key(let key) = path.segments[0] else {
                source.error("fill_down takes fields of the record itself, not paths into it: '\(name)'", at: item)
                continue
            }
            if names.contains(key) {
                source.error("'\(name)' is in fill_down twice", at: item)
                continue
            }
            _ = compiler.with { $0.use = .fillDown }.reference(name, item)
            names.append(key)
        }
        return names.isEmpty ? nil : FillDown(names: names)
    }

    /// Compiles `records: { each: rows, filter: … }`.
    func compileRowRecords(_ node: Node?, compiler: ExpressionCompiler, grouped: Bool) -> RowRecords? {
        guard let node else { return nil }
        guard let pairs = node.stringKeyedPairs, let each = node.member("each") else {
            source.error("records reads `{ each: rows, filter: … }`: one record per row of the group that the filter keeps", at: node)
            return nil
        }
        for pair in pairs where pair.key != "each" && pair.key != "filter" {
            source.error("unknown option '\(pair.key)' of records; options are each, filter", at: pair.keyNode)
        }
        guard each.string == "rows" else {
            source.error("records: { each: rows } makes one record per row of a group; nothing else can be walked here", at: each)
            return nil
        }
        guard grouped else {
            source.error("records: { each: rows } makes several records of one group: it needs group_by (without it every row is a record already)", at: node)
            return nil
        }
        return RowRecords(filter: node.member("filter").map(compiler.with { $0.use = .records }.condition))
    }
}
