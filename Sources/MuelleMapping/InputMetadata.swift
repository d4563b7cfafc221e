import Foundation
import MuelleCore

/// What is known about an input besides its content, as a mapping reads it with `{ meta: key }`.
///
/// A file brings its name and the time it arrived; the route's `file_pattern` adds its named captures.
/// Another intake (the HTTP intake) adds its own keys through `given` — the request's path parameters and
/// chosen headers — and declares them to the compiler the same way, so the language does not change.
public struct InputMetadata: Sendable, Equatable {
    /// The input's file name, as dropped (no folder).
    public var fileName: String
    /// When the input arrived: for a file in the inbox, its modification time (when the upload last
    /// wrote it), not when muelle got round to it. Nil where it is not known (`muelle test` without it).
    public var receivedAt: Date?
    /// Further keys set by whoever hands the input over (`muelle test`'s `<case>.meta.json`).
    public var given: [String: String]

    public init(fileName: String, receivedAt: Date?, given: [String: String] = [:]) {
        self.fileName = fileName
        self.receivedAt = receivedAt
        self.given = given
    }

    /// The keys every input has.
    public static let standardKeys = ["file_name", "received_at"]

    /// An arrival time given by hand (`muelle try --received-at`, a test case's `received_at`): ISO 8601
    /// with its UTC offset, since an arrival without one names no instant.
    public static func time(_ text: String) -> Date? {
        guard let parsed = DateTimePattern.iso8601.parse(text), let offset = parsed.offsetSeconds else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(parsed.normalisingLeapSecond().localEpochSeconds - offset))
    }
}

/// A route's `file_pattern:`: the PCRE2 pattern an input's name must match to be the route's input,
/// whose named groups are metadata keys (`(?<order>[^_]+)` → `{ meta: order }`).
public struct FilePattern: Sendable {
    public let regex: BoundedRegex
    /// Where it is written, for messages: `mappings/x.yaml:5:17`.
    public let location: String

    /// The captures of `name`, or an error saying the file is not the route's input.
    func captures(of name: String) throws -> [String: Value] {
        let groups: [Substring?]?
        do {
            groups = try regex.firstMatch(in: name)
        } catch {
            throw MuelleError(.regexLimit, "the route's file_pattern (\(location)) needed \(error.description) on this file name and was stopped; simplify the pattern",
                              at: InputPosition(file: name))
        }
        guard let groups else {
            throw MuelleError(.fileName,
                "the file name does not match the route's file_pattern '\(regex.pattern)' (\(location)), so it is not this route's input and was not read; rename it to match, or drop it into the route it belongs to",
                at: InputPosition(file: name))
        }
        var values: [String: Value] = [:]
        for (name, number) in regex.namedGroups {
            values[name] = number < groups.count ? groups[number].map { .string(String($0)) } ?? .null : .null
        }
        return values
    }
}

extension RouteMapping {
    /// The values `{ meta: … }` reads for one input: refuses an input whose name the route's
    /// `file_pattern` does not match.
    public func metadataValues(_ metadata: InputMetadata) throws -> [String: Value] {
        var values: [String: Value] = [:]
        for (key, value) in metadata.given { values[key] = .string(value) }
        if let filePattern { values.merge(try filePattern.captures(of: metadata.fileName)) { _, capture in capture } }
        values["file_name"] = .string(metadata.fileName)
        values["received_at"] = metadata.receivedAt.map { .string(ReceivedTime.iso8601($0, zone: timeZone)) } ?? .null
        return values
    }
}

/// The arrival time as ISO 8601 with an offset: in the route's time zone when it names one, else UTC.
enum ReceivedTime {
    static func iso8601(_ date: Date, zone: TimeZone?) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let offset = zone?.secondsFromGMT(for: date) ?? 0
        return DateTimePattern.Parsed().adding(seconds: seconds + offset).iso8601(offsetSeconds: offset)
    }
}
