import Foundation
import Testing
import FuzzTargets

/// Every input a fuzz target once crashed on (saved by `bench/fuzz` in `Fuzz/regressions/<target>/`)
/// runs through the same target body here, so the fix stays fixed without libFuzzer.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// `target/file` for every saved input, plus every seed (the seeds must pass too).
    static let inputs: [String] = FuzzTargets.all.keys.sorted().flatMap { target in
        ["regressions", "corpus"].flatMap { kind in
            let folder = root.appendingPathComponent(kind).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(kind)/\(target)/\($0)" }
        }
    }

    @Test(arguments: inputs)
    func savedInputPasses(_ input: String) throws {
        let target = input.split(separator: "/")[1]
        let body = try #require(FuzzTargets.all[String(target)])
        let data = try Data(contentsOf: Self.root.appendingPathComponent(input))
        try data.withUnsafeBytes { raw in try body(raw.bindMemory(to: UInt8.self)) }
    }

    @Test func everyTargetHasSeeds() {
        for target in FuzzTargets.all.keys {
            #expect(Self.inputs.contains { $0.hasPrefix("corpus/\(target)/") }, "no seed for \(target)")
        }
    }
}
