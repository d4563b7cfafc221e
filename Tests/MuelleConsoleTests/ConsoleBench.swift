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

    /// Copies the repository's `mappings/<name>.yaml` (and its carrier profiles) into this workspace.
    func copyMappings(_ names: [String]) throws {
        let carriers = root + "/mappings/carriers"
        if !FileManager.default.fileExists(atPath: carriers) {
            try FileManager.default.copyItem(atPath: Self.repository + "/mappings/carriers", toPath: carriers)
        }
        for name in names {
            try FileManager.default.copyItem(atPath: Self.repository + "/mappings/\(name).yaml", toPath: root + "/mappings/\(name).yaml")
            try FileManager.default.createDirectory(atPath: root + "/inbox/\(name)", withIntermediateDirectories: true)
        }
    }

    /// A drop of the repository file `example` (relative to `examples/`) into `inbox/<route>/`, aged past the quiet period.
    func dropExample(_ example: String, route: String) throws {
        let name = (example as NSString).lastPathComponent
        let folder = root + "/inbox/" + route
        try FileManager.default.copyItem(atPath: Self.repository + "/examples/" + example, toPath: folder + "/." + name + ".part")
        try FileManager.default.moveItem(atPath: folder + "/." + name + ".part", toPath: folder + "/" + name)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -5)], ofItemAtPath: folder + "/" + name)
    }

    /// `muelle run --listen` on a free port of 127.0.0.1, with the console's token; its base URL once it answers.
    func startRun(environment: [String: String] = [:]) throws -> (Process, String) {
        let port = try Self.freePort()
        let process = process(["run", "--listen", "127.0.0.1:\(port)", "--quiet-ms", "200", "--rescan-seconds", "1"],
                              environment: environment.merging(["MUELLE_CONSOLE_TOKEN": Self.token]) { $1 })
        try process.run()
        let base = "http://127.0.0.1:\(port)"
        guard Self.eventually(within: 30, { (try? PlainHTTP.request("GET", base + "/healthz", headers: [:], body: nil))?.0 == 200 }) else {
            process.terminate()
            throw HTTPFailure(description: "muelle run --listen did not answer on \(base)")
        }
        return (process, base)
    }

    /// A port nobody listens on now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(socket, raw, length) == 0, getsockname(socket, raw, &length) == 0 else { throw HTTPFailure(description: "no free port") }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
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
