import Foundation
import Testing
@testable import MuelleMapping
import MuelleCore
import MuelleReaders

/// `{ meta: … }` and `file_pattern`: checked at compile time, read from the input's name and arrival.
@Suite struct MetadataTests {
    static func yaml(pattern: String? = nil, timezone: String? = nil, _ fields: String) -> String {
        """
        route:
          kind: order-events
          platform: app
          account: main
        \(pattern.map { "  file_pattern: '\($0)'\n" } ?? "")\(timezone.map { "  timezone: \($0)\n" } ?? "")reader: { format: json }
        fields:
          order_id: { meta: order }
          status: { const: cancelled }
          occurred_at: \(fields)

        """
    }

    static let pattern = "^remoteId_(?<vendor>[^_]+)_remoteOrder_(?<order>[^_]+)_posOrderStatus(?:_[0-9]+)?\\.json$"

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

    func event(_ yaml: String, fileName: String, receivedAt: Date?) throws -> RouteMapping.Outcome {
        let mapping = try MappingLoader.compile(yaml: yaml, route: "r", file: "mappings/r.yaml")
        let values = try mapping.metadataValues(InputMetadata(fileName: fileName, receivedAt: receivedAt))
        let record = SourceRecord(value: .object([("status", .string("ORDER_CANCELLED"))]), position: InputPosition(record: 1, line: 1))
        return mapping.map([record], source: OrderContract.Source(route: "r", file: fileName, sha256: "", record: 1, line: 1), metadata: values)
    }

    @Test func aKeyThatIsNeitherStandardNorACaptureIsACompileErrorAtItsLine() {
        let found = diagnostics(Self.yaml(pattern: Self.pattern, "{ meta: received_at }").replacingOccurrences(of: "{ meta: order }", with: "{ meta: ordr }"))
        #expect(found.count == 1)
        #expect(found.first?.line == 8)
        #expect(found.first?.message.contains("no metadata 'ordr' (did you mean 'order'?)") == true, "\(found)")
        #expect(found.first?.message.contains("vendor, order") == true)
    }

    @Test func aCaptureWithoutAFilePatternSaysToAddANamedGroup() {
        let found = diagnostics(Self.yaml("{ meta: received_at }"))
        #expect(found.first?.message.contains("needs a named group in the route's file_pattern, such as (?<order>") == true, "\(found)")
    }

    @Test func metaWhereTheNormalisedRecordIsReadAndACaptureShadowingAStandardKeyAreErrors() {
        let output = diagnostics(Self.yaml(pattern: Self.pattern, "{ meta: received_at }") + """
            output:
              format: csv
              file: "x.csv"
              columns:
                Name: { meta: file_name }
            """)
        #expect(output.contains { $0.message.contains("'meta' reads the input's metadata") }, "\(output)")
        let shadow = diagnostics(Self.yaml(pattern: "^(?<file_name>.+)_(?<order>.+)$", "{ meta: received_at }"))
        #expect(shadow.contains { $0.message.contains("the capture 'file_name' would hide") }, "\(shadow)")
    }

    @Test func capturesAndTheArrivalTimeWithTheRoutesOffsetAreRead() throws {
        let yaml = Self.yaml(pattern: Self.pattern, timezone: "America/Argentina/Buenos_Aires", "{ meta: received_at }")
        let arrival = try #require(InputMetadata.time("2026-11-24T15:09:12Z"))
        guard case .mapped(let event, _) = try event(yaml, fileName: "remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_1.json", receivedAt: arrival) else {
            Issue.record("not mapped")
            return
        }
        #expect(event["order_id"] == .string("x7gr-3fx4"))
        #expect(event["occurred_at"] == .string("2026-11-24T12:09:12-03:00"))
    }

    @Test func aNameThePatternDoesNotMatchIsNotTheRoutesInput() throws {
        let mapping = try MappingLoader.compile(yaml: Self.yaml(pattern: Self.pattern, "{ meta: received_at }"), route: "r", file: "mappings/r.yaml")
        #expect(throws: MuelleError.self) { try mapping.metadataValues(InputMetadata(fileName: "cancel.json", receivedAt: nil)) }
        do {
            _ = try mapping.metadataValues(InputMetadata(fileName: "cancel.json", receivedAt: nil))
        } catch let error as MuelleError {
            #expect(error.code == .fileName)
            #expect(error.message.contains("mappings/r.yaml:5:17"), "\(error.message)")
        }
        #expect(mapping.readsFileName)
    }
}
