import Foundation
import Testing

/// A throwaway workspace with one small route (`prices`), driven through the real `muelle` binary.
struct ConsoleBench {
    let root: String
    static let token = "console-token-for-tests-0123456789"

    static let repository: String = {
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

    /// A price list kept as reference data; `price` read as a decimal (strict) or as text (lenient).
    static func mapping(strict: Bool, expect: String? = nil) -> String {
        """
        route: { kind: reference, platform: test, account: main }
        reader: { format: csv }
        \(expect.map { "expect: \($0)\n" } ?? "")fields:
          key: id
          price: \(strict ? "{ decimal: price }" : "price")
        """
    }

    init(strict: Bool = true, expect: String? = nil) throws {
        root = FileManager.default.temporaryDirectory.path + "/muelle-console-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/inbox/prices", withIntermediateDirectories: true)
        try write("mappings/prices.yaml", Self.mapping(strict: strict, expect: expect))
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    func write(_ relative: String, _ contents: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A drop in `inbox/prices/`, aged past the quiet period.
    func drop(_ name: String, _ contents: String) throws {
        let path = root + "/inbox/prices/" + name
        try write("inbox/prices/." + name + ".part", contents)
        try FileManager.default.moveItem(atPath: root + "/inbox/prices/." + name + ".part", toPath: path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: path)
    }

    func files(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + relative)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func process(_ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--root", root]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// Runs `muelle ARGS` to completion; its exit status.
    @discardableResult
    func muelle(_ arguments: [String]) throws -> Int32 {
        let process = process(arguments)
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `muelle console --listen 127.0.0.1:0`, started; its base URL once it listens.
    func startConsole() throws -> (Process, String) {
        let process = process(["console", "--listen", "127.0.0.1:0"], environment: ["MUELLE_CONSOLE_TOKEN": Self.token])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            process.terminate()
            throw HTTPFailure(description: "the console did not start: \(text)")
        }
        return (process, String(text[range]))
    }

    static var basicAuth: String { "Basic " + Data("staff:\(token)".utf8).base64EncodedString() }

    struct HTTPFailure: Error, CustomStringConvertible { var description: String }

    /// One HTTP/1.1 request on a socket of its own (redirects are not followed: the test sees them).
    static func request(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil) async throws -> (Int, String, [String: String]) {
        try PlainHTTP.request(method, url, headers: headers, body: body)
    }

    static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}
