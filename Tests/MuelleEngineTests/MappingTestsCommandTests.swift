import Foundation
import Testing

/// `muelle check` and `muelle test` on the repository's own mappings and golden files.
@Suite struct MappingTestsCommandTests {
    func workspaceWithRepositoryMappings() throws -> Workbench {
        let bench = try Workbench(mappings: [])
        try FileManager.default.removeItem(atPath: bench.root + "/mappings")
        try FileManager.default.copyItem(atPath: Workbench.repository + "/mappings", toPath: bench.root + "/mappings")
        return bench
    }

    @Test func repositoryMappingsCheckCleanAndTheirTestsPass() throws {
        let bench = try workspaceWithRepositoryMappings()
        defer { bench.remove() }
        let check = try bench.muelle(["check"])
        #expect(check.status == 0, "\(check.stdout)")
        let test = try bench.muelle(["test"])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdout.contains("0 failed"))
        #expect(!test.stdout.contains("FAIL"))
    }

    @Test func aChangedMappingFailsItsGoldenFileWithADiff() throws {
        let bench = try workspaceWithRepositoryMappings()
        defer { bench.remove() }
        let mapping = try bench.read("mappings/mercadolibre-orders.yaml")
            .replacingOccurrences(of: "      total: { multiply: [quantity, unit_price] }", with: "      total: { add: [quantity, unit_price] }")
        try bench.write("mappings/mercadolibre-orders.yaml", mapping)
        let test = try bench.muelle(["test"])
        #expect(test.status == 1)
        #expect(test.stdout.contains("FAIL  mercadolibre-orders/exact-money"))
        #expect(test.stdout.contains("-          \"total\": \"99999.99\""))
        #expect(test.stdout.contains("+          \"total\": \"33336.33\""))
    }
}
