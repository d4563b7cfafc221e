import Foundation
import MuelleCore
import MuelleMapping

/// `muelle test`: golden-file tests beside the mappings.
///
/// A case is an input `mappings/tests/<route>/<case>.<csv|json|ndjson|xml|txt|tsv>` with its expected
/// `try` output in `<case>.expected.json`. A failing case prints a line diff. The input's name is the case's
/// file name (so `{ meta: file_name }` and `file_pattern` captures read it); the rest of its metadata comes
/// from `<case>.meta.json` when there is one (`{"received_at": "2026-11-24T13:05:00-03:00"}`), and
/// `received_at` is null without it, so expected outputs never depend on when the files were checked out.
public enum MappingTests {
    public struct CaseResult: Sendable {
        public var route: String
        public var name: String
        public var passed: Bool
        /// The diff (expected → actual) or the error, for a failing case.
        public var detail: String
    }

    public static func run(workspace: Workspace) -> [CaseResult] {
        let root = workspace.mappings + "/tests"
        let routes = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        var results: [CaseResult] = []
        for route in routes {
            let folder = root + "/" + route
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            let inputs = names.filter { !$0.hasSuffix(".expected.json") && !$0.hasSuffix(Self.metadataSuffix) && !$0.hasPrefix(".") }
            let mapping: RouteMapping
            do {
                mapping = try TryRun.loadMapping(route, workspace: workspace)
            } catch {
                results.append(CaseResult(route: route, name: "(mapping)", passed: false, detail: "\(error)"))
                continue
            }
            let references = SampleReferences.load(for: mapping, workspace: workspace)
            for input in inputs {
                let stem = input.contains(".") ? String(input[..<(input.lastIndex(of: ".") ?? input.endIndex)]) : input
                let expectedPath = folder + "/" + stem + ".expected.json"
                guard let expected = try? String(contentsOfFile: expectedPath, encoding: .utf8) else {
                    results.append(CaseResult(route: route, name: stem, passed: false,
                                              detail: "no \(workspace.relative(expectedPath)); create it with `muelle try \(route) \(workspace.relative(folder + "/" + input)) > \(workspace.relative(expectedPath))` once the output is right"))
                    continue
                }
                do {
                    let metadata = try caseMetadata(input: input, path: folder + "/" + stem + Self.metadataSuffix, workspace: workspace)
                    let actual = JSONText.pretty(try TryRun.run(mapping: mapping, file: folder + "/" + input, metadata: metadata, references: references).value) + "\n"
                    let passed = actual == expected
                    results.append(CaseResult(route: route, name: stem, passed: passed, detail: passed ? "" : LineDiff.unified(expected: expected, actual: actual)))
                } catch {
                    results.append(CaseResult(route: route, name: stem, passed: false, detail: "\(error)"))
                }
            }
        }
        return results
    }

    static let metadataSuffix = ".meta.json"

    /// The case's metadata: its input's name, and what `<case>.meta.json` says (an object of strings).
    static func caseMetadata(input: String, path: String, workspace: Workspace) throws -> InputMetadata {
        guard let data = FileManager.default.contents(atPath: path) else { return InputMetadata(fileName: input, receivedAt: nil) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw MuelleError(.configuration, "\(workspace.relative(path)) must be a JSON object of strings, such as {\"received_at\": \"2026-11-24T13:05:00-03:00\"}")
        }
        var given = object
        var receivedAt: Date?
        if let text = given.removeValue(forKey: "received_at") {
            guard let time = InputMetadata.time(text) else {
                throw MuelleError(.configuration, "\(workspace.relative(path)): received_at \(QuotedInput.quote(text)) is not an ISO 8601 time with its UTC offset")
            }
            receivedAt = time
        }
        if given["file_name"] != nil {
            throw MuelleError(.configuration, "\(workspace.relative(path)): file_name is the case's own file name; rename the input instead")
        }
        return InputMetadata(fileName: input, receivedAt: receivedAt, given: given)
    }
}

/// A small line diff (longest common subsequence) for golden-file failures.
enum LineDiff {
    static func unified(expected: String, actual: String, context: Int = 2) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard a.count * b.count <= 25_000_000 else { return "--- expected\n+++ actual\n(outputs too large to diff line by line)" }
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [(Character, String)] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] { ops.append((" ", a[i])); i += 1; j += 1 }
            else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] { ops.append(("+", b[j])); j += 1 }
            else { ops.append(("-", a[i])); i += 1 }
        }
        let changed = ops.indices.filter { ops[$0].0 != " " }
        var shown = Set<Int>()
        for index in changed { for k in max(0, index - context)...min(ops.count - 1, index + context) { shown.insert(k) } }
        var out = ["--- expected", "+++ actual"]
        var last = -2
        for k in shown.sorted() {
            if k != last + 1 { out.append("@@") }
            out.append("\(ops[k].0)\(ops[k].1)")
            last = k
        }
        return out.joined(separator: "\n")
    }
}
