import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders
import Yams

/// An XML element with attributes reads as its text where a value is expected; an element with child
/// elements read as a value is an error naming its path, never a value that silently matches nothing.
@Suite struct XMLElementValueTests {
    /// `<order><id_address_delivery xlink:href="…">5</id_address_delivery><associations><order_rows>…`
    /// as the XML reader builds it.
    let order: Value = .object([
        ("id_address_delivery", .object([("@href", .string("https://shop/api/addresses/5")), ("#text", .string("5"))])),
        ("current_state", .object([("@href", .string("https://shop/api/order_states/2")), ("#text", .string("2"))])),
        ("associations", .object([("order_rows", .object([
            ("@nodeType", .string("order_row")),
            ("order_row", .object([("product_id", .object([("@href", .string("https://shop/api/products/1")), ("#text", .string("1"))]))])),
        ]))])),
    ])

    func evaluate(_ yaml: String, xml: Bool = true) throws -> Value {
        let source = YAMLSource(file: "t.yaml", text: yaml)
        let node = try #require(try Yams.compose(yaml: yaml))
        var compiler = ExpressionCompiler(source: source, splitsPaths: true, defaultTimeZone: nil)
        compiler.readsXML = xml
        let expression = compiler.expression(node)
        #expect(source.diagnostics.isEmpty, "\(source.diagnostics)")
        var scope = EvalScope(group: [SourceRecord(value: order, position: InputPosition(file: "orders.xml", record: 1, line: 4))])
        return try expression(&scope)
    }

    @Test func anElementWithAttributesReadsAsItsText() throws {
        #expect(try evaluate("id_address_delivery") == .string("5"))
        #expect(try evaluate("{ equals: current_state, value: \"2\" }") == .bool(true))
        #expect(try evaluate("{ map: current_state, table: { \"2\": ready_to_ship } }") == .string("ready_to_ship"))
        #expect(try evaluate("{ first: { each: associations/order_rows/order_row, value: product_id } }") == .string("1"))
        // The attribute and the text are still there by name.
        #expect(try evaluate("id_address_delivery/@href") == .string("https://shop/api/addresses/5"))
        #expect(try evaluate("id_address_delivery/#text") == .string("5"))
    }

    @Test func anElementWithChildrenReadAsAValueIsAnErrorNamingItsPath() throws {
        #expect {
            _ = try evaluate("{ equals: associations/order_rows, value: x }")
        } throws: { error in
            guard let e = error as? MuelleError else { return false }
            return e.code == .badValue && e.position.field == "associations/order_rows" && e.position.record == 1
                && e.message.contains("associations/order_rows is an element with child elements (order_row), not a single value; read one of them, such as associations/order_rows/order_row")
        }
        #expect(throws: MuelleError.self) { _ = try evaluate("{ upper: associations }") }
        #expect(throws: MuelleError.self) { _ = try evaluate("{ decimal: associations/order_rows }") }
        #expect(throws: MuelleError.self) { _ = try evaluate("{ in: associations/order_rows, values: [x] }") }
    }

    @Test func jsonObjectsAreNotTakenForXMLElements() throws {
        #expect(try evaluate("id_address_delivery", xml: false) == order["id_address_delivery"])
    }
}
