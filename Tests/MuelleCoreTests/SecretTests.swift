import Foundation
import MuelleCore
import Testing

/// The one secret type: whatever a merchant's log, report or JSON file shows of it is a placeholder.
@Suite struct SecretTests {
    let secret = Secret("hunter2-Sup3r")

    @Test func printingItInAnyWayShowsAPlaceholder() {
        #expect("\(secret)" == "<secret>")
        #expect(String(describing: secret) == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
        #expect("\([secret])" == "[<secret>]")
        #expect("\(Optional(secret) as Any)" == "Optional(<secret>)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(secret.reveal() == "hunter2-Sup3r")
    }

    @Test func encodingItWritesThePlaceholderNeverTheValue() throws {
        struct Settings: Codable { var user: String; var password: Secret }
        let json = String(decoding: try JSONEncoder().encode(Settings(user: "shop", password: secret)), as: UTF8.self)
        #expect(json.contains("<secret>"))
        #expect(!json.contains("hunter2"))
    }

    @Test func decodingItKeepsTheValueForTheOneCallThatNeedsIt() throws {
        let decoded = try JSONDecoder().decode([String: Secret].self, from: Data(#"{"token":"t0ken-42"}"#.utf8))
        #expect(decoded["token"]?.reveal() == "t0ken-42")
        #expect("\(decoded)" == #"["token": <secret>]"#)
    }
}
