import Foundation
import MuelleCore
import MuelleReaders
import Yams

/// Loads and compiles mapping files; every problem is reported with file, line and column.
public enum MappingLoader {
    /// Compiles the mapping file at `path`; `displayName` is how messages name it.
    public static func load(path: String, displayName: String) throws -> RouteMapping {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MappingLoadError([MappingDiagnostic(file: displayName, line: 1, column: 1, message: "cannot read the mapping: \(error.localizedDescription)")])
        }
        let url = URL(fileURLWithPath: path)
        let route = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        let displayFolder = (displayName as NSString).deletingLastPathComponent
        return try compile(yaml: text, route: route, file: displayName) { base in
            let basePath = folder.appendingPathComponent(base.hasSuffix(".yaml") ? base : base + ".yaml").path
            guard let text = try? String(contentsOfFile: basePath, encoding: .utf8) else { return nil }
            return (text, displayFolder.isEmpty ? (basePath as NSString).lastPathComponent : displayFolder + "/" + (basePath as NSString).lastPathComponent)
        }
    }

    /// Finds the text of a base mapping named by `extends:` (nil when there is none).
    public typealias BaseResolver = (String) throws -> (text: String, file: String)?

    /// Compiles mapping text; `route` is the route name, `file` names it in messages.
    public static func compile(yaml text: String, route: String, file: String, bases: BaseResolver? = nil) throws -> RouteMapping {
        let source = YAMLSource(file: file, text: text)
        var root = try compose(text, file: file)
        var seen: Set<String> = [file]
        // `extends: other-route`: this mapping is the other one with this file's sections laid over it.
        while let extends = root.member("extends") {
            guard let name = extends.string, !name.isEmpty else {
                throw MappingLoadError([diagnostic(file, extends, "'extends' names another mapping of the folder, such as shopify-orders")])
            }
            guard let base = try bases?(name) else {
                throw MappingLoadError([diagnostic(file, extends, "'extends' names '\(name)', but there is no mapping \(name).yaml beside this one")])
            }
            guard seen.insert(base.file).inserted else {
                throw MappingLoadError([diagnostic(file, extends, "'extends' goes round in a circle through \(base.file)")])
            }
            root = MappingMerge.overlay(root.removingMember("extends"), on: try compose(base.text, file: base.file))
        }
        let mapping = RouteCompiler(source: source, route: route).compile(root)
        if !source.diagnostics.isEmpty { throw MappingLoadError(source.diagnostics) }
        guard let mapping else { throw MappingLoadError([MappingDiagnostic(file: file, line: 1, column: 1, message: "the mapping could not be compiled")]) }
        return mapping
    }

    private static func compose(_ text: String, file: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MappingLoadError([MappingDiagnostic(file: file, line: 1, column: 1, message: "the mapping is empty")])
            }
            return node
        } catch let error as YamlError {
            throw MappingLoadError([MappingDiagnostic(yamlError: error, file: file)])
        }
    }

    private static func diagnostic(_ file: String, _ node: Node, _ message: String) -> MappingDiagnostic {
        MappingDiagnostic(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message)
    }
}

/// Compiles the top-level sections of a route: `route`, `reader`, `group_by`, `filter`, `fields`.
struct RouteCompiler {
    let source: YAMLSource
    let route: String

    static let sections: Set<String> = ["source", "route", "reader", "group_by", "fill_down", "records", "filter", "import", "shipping", "output", "deliver", "expect", "fields"]

    func compile(_ root: Node) -> RouteMapping? {
        guard let pairs = root.stringKeyedPairs else {
            source.error("a mapping file is a YAML mapping with sections route, reader, fields", at: root)
            return nil
        }
        for pair in pairs where !Self.sections.contains(pair.key) {
            source.error("unknown section '\(pair.key)'; sections are \(Self.sections.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        let settings = RouteSettings(source: source, node: root.member("route"), root: root)
        let reader = ReaderSettings.compile(source: source, node: root.member("reader"), root: root)
        let references = ReferenceLog()
        var compiler = ExpressionCompiler(source: source, splitsPaths: !reader.isCSV, defaultTimeZone: settings.timezone, references: references)
        compiler.metadataKeys = InputMetadata.standardKeys + (settings.filePattern?.regex.namedGroups.map(\.name) ?? [])
        if case .xml = reader.options { compiler.readsXML = true }
        let groupBy = root.member("group_by").map(compiler.with { $0.use = .groupBy }.expression)
        let fillDown = compileFillDown(root.member("fill_down"), compiler: compiler, grouped: groupBy != nil)
        let rowRecords = compileRowRecords(root.member("records"), compiler: compiler, grouped: groupBy != nil)
        let clauses = root.member("filter").map { filterClauses($0, compiler: compiler.with { $0.use = .filter }) } ?? []
        guard let fieldsNode = root.member("fields") else {
            source.error("the mapping has no 'fields' section: nothing would be produced", at: root)
            return nil
        }
        guard let fieldPairs = fieldsNode.stringKeyedPairs else {
            source.error("'fields' must be a mapping of output fields", at: fieldsNode)
            return nil
        }
        checkContractFields(fieldsNode, object: "", contract: settings.kind.contractFields)
        checkRequiredFields(fieldsNode, kind: settings.kind, productKey: settings.productKey)
        checkCustomerKey(settings, fields: fieldsNode, route: root.member("route") ?? root)
        if let productKey = settings.productKey, let lineFields = fieldsNode.member("lines")?.member("fields") {
            if let own = lineFields.stringKeyedPairs?.first(where: { $0.key == "product_key" }) {
                source.error("the route's product_key (\(productKey)) decides each line's product_key; remove this one", at: own.keyNode)
            }
            if lineFields.member(productKey) == nil {
                source.error("the route's product_key is \(productKey), but the lines do not map '\(productKey)'", at: fieldsNode.member("lines"))
            }
        }
        let fields = compiler.object(fieldPairs)
        var mapping = RouteMapping(
            name: route, file: source.file, kind: settings.kind,
            identity: OrderContract.Identity(platform: settings.platform, account: settings.account, productKey: settings.productKey),
            onError: settings.onError, reader: reader.options, readerLimits: reader.limits, importRules: ImportRules(source: source, node: root.member("import")),
            maxRemovedShare: settings.maxRemovedShare, incompleteAfter: .seconds(settings.incompleteAfterSeconds),
            shipping: ShippingSettings(source: source, node: root.member("shipping")),
            sftpSource: SFTPSettings(source: source, node: root.member("source")),
            output: OutputSettings(source: source, node: root.member("output")),
            deliver: SFTPSettings(source: source, node: root.member("deliver")),
            customerKey: settings.customerKey,
            lookups: references.lookups, lookupWait: .seconds(settings.lookupWaitSeconds),
            referenceFields: settings.kind.keepsReferenceData ? Self.fieldPaths(fieldsNode).filter { $0 != "key" } : [],
            groupBy: groupBy, fillDown: fillDown, rowRecords: rowRecords, filterClauses: clauses, fields: fields,
            sourceRequirements: references.requirements, sourceReads: references.reads,
            filePattern: settings.filePattern, metadataRead: references.metadata, timeZone: settings.timezone.flatMap(TimeZone.init(identifier:)),
            moneyRounding: moneyRounding(fieldsNode, kind: settings.kind), http: settings.http,
            expectation: FeedExpectation.compile(source: source, node: root.member("expect"), routeTimeZone: settings.timezone))
        if !compiler.readsXML { mapping.recordShape = references.recordShape }
        return mapping
    }

    /// The output field paths a `fields:` section writes: `city`, and `address.city` inside a nested object.
    static func fieldPaths(_ node: Node, prefix: String = "") -> [String] {
        (node.stringKeyedPairs ?? []).flatMap { pair -> [String] in
            let path = prefix.isEmpty ? pair.key : prefix + "." + pair.key
            let nested = pair.value.stringKeyedPairs.map { pairs in !pairs.contains { ExpressionCompiler.functionNames.contains($0.key) } } ?? false
            return nested ? fieldPaths(pair.value, prefix: path) : [path]
        }
    }

    /// Output fields the order contract does not have are typos until proven otherwise.
    private func checkContractFields(_ node: Node, object: String, contract: [String: [String]]) {
        guard let allowed = contract[object], let pairs = node.stringKeyedPairs else { return }
        for pair in pairs {
            guard allowed.contains(pair.key) else {
                let fields = contract[""] ?? []
                let record = fields.contains("lines") ? "an order" : fields.contains("order_id") ? "an order event" : fields.contains("campaign") ? "a promotion"
                    : fields.contains("accepts_marketing") ? "a customer" : "a product"
                let scope = object.isEmpty ? record : "'\(object)'"
                source.error("\(scope) has no field '\(pair.key)'; its fields are \(allowed.joined(separator: ", "))", at: pair.keyNode)
                continue
            }
            guard contract[pair.key] != nil else { continue }
            if pair.key == "lines", let fields = pair.value.member("fields") {
                checkContractFields(fields, object: "lines", contract: contract)
            } else if pair.value.member("each") == nil, pair.value.stringKeyedPairs != nil,
                      !(pair.value.stringKeyedPairs ?? []).contains(where: { ExpressionCompiler.functionNames.contains($0.key) }) {
                checkContractFields(pair.value, object: pair.key, contract: contract)
            }
        }
    }
}
