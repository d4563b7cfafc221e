import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// Money with more decimal places than its currency: refused, unless the mapping declares a rounding on
/// that field, checked at compile time.
@Suite struct MoneyRoundingTests {
    static func mapping(unitPrice: String, extra: String = "") -> String {
        """
        route: { kind: orders, platform: shop, account: main }
        reader: { format: json }
        fields:
          external_id: id
          currency: currency
          created_at: { datetime: at }
          status: { const: ready_to_ship }
          lines: { each: items, fields: { product_key: sku, quantity: { integer: qty }, unit_price: \(unitPrice) } }
        \(extra)
        """
    }

    func diagnostics(_ yaml: String) -> [MappingDiagnostic] {
        do {
            _ = try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
            return []
        } catch let error as MappingLoadError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    func map(_ yaml: String, price: String, currency: String = "EUR") throws -> (RouteMapping.Outcome, RoundedAmounts) {
        let mapping = try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
        let record = Value.object([
            ("id", .number("7")), ("currency", .string(currency)), ("at", .string("2026-11-03T09:15:42Z")),
            ("items", .array([.object([("sku", .string("A")), ("qty", .number("2")), ("price", .number(price))])])),
        ])
        let source = OrderContract.Source(route: "r", file: "f.json", sha256: "", record: 4, line: nil)
        var tally = FilterTally(), rounded = RoundedAmounts()
        let outcomes = mapping.mapRecords([SourceRecord(value: record, position: InputPosition(file: "f.json", record: 4))], source: source,
                                          tally: &tally, rounded: &rounded)
        return (outcomes.first ?? .filtered, rounded)
    }

    @Test func extraPlacesAreRefusedNamingFieldValueAndRecord() throws {
        let (outcome, rounded) = try map(Self.mapping(unitPrice: "{ decimal: price }"), price: "14.900001")
        guard case .rejected(let error) = outcome else { Issue.record("accepted: \(outcome)"); return }
        #expect(error.position.field == "lines[1].unit_price")
        #expect(error.position.record == 4)
        #expect(error.message.contains("\"14.900001\" has 6 decimal places, more than the 2 of EUR"))
        #expect(error.message.contains("round: half_even"))
        #expect(rounded.isEmpty)
    }

    @Test func trailingZerosAreNotExtraPlaces() throws {
        let (outcome, _) = try map(Self.mapping(unitPrice: "{ decimal: price }"), price: "10.0000")
        guard case .mapped(let order, _) = outcome else { Issue.record("rejected: \(outcome)"); return }
        #expect(order["lines"]?.firstLine?["unit_price"] == .string("10.00"))
        let (yen, _) = try map(Self.mapping(unitPrice: "{ decimal: price }"), price: "1500.5", currency: "JPY")
        guard case .rejected(let error) = yen else { Issue.record("JPY 1500.5 accepted"); return }
        #expect(error.message.contains("more than the 0 of JPY"))
    }

    @Test func aDeclaredRoundingRoundsAndIsCounted() throws {
        let even = Self.mapping(unitPrice: "{ decimal: price, round: half_even }")
        let (outcome, rounded) = try map(even, price: "2.125")
        guard case .mapped(let order, _) = outcome else { Issue.record("rejected: \(outcome)"); return }
        #expect(order["lines"]?.firstLine?["unit_price"] == .string("2.12"))
        #expect(order["lines"]?.firstLine?["total"] == .string("4.24"))
        #expect(rounded.counts == ["lines.unit_price": 1])
        let (up, _) = try map(Self.mapping(unitPrice: "{ decimal: price, round: half_up }"), price: "2.125")
        guard case .mapped(let upOrder, _) = up else { Issue.record("rejected"); return }
        #expect(upOrder["lines"]?.firstLine?["unit_price"] == .string("2.13"))
        let (long, _) = try map(even, price: "3.3333333333333333333333333333333333333")
        guard case .mapped(let longOrder, _) = long else { Issue.record("rejected"); return }
        #expect(longOrder["lines"]?.firstLine?["unit_price"] == .string("3.33"))
    }

    @Test func aRoundingIsCheckedAtCompileTime() {
        let mode = diagnostics(Self.mapping(unitPrice: "{ decimal: price, round: bankers }"))
        #expect(mode.map(\.description).contains { $0.hasPrefix("mappings/r.yaml:8:") && $0.contains("'round' of 'decimal' is half_even or half_up, not 'bankers'") })
        let misplaced = diagnostics(Self.mapping(unitPrice: "{ decimal: price }", extra: "  customer: { name: { decimal: id, round: half_even } }"))
        #expect(misplaced.count == 1)
        #expect(misplaced.first?.line == 9)
        #expect(misplaced.first?.message.contains("'customer.name' is not a money field") == true)
        let nested = diagnostics(Self.mapping(unitPrice: "{ multiply: [qty, { decimal: price, round: half_up }] }"))
        #expect(nested.first?.message.contains("here it is inside another function") == true)
        #expect(diagnostics(Self.mapping(unitPrice: "{ decimal: price, round: half_up }", extra: "  totals: { shipping: { decimal: ship, round: half_even } }")).isEmpty)
    }
}

private extension Value {
    var firstLine: Value? {
        if case .array(let lines) = self { return lines.first }
        return nil
    }
}
