import MuelleMapping
import Testing

/// `muelle.yaml`'s `listen:`: an address alone, or the listener's settings with `/readyz`'s disk floor.
@Suite struct WorkspaceSettingsTests {
    func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try WorkspaceSettings.compile(yaml: yaml, file: "muelle.yaml")
            return []
        } catch {
            return error.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
        }
    }

    @Test func listenTakesAnAddressOrItsSettings() throws {
        let plain = try WorkspaceSettings.compile(yaml: "listen: 127.0.0.1:8080\n", file: "muelle.yaml")
        #expect(plain.listen?.description == "127.0.0.1:8080")
        #expect(plain.readyMinFreeBytes == 100 << 20)
        let full = try WorkspaceSettings.compile(yaml: "listen:\n  address: '[::1]:9090'\n  ready_min_free: 2 GB\n", file: "muelle.yaml")
        #expect(full.listen?.description == "[::1]:9090")
        #expect(full.readyMinFreeBytes == 2 << 30)
        // The floor alone: the address comes from `muelle run --listen`.
        let floorOnly = try WorkspaceSettings.compile(yaml: "listen: { ready_min_free: 500 MB }\n", file: "muelle.yaml")
        #expect(floorOnly.listen == nil)
        #expect(floorOnly.readyMinFreeBytes == 500 << 20)
    }

    @Test func badListenSettingsAreNamedWithTheirLine() {
        #expect(diagnostics("listen:\n  address: 127.0.0.1:8080\n  ready_min_free: plenty\n")
            == ["3:19: ready_min_free is a size such as 500 MB (B, KB, MB or GB)"])
        #expect(diagnostics("listen:\n  adress: 127.0.0.1:8080\n")
            == ["2:3: unknown listen setting 'adress'; settings are address, ready_min_free"])
        #expect(diagnostics("listen: { address: localhost }\n") == ["1:20: listen is host:port, such as 127.0.0.1:8080"])
    }
}
