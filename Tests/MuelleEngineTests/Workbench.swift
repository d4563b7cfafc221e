import Foundation
import Testing

/// A throwaway workspace with the repository's mappings, driven through the real `muelle` binary.
struct Workbench {
    let root: String

    static let repository: String = {
        // Tests/MuelleEngineTests/Workbench.swift → the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["MUELLE_BIN"] { return explicit }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("muelle").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repository + "/.build/debug/muelle"
    }()

    /// `parent`: where the workspace folder goes (a small tmpfs for full-disk tests); the temporary directory by default.
    init(mappings: [String] = ["shopify-orders", "mercadolibre-orders", "cdiscount-orders"], in parent: String? = nil) throws {
        root = (parent ?? FileManager.default.temporaryDirectory.path) + "/muelle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/mappings", withIntermediateDirectories: true)
        // Carrier profiles come along: routes that ship need theirs.
        try FileManager.default.copyItem(atPath: Self.repository + "/mappings/carriers", toPath: root + "/mappings/carriers")
        for name in mappings {
            try FileManager.default.copyItem(atPath: Self.repository + "/mappings/\(name).yaml", toPath: root + "/mappings/\(name).yaml")
            try FileManager.default.createDirectory(atPath: root + "/inbox/\(name)", withIntermediateDirectories: true)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Writes a drop into `inbox/<route>/` (via a temporary name, as a careful uploader would).
    @discardableResult
    func drop(_ route: String, _ name: String, _ contents: String) throws -> String {
        try drop(route, name, Data(contents.utf8))
    }

    @discardableResult
    func drop(_ route: String, _ name: String, _ data: Data) throws -> String {
        let folder = root + "/inbox/\(route)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.\(name).part"
        try data.write(to: URL(fileURLWithPath: temporary))
        let final = folder + "/" + name
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        // Age it past the quiet period so `run --once` takes it at once.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: final)
        return final
    }

    /// Copies an example drop from `examples/inbox/<route>/`.
    func dropExample(_ route: String, _ name: String, as newName: String? = nil) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/examples/inbox/\(route)/\(name)"))
        try drop(route, newName ?? name, data)
    }

    func write(_ relative: String, _ contents: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func files(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + relative)) ?? []).sorted()
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + relative) }

    /// Every order written to `outbox/orders/`, parsed.
    func orders() throws -> [[String: Any]] {
        try ndjson("outbox/orders")
    }

    func ndjson(_ folder: String) throws -> [[String: Any]] {
        var records: [[String: Any]] = []
        for name in files(folder) where name.hasSuffix(".ndjson") {
            for line in try read("\(folder)/\(name)").split(separator: "\n") {
                records.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
            }
        }
        return records
    }

    func report(_ relativeName: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(read("outbox/reports/" + relativeName).utf8)) as? [String: Any])
    }

    /// The route's card from `muelle status --json`.
    func statusCard(_ route: String) throws -> [String: Any] {
        let out = try muelle(["status", "--json"]).stdout
        let root = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let cards = try #require(root["routes"] as? [[String: Any]])
        return try #require(cards.first { $0["route"] as? String == route })
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `muelle ARGS --root <workspace>` to completion.
    @discardableResult
    /// `environment`: variables added to the test's own (a crash point: `MUELLE_TEST_KILL_AT`).
    func muelle(_ arguments: [String], root useRoot: Bool = true, environment: [String: String] = [:]) throws -> Result {
        let process = start(arguments, root: useRoot)
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are drained at once: a run that logs more than a pipe holds (64 KB) on stderr would
        // otherwise block writing it while we wait for stdout to end.
        let errors = PipeDrain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A `muelle` process, not yet started; stdout/stderr go to /dev/null unless the caller sets them.
    func start(_ arguments: [String], root useRoot: Bool = true) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + (useRoot ? ["--root", root] : [])
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// Waits (polling) until `condition` holds or `seconds` pass; returns whether it held.
    static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
