import MuelleCore
import MuelleReaders
import Yams

/// The `route:` section: what the route is and how it treats bad records.
struct RouteSettings {
    var kind: RecordKind = .orders
    var platform = ""
    var account = "main"
    var onError: BadRecordPolicy = .rejectFile
    var timezone: String?
    var productKey: String?
    /// Customer feeds: the customer field that keys customers (`email`, `tax_id`, `platform_id`).
    var customerKey: String?
    /// Catalogue feeds: the largest share of the known products one feed may remove before it is held back.
    var maxRemovedShare = 0.2
    /// How long a file that ends early (a last line without its line end, an unclosed document) may stay
    /// unchanged before it is quarantined as truncated rather than waited for.
    var incompleteAfterSeconds = RouteSettings.defaultIncompleteAfterSeconds
    /// Five minutes: longer than an SFTP client takes to reconnect and resume, and than one sync interval
    /// of a partner feed (5–10 minutes), yet short enough that a cut-off upload is reported the same hour.
    static let defaultIncompleteAfterSeconds = 300
    /// How long a file whose `lookup:` finds nothing waits for the reference data, then is quarantined.
    var lookupWaitSeconds = RouteSettings.defaultLookupWaitSeconds
    /// One day: a platform's separate exports (orders now, addresses at the next daily export or when
    /// staff drop them) meet within a working day; longer and a forgotten export goes unnoticed too long.
    static let defaultLookupWaitSeconds = 86400

    /// `file_pattern:`: the names of the route's inputs, whose named groups are metadata keys.
    var filePattern: FilePattern?
    /// `http:`: how pushes to `/hooks/<route>` become the route's drops.
    var http: HTTPIntakeSettings?

    static let keys: Set<String> = ["kind", "platform", "account", "on_error", "timezone", "product_key", "customer_key", "max_removed_share",
                                    "incomplete_after", "file_pattern", "lookup_wait", "http"]

    init(source: YAMLSource, node: Node?, root: Node) {
        guard let node else {
            source.error("the mapping has no 'route' section (kind, platform, account)", at: root)
            return
        }
        guard let pairs = node.stringKeyedPairs else {
            source.error("'route' must be a mapping", at: node)
            return
        }
        for pair in pairs {
            let value = pair.value.string ?? ""
            switch pair.key {
            case "kind":
                if let kind = RecordKind(rawValue: value) { self.kind = kind } else {
                    source.error("unknown kind '\(value)'; kinds are \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))", at: pair.value)
                }
            case "platform": platform = value
            case "account": account = value
            case "on_error":
                if let policy = BadRecordPolicy(rawValue: value) { onError = policy } else {
                    source.error("on_error is reject_file or skip_record, not '\(value)'", at: pair.value)
                }
            case "timezone": timezone = value
            case "max_removed_share":
                let text = value.hasSuffix("%") ? String(value.dropLast()) : value
                if let share = Double(text), share >= 0, share <= (value.hasSuffix("%") ? 100 : 1) {
                    maxRemovedShare = value.hasSuffix("%") ? share / 100 : share
                } else {
                    source.error("max_removed_share is a share of the catalogue such as 20% or 0.2", at: pair.value)
                }
            case "incomplete_after":
                if let seconds = DurationSetting.seconds(value) { incompleteAfterSeconds = seconds } else {
                    source.error("incomplete_after reads like '5 minutes' (seconds, minutes or hours)", at: pair.value)
                }
            case "file_pattern":
                filePattern = Self.filePattern(value, node: pair.value, source: source)
            case "http":
                http = HTTPIntakeSettings(source: source, node: pair.value)
            case "lookup_wait":
                if let seconds = DurationSetting.seconds(value) { lookupWaitSeconds = seconds } else {
                    source.error("lookup_wait reads like '1 day' (seconds, minutes, hours or days)", at: pair.value)
                }
            case "product_key":
                if OrderContract.productKeyFields.contains(value) { productKey = value } else {
                    source.error("product_key is one of \(OrderContract.productKeyFields.joined(separator: ", ")), not '\(value)'", at: pair.value)
                }
            case "customer_key":
                if CustomerContract.keyFields.contains(value) { customerKey = value } else {
                    source.error("customer_key is one of \(CustomerContract.keyFields.joined(separator: ", ")), not '\(value)'", at: pair.value)
                }
            default:
                source.error("unknown route setting '\(pair.key)'; settings are \(Self.keys.sorted().joined(separator: ", "))", at: pair.keyNode)
            }
        }
        for (name, value) in [("platform", platform), ("account", account)] {
            if value.isEmpty { source.error("the route needs a '\(name)'", at: node) }
            if value.contains(":") || value.contains("/") { source.error("'\(name)' cannot contain ':' or '/' (it is part of order ids)", at: node.member(name)) }
        }
    }
}

extension RouteSettings {
    /// Compiles `file_pattern:`; its named groups become metadata keys, so one may not shadow a standard key.
    static func filePattern(_ pattern: String, node: Node, source: YAMLSource) -> FilePattern? {
        let regex: BoundedRegex
        do throws(BoundedRegex.InvalidPattern) {
            regex = try BoundedRegex(pattern)
        } catch {
            source.error("'\(pattern)' is not a valid regular expression: \(error.message) at character \(error.character)", at: node)
            return nil
        }
        if let risk = RegexRisk.problem(in: pattern) {
            source.error("the pattern '\(pattern)' could take too long: \(risk). Require something between the repeats, or make the inner repeat possessive (a++) or atomic ((?>a+))", at: node)
            return nil
        }
        for group in regex.namedGroups where InputMetadata.standardKeys.contains(group.name) {
            source.error("the capture '\(group.name)' would hide the metadata key of the same name; call it something else", at: node)
        }
        return FilePattern(regex: regex, location: "\(source.file):\(node.mark?.line ?? 1):\(node.mark?.column ?? 1)")
    }
}

/// The `reader:` section, compiled to `ReaderOptions`.
struct ReaderSettings {
    var options: ReaderOptions = .csv(CSVOptions())
    var limits = ReaderLimits.standard
    var isCSV: Bool {
        if case .csv = options { return true }
        return false
    }

    static let keys = Set(["format", "records", "final_line_break", "max_field_bytes", "max_record_bytes"]).union(CSVReaderSettings.keys)

    static func compile(source: YAMLSource, node: Node?, root: Node) -> ReaderSettings {
        var settings = ReaderSettings()
        guard let node, let pairs = node.stringKeyedPairs else {
            source.error("the mapping has no 'reader' section (format: csv, json, ndjson or xml)", at: node ?? root)
            return settings
        }
        for pair in pairs where !keys.contains(pair.key) {
            source.error("unknown reader option '\(pair.key)'; options are \(keys.sorted().joined(separator: ", "))", at: pair.keyNode)
        }
        let format = node.member("format")?.string ?? ""
        if format != "csv" {
            for pair in pairs where CSVReaderSettings.keys.contains(pair.key) {
                source.error("\(pair.key) is a CSV reader option; this reader's format is \(format.isEmpty ? "not set" : format)", at: pair.keyNode)
            }
        }
        for (key, limit) in [("max_field_bytes", \ReaderLimits.maxFieldBytes), ("max_record_bytes", \ReaderLimits.maxRecordBytes)] {
            guard let value = node.member(key) else { continue }
            if let bytes = ReaderLimits.bytes(value.string ?? "") { settings.limits[keyPath: limit] = bytes } else {
                source.error("\(key) is a size: a number of bytes, or with KB, MB or GB (e.g. 1 MB)", at: value)
            }
        }
        if settings.limits.maxRecordBytes < settings.limits.maxFieldBytes {
            source.error("max_record_bytes (\(ReaderLimits.words(settings.limits.maxRecordBytes))) is smaller than max_field_bytes (\(ReaderLimits.words(settings.limits.maxFieldBytes))): a record holds its fields", at: node.member("max_record_bytes") ?? node)
        }
        let records = node.member("records")?.string
        let recordPath = records.map { $0.split(whereSeparator: { $0 == "." || $0 == "/" }).map(String.init) }
        var finalLineBreak = FinalLineBreak.required
        if let node = node.member("final_line_break") {
            if let value = FinalLineBreak(rawValue: node.string ?? "") { finalLineBreak = value } else {
                source.error("final_line_break is required (the default: a last line without its line end means the file is not complete) or optional", at: node)
            }
            if format != "csv", format != "ndjson" {
                source.error("final_line_break applies to csv and ndjson files; a JSON or XML document is complete when it is closed", at: node)
            }
        }
        switch format {
        case "csv":
            settings.options = .csv(CSVReaderSettings.compile(source: source, node: node, finalLineBreak: finalLineBreak))
        case "json":
            settings.options = .json(recordsPath: recordPath)
        case "ndjson":
            settings.options = .ndjson(finalLineBreak: finalLineBreak)
        case "xml":
            guard let recordPath, !recordPath.isEmpty else {
                source.error("an XML reader needs 'records', the element path of one record (e.g. OrderList/Order)", at: node)
                return settings
            }
            settings.options = .xml(recordPath: recordPath)
        default:
            source.error("unknown format '\(format)'; formats are csv, json, ndjson, xml", at: node.member("format") ?? node)
        }
        return settings
    }
}
