import Foundation
import Glibc
@testable import MuelleSFTP
import Synchronization

/// A real OpenSSH server on 127.0.0.1 for one test: its own host key, client key, config and port, run as
/// `sshd -D -e` in the foreground as a child of the test, and killed (with its session processes) at the end.
///
/// The SFTP client sees the server's real file system; `dataFolder` is a folder there owned by the test user.
/// With `partnerRoutes`, the partner account is jailed by `SSHDConfigSnippet` in a root-owned folder under
/// /run (a chroot must have only root-owned, non-writable folders above it, which /tmp is not).
final class TestSSHServer: Sendable {
    let folder: TemporaryFolder
    let port: Int
    /// The host key's fingerprint, as `ssh-keygen -lf` prints it.
    let hostKeyFingerprint: String
    /// A private key authorized for both test accounts.
    let clientKey: String
    /// `known_hosts` for the stock client, holding the server's key.
    let knownHosts: String
    /// A folder owned by the test user.
    let dataFolder: String
    /// `<jail>/<partner>` when partner uploads are configured; its `inbox/<route>` is the partner's drop.
    let partnerJail: String?
    let configPath: String
    let logPath: String
    private let jailRoot: String?
    /// The listener's pid while it runs.
    private let listener = Mutex<pid_t?>(nil)

    init(partnerRoutes: [String] = []) throws {
        _ = try TestAccounts.prepared.get()
        // Debian's sshd refuses to start without its privilege separation folder.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        folder = try TemporaryFolder(prefix: "muelle-sshd")
        let root = folder.path
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "muelle-test-host", "-f", root + "/host_ed25519"])
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "muelle-test-client", "-f", root + "/client_ed25519"])
        clientKey = root + "/client_ed25519"
        let listed = try run("/usr/bin/ssh-keygen", ["-lf", root + "/host_ed25519.pub"]).split(separator: " ")
        guard listed.count > 1 else { throw TestSetupError(description: "ssh-keygen -lf printed no fingerprint") }
        hostKeyFingerprint = String(listed[1])
        // sshd reads authorized keys as the user logging in: world-readable, in a folder it can pass.
        try FileManager.default.copyItem(atPath: root + "/client_ed25519.pub", toPath: root + "/authorized_keys")
        chmod(root + "/authorized_keys", 0o644)

        port = try Self.freePort()
        knownHosts = root + "/known_hosts"
        let hostKey = String(decoding: try Data(contentsOf: URL(fileURLWithPath: root + "/host_ed25519.pub")), as: UTF8.self)
        try write(knownHosts, "[127.0.0.1]:\(port) \(hostKey)")

        dataFolder = root + "/data"
        try Self.makeFolder(dataFolder, owner: TestAccounts.user)

        var snippet = ""
        if partnerRoutes.isEmpty {
            jailRoot = nil
            partnerJail = nil
        } else {
            let jails = "/run/muelle-sftp-test-" + UUID().uuidString
            let jail = jails + "/" + TestAccounts.partner
            for path in [jails, jail, jail + "/inbox"] { try Self.makeFolder(path, owner: "root") }
            for route in partnerRoutes { try Self.makeFolder(jail + "/inbox/" + route, owner: TestAccounts.partner) }
            snippet = try SSHDConfigSnippet.partnerUploads(
                partnerRoutes.map { SFTPPartnerUpload(user: TestAccounts.partner, route: $0) }, chrootRoot: jails)
            jailRoot = jails
            partnerJail = jail
            Leftovers.track(path: jails)
        }
        configPath = root + "/sshd_config"
        logPath = root + "/sshd.log"
        try write(configPath, """
            ListenAddress 127.0.0.1:\(port)
            HostKey \(root)/host_ed25519
            PidFile \(root)/sshd.pid
            AuthorizedKeysFile \(root)/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PermitRootLogin no
            UsePAM no
            StrictModes no
            LogLevel VERBOSE
            MaxStartups 50
            Subsystem sftp internal-sftp

            """ + snippet)
        try run("/usr/sbin/sshd", ["-t", "-f", configPath])
    }

    deinit {
        stop()
        if let jailRoot {
            try? FileManager.default.removeItem(atPath: jailRoot)
            Leftovers.untrack(path: jailRoot)
        }
    }

    /// The test user, logging in with the client key, host key pinned.
    var endpoint: SFTPEndpoint {
        SFTPEndpoint(host: "127.0.0.1", port: port, user: TestAccounts.user,
                     credential: .privateKey(path: clientKey, passphrase: nil),
                     hostKey: hostKeyFingerprint, timeout: .seconds(10))
    }

    func client(_ endpoint: SFTPEndpoint? = nil) -> SFTPClient {
        SFTPClient(endpoint: endpoint ?? self.endpoint)
    }

    /// Starts sshd (again, after `stop` or `kill`, on the same port) and waits until it listens.
    ///
    /// Spawned with posix_spawn rather than Foundation's `Process`: sshd closes the descriptors it inherits,
    /// which `Process` takes for an exit and answers with a blocking `waitpid` that stalls every other
    /// `Process` of the test run until sshd ends.
    func start() throws {
        let listening = "Server listening on 127.0.0.1 port \(port)"
        let before = logText.components(separatedBy: listening).count
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = ["/usr/sbin/sshd", "-D", "-e", "-f", configPath]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard status == 0 else { throw TestSetupError(description: "cannot start sshd: \(String(cString: strerror(status)))") }
        listener.withLock { $0 = pid }
        Leftovers.track(process: pid)
        let deadline = ContinuousClock.now + .seconds(30)
        while logText.components(separatedBy: listening).count == before {
            var exitStatus: Int32 = 0
            guard waitpid(pid, &exitStatus, WNOHANG) == 0, ContinuousClock.now < deadline else {
                listener.withLock { $0 = nil }
                throw TestSetupError(description: "sshd did not start:\n\(logText)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Stops the server and ends its sessions.
    func stop() { end(listener: SIGTERM) }

    /// Makes the server vanish at once, sessions and all, as a crash or a pulled cable would.
    func kill() { end(listener: SIGKILL) }

    /// Freezes the session processes (SIGSTOP): the server keeps the connection open but stops answering.
    func freezeSessions() { signalSessions(SIGSTOP) }

    /// Lets frozen sessions go on (SIGCONT).
    func thawSessions() { signalSessions(SIGCONT) }

    private func signalSessions(_ signal: Int32) {
        guard let pid = listener.withLock({ $0 }) else { return }
        for session in descendants(of: pid) { Glibc.kill(session, signal) }
    }

    private func end(listener signal: Int32) {
        guard let pid = listener.withLock({ $0.take() }) else { return }
        // Sessions run in processes of their own (sshd calls setsid), so they are found by parentage,
        // before the listener dies and they are handed to init.
        let sessions = descendants(of: pid)
        Glibc.kill(pid, signal)
        for session in sessions { Glibc.kill(session, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        Leftovers.untrack(process: pid)
    }

    var logText: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Runs the stock OpenSSH `sftp` client in batch mode as `user`, checking the host key strictly.
    /// `limitKbps` throttles it (`-l`), to make a slow upload in small chunks.
    @discardableResult
    func stockSFTP(user: String = TestAccounts.user, _ commands: [String], limitKbps: Int? = nil) throws -> String {
        let batch = folder.child("batch-" + UUID().uuidString)
        try write(batch, commands.joined(separator: "\n") + "\n")
        var arguments = ["-b", batch, "-i", clientKey, "-P", "\(port)",
                         "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "StrictHostKeyChecking=yes",
                         "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"]
        // sftp's limiter only bites between requests: small requests, one at a time, make it steady.
        if let limitKbps { arguments += ["-l", "\(limitKbps)", "-B", "8192", "-R", "1"] }
        return try run("/usr/bin/sftp", arguments + ["\(user)@127.0.0.1"])
    }

    static func makeFolder(_ path: String, owner: String, mode: mode_t = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        guard let uid = TestAccounts.uid(owner), let gid = TestAccounts.gid(owner),
              chown(path, uid, gid) == 0, chmod(path, mode) == 0
        else { throw TestSetupError(description: "cannot give \(path) to \(owner)") }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSetupError(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension TestSSHServer {
    /// The mapping lines of an `sftp:` server setting pointing at this server (under `key:` at `indent`).
    func mappingSetting(_ key: String, folder: String, indent: Int = 0, hostKey: String? = nil, extra: [String] = []) -> String {
        let pad = String(repeating: " ", count: indent)
        let lines = ["host: 127.0.0.1", "port: \(port)", "user: \(TestAccounts.user)", "private_key: \(clientKey)",
                     "host_key: \"\(hostKey ?? hostKeyFingerprint)\"", "folder: \(folder)"] + extra
        return ([pad + key + ":", pad + "  sftp:"] + lines.map { pad + "    " + $0 }).joined(separator: "\n") + "\n"
    }
}

extension TestSSHServer {
    /// A workspace whose Mercado Libre route delivers its outbox files into `inbound` on this server.
    func workspaceDelivering(into inbound: String) throws -> TemporaryFolder {
        let root = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: root.child("mappings"), withIntermediateDirectories: true)
        let mapping = try String(contentsOfFile: RouteDeliveryTests.repository + "/mappings/mercadolibre-orders.yaml", encoding: .utf8)
            + "\n" + mappingSetting("deliver", folder: inbound)
        try mapping.write(toFile: root.child("mappings/mercadolibre-orders.yaml"), atomically: true, encoding: .utf8)
        return root
    }
}
