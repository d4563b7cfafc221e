import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore

/// `html_text` and `decode_entities`: shop names and descriptions as people read them, in bounded work.
@Suite struct HTMLTextTests: EvaluatesExpressions {
    @Test func namedDecimalAndHexReferencesAreDecoded() throws {
        #expect(try evaluate("{ decode_entities: v }", "Hoodie &ndash; Blue") == .string("Hoodie – Blue"))
        #expect(try evaluate("{ decode_entities: v }", "Caf&eacute; &amp; t&eacute;&nbsp;verde") == .string("Café & té\u{A0}verde"))
        #expect(try evaluate("{ decode_entities: v }", "a &#8211; b &#x2013; c &#X2014; d") == .string("a – b – c — d"))
        #expect(try evaluate("{ decode_entities: v }", "&lt;b&gt; &quot;x&quot; &apos;y&apos; &euro;5 &times; 2") == .string("<b> \"x\" 'y' €5 × 2"))
    }

    @Test func anythingThatIsNoKnownReferenceStaysAsWritten() throws {
        for text in ["&bogus; AT&T &amp no semicolon", "&#0; &#xD800; &#99999999; &#; &#x;", "Fish & Chips", "&", "a&;b", "&&amp;"] {
            let expected = text.replacingOccurrences(of: "&&amp;", with: "&&")
            #expect(try evaluate("{ decode_entities: v }", text) == .string(expected))
        }
    }

    @Test func htmlTextStripsTagsDecodesAndCollapsesWhitespace() throws {
        let html = "<p>Sudadera <strong>100%</strong> algod&oacute;n.</p>\n<ul><li>Talla&nbsp;M</li><li>Lavar a 30&#176;</li></ul><!-- <b>hidden</b> -->"
        #expect(try evaluate("{ html_text: v }", html) == .string("Sudadera 100% algodón. Talla M Lavar a 30°"))
        // An escaped tag is text once decoded, not a tag; a lone "<" is text too.
        #expect(try evaluate("{ html_text: v }", "&lt;b&gt;bold&lt;/b&gt; if a < b<br/>end") == .string("<b>bold</b> if a < b end"))
        #expect(try evaluate("{ html_text: v }", "in<b>line</b>d") == .string("inlined"))
        #expect(try evaluate("{ html_text: v }", "   ") == .string(""))
    }

    @Test func hostileTextTakesLinearTime() throws {
        // Many ampersands and unclosed tags: each is looked at a bounded number of times.
        let text = String(repeating: "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa<", count: 20_000)
        let start = ContinuousClock.now
        _ = try evaluate("{ html_text: v }", text)
        _ = try evaluate("{ decode_entities: v }", text)
        // Quadratic on this text takes minutes: the bound tells the two apart on a loaded machine too.
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func anAbsentValueStaysNull() throws {
        #expect(try evaluate("{ html_text: missing }", "x") == .null)
    }
}
