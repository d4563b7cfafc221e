import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// Regular expressions run in bounded time: PCRE2 with limits, the mapping language's semantics kept,
/// and the shapes that backtrack exponentially refused at load.
@Suite struct BoundedRegexTests {
    func evaluate(_ yaml: String, _ text: String) throws -> Value {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        let expression = ExpressionCompiler(source: source, splitsPaths: false, defaultTimeZone: nil).expression(node)
        #expect(source.diagnostics.isEmpty, "\(source.diagnostics)")
        var scope = EvalScope(group: [SourceRecord(value: .object([("n", .string(text))]), position: InputPosition(file: "f.csv", record: 7, line: 9))])
        return try expression(&scope)
    }

    func diagnostics(_ yaml: String) throws -> [String] {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        _ = ExpressionCompiler(source: source, splitsPaths: false, defaultTimeZone: nil).expression(node)
        return source.diagnostics.map(\.description)
    }

    @Test func capturesReplacesAndMatchesAsBefore() throws {
        #expect(try evaluate(##"{ regex: n, pattern: "#([0-9]+)" }"##, "order #1050") == .string("1050"))
        #expect(try evaluate(##"{ regex: n, pattern: "(x)?([0-9]+)", group: 1 }"##, "1050") == .null)
        #expect(try evaluate(##"{ regex: n, pattern: "([a-z]+)-([0-9]+)", group: 0 }"##, "sku abc-12") == .string("abc-12"))
        #expect(try evaluate(##"{ replace: n, pattern: "(\\d+)-(\\d+)", with: "$2/$1" }"##, "10-20 and 3-4") == .string("20/10 and 4/3"))
        #expect(try evaluate(##"{ replace: n, pattern: "€", with: "\\$" }"##, "9 €") == .string("9 $"))
        #expect(try evaluate(##"{ replace: n, pattern: "x*", with: "-" }"##, "ab") == .string("-a-b-"))
        #expect(try evaluate(##"{ replace: n, pattern: "^'", with: "" }"##, "'0123") == .string("0123"))
        // Unicode-aware, as ICU was: \d and \w take non-ASCII digits and letters, offsets are characters.
        #expect(try evaluate(##"{ regex: n, pattern: "(\\w+)$" }"##, "Calle Ñandú") == .string("Ñandú"))
        #expect(try evaluate(##"{ if: { matches: n, pattern: "^\\d{3}$" }, then: { const: "digits" }, else: { const: "other" } }"##, "١٢٣") == .string("digits"))
        #expect(try evaluate(##"{ replace: n, pattern: "é", with: "e" }"##, "") == .string(""))
    }

    @Test func aValueThatHitsTheLimitRejectsTheRecordNamingTheField() throws {
        let hostile = String(repeating: "a", count: 60) + "!"
        let started = Date()
        #expect {
            _ = try evaluate(##"{ regex: n, pattern: "^(\\w|a)*$", group: 0 }"##, hostile)
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.code == .regexLimit && e.position.field == "n" && e.position.record == 7 && e.position.line == 9
                && e.message.contains("backtracking steps")
        }
        #expect(throws: MuelleError.self) { try evaluate(##"{ replace: n, pattern: "^(\\w|a)*$", with: "" }"##, hostile) }
        #expect(throws: MuelleError.self) { try evaluate(##"{ if: { matches: n, pattern: "^(\\w|a)*$" }, then: 1 }"##, hostile) }
        // Unbounded, the pattern backtracks for ages: seconds tell the two apart on any machine.
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func nestedRepeatsAndRepeatedAlternativesAreRefusedAtLoad() throws {
        for pattern in ["(a+)+$", "(a*)*", "(a|a)*", "(a|aa)+b", #"^(\\w+\\s?)*$"#, "(?:x+|y)+", "((a+)b?)*", "(?<n>a+){2,}"] {
            let found = try diagnostics(#"{ regex: n, pattern: "\#(pattern)" }"#)
            #expect(found.count == 1 && found[0].contains("could take too long"), "\(pattern): \(found)")
        }
        // A required part between repeats, possessive or atomic inner repeats, bounded outer repeats: fine.
        for pattern in [#"(\\d+\\.)*\\d+"#, #"(\\s*,\\s*)+"#, "(a++)+", "(?>a+)+", "(a+){2}", "(ab|cd)*", "[(a+)+]", #"\\(a+\\)+"#, "(?i)(abc)+"] {
            #expect(try diagnostics(#"{ regex: n, pattern: "\#(pattern)", group: 0 }"#).isEmpty, "\(pattern)")
        }
    }

    @Test func invalidPatternsAndMissingGroupsAreNamed() throws {
        let invalid = try diagnostics(#"{ regex: n, pattern: "(x" }"#)
        #expect(invalid.first?.contains("not a valid regular expression: missing closing parenthesis at character 3") == true, "\(invalid)")
        let group = try diagnostics(#"{ replace: n, pattern: "(x)", with: "$2" }"#)
        #expect(group.first?.contains("'with' uses group 2") == true, "\(group)")
    }
}
