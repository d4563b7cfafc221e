import Foundation

/// A throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, `pg_ctl start` on a free port of
/// 127.0.0.1 (its socket in that folder too), stopped and removed when the test process exits. One per test process;
/// each test takes a database of its own (`database()`).
///
/// initdb refuses to run as root: as root the server runs as the `postgres` user (Debian's package creates it).
/// Where no server can start, tests that need it are skipped with a loud message — unless `MUELLE_REQUIRE_POSTGRES=1`
/// (CI sets it), where they fail with the reason.
public final class PostgresCluster: Sendable {
    public let port: Int
    public let user = "muelle"
    /// The password of `user` (the server asks for it over TCP: the ledger's password path is exercised).
    public let password = "muelle-test-password"
    let folder: String
    let bin: String

    /// The cluster, started on first use; the error says why it could not start.
    public static let shared: Result<PostgresCluster, ClusterError> = {
        let result = Result { () throws(ClusterError) in try PostgresCluster() }
        switch result {
        case .success:
            atexit { if case .success(let cluster) = PostgresCluster.shared { cluster.stop() } }
        case .failure(let error):
            let banner = String(repeating: "!", count: 100)
            FileHandle.standardError.write(Data("""
                \(banner)
                POSTGRESQL TESTS: no throwaway PostgreSQL server could start: \(error.reason)
                \(required ? "MUELLE_REQUIRE_POSTGRES=1: they FAIL." : "They are SKIPPED. Install Debian's postgresql (README's set-up) to run them.")
                \(banner)

                """.utf8))
        }
        return result
    }()

    /// Whether the tests that need a server run: it started, or it is required (and they fail saying why).
    public static var enabled: Bool {
        if required { return true }
        if case .success = shared { return true }
        return false
    }

    static var required: Bool { ProcessInfo.processInfo.environment["MUELLE_REQUIRE_POSTGRES"] == "1" }

    /// The started cluster, or the reason it did not start.
    public static func started() throws -> PostgresCluster { try shared.get() }

    public struct ClusterError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    private init() throws(ClusterError) {
        guard let bin = Self.serverBinaries() else {
            throw ClusterError(reason: "initdb and pg_ctl are not on PATH nor in /usr/lib/postgresql/*/bin")
        }
        self.bin = bin
        let asRoot = geteuid() == 0
        // As root the server runs as postgres, who may not enter root's own TMPDIR: /tmp is open to every user.
        let parent = asRoot ? "/tmp" : FileManager.default.temporaryDirectory.path
        var template = Array((parent + "/muelle-pg-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp).map { String(cString: $0) } }) else {
            throw ClusterError(reason: "cannot create a temporary folder")
        }
        folder = made
        if asRoot {
            guard let account = getpwnam("postgres") else {
                throw ClusterError(reason: "running as root, and there is no postgres user to run the server as")
            }
            chown(folder, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        let passwordFile = folder + "/password"
        _ = FileManager.default.createFile(atPath: passwordFile, contents: Data(password.utf8))
        if asRoot, let account = getpwnam("postgres") { chown(passwordFile, account.pointee.pw_uid, account.pointee.pw_gid) }
        let initdb = Self.run(asRoot: asRoot, bin + "/initdb", ["-D", folder + "/data", "-U", user, "--pwfile", passwordFile,
                                                              "--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C", "-E", "UTF8", "--no-sync"])
        guard initdb.status == 0 else { throw ClusterError(reason: "initdb failed: \(initdb.output.suffix(600))") }
        var lastFailure = ""
        for _ in 0..<5 {
            let candidate = Self.freePort()
            let start = Self.run(asRoot: asRoot, bin + "/pg_ctl", [
                "start", "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60",
                "-o", "-k \(folder) -h 127.0.0.1 -p \(candidate) -F -c max_connections=200",
            ])
            if start.status == 0 {
                port = candidate
                return
            }
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            lastFailure = "pg_ctl start failed: \(start.output.suffix(300)) \(log.suffix(600))"
        }
        throw ClusterError(reason: lastFailure)
    }

    /// A new, empty database; its address for the ledger (`?password=env:` names `passwordVariable`).
    public func database() throws -> (name: String, url: String) {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created = Self.run(asRoot: false, bin + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, name],
                               environment: ["PGPASSWORD": password])
        guard created.status == 0 else { throw ClusterError(reason: "createdb failed: \(created.output)") }
        return (name, "postgres://\(user)@127.0.0.1:\(port)/\(name)?password=env:\(Self.passwordVariable)")
    }

    /// The environment variable the addresses of `database()` read the password from.
    public static let passwordVariable = "MUELLE_TEST_PGPASS"

    /// The environment a `muelle` process needs to reach the cluster.
    public var environment: [String: String] { [Self.passwordVariable: password] }

    /// Runs SQL with psql (for tests that look at the database itself).
    public func psql(_ database: String, _ sql: String) -> (status: Int32, output: String) {
        Self.run(asRoot: false, bin + "/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                 environment: ["PGPASSWORD": password])
    }

    /// A cluster of the caller's own (not the shared one), for a test that stops and starts its server; `remove()` it.
    public static func own() throws -> PostgresCluster {
        _ = try started()
        return try PostgresCluster()
    }

    /// Stops the server as an outage would (connections cut); `startServer` brings it back on the same port.
    public func stopServer() -> Bool {
        Self.run(asRoot: geteuid() == 0, bin + "/pg_ctl", ["stop", "-D", folder + "/data", "-m", "fast", "-w"]).status == 0
    }

    public func startServer() -> Bool {
        Self.run(asRoot: geteuid() == 0, bin + "/pg_ctl", [
            "start", "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60",
            "-o", "-k \(folder) -h 127.0.0.1 -p \(port) -F -c max_connections=200",
        ]).status == 0
    }

    /// Stops the server of a cluster of one's own and removes its files.
    public func remove() { stop() }

    func stop() {
        _ = Self.run(asRoot: geteuid() == 0, bin + "/pg_ctl", ["stop", "-D", folder + "/data", "-m", "immediate", "-w"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// initdb and pg_ctl: on PATH, else Debian's versioned folder (which the postgresql package does not put on PATH).
    static func serverBinaries() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":").map(String.init)
        where FileManager.default.isExecutableFile(atPath: folder + "/initdb") && FileManager.default.isExecutableFile(atPath: folder + "/pg_ctl") {
            let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/initdb")).map { ($0 as NSString).deletingLastPathComponent }
            return resolved ?? folder
        }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        return nil
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : Int.random(in: 20_000...40_000)
    }

    /// Runs a program to its end, as the postgres user when `asRoot`; its status and its output (stdout and stderr).
    /// posix_spawn and waitpid, not Foundation's Process: the server pg_ctl leaves running kept Process from ever
    /// seeing pg_ctl end. Output goes to a file, not a pipe, for the same reason.
    static func run(asRoot: Bool, _ program: String, _ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
        let argv = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let outputPath = FileManager.default.temporaryDirectory.path + "/muelle-pg-output-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = env.map { strdup($0) } + [nil]
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { return (-1, "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // Exited normally: its exit code; killed by a signal: 128 + the signal, as a shell says it.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, text)
    }
}
