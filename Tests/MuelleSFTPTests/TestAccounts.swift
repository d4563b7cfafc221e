import Foundation
import Glibc

/// A failure to set up the test server, with what the tool said.
struct TestSetupError: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// Throwaway system accounts the test sshd logs in, created on first use (never removed: they have no
/// home, no login shell, and a random password that only this test process knows):
/// `muelle-sftp-test` (password or key, no jail) and `muelle-sftp-partner` (key, jailed by the partner snippet).
enum TestAccounts {
    static let user = "muelle-sftp-test"
    static let partner = "muelle-sftp-partner"
    /// The environment variable that holds the test user's password, for `SecretReference.environment`.
    static let passwordVariable = "MUELLE_SFTP_TEST_PASSWORD"

    /// sshd must run as root to log other users in, and a chroot jail must be owned by root. A missing sshd
    /// is not a reason to skip: the tests then fail, saying to install openssh-server.
    static let available: Bool = geteuid() == 0

    /// The test user's password, once both accounts exist; set in `passwordVariable` as well.
    static let prepared: Result<String, TestSetupError> = prepare()

    static func uid(_ name: String) -> uid_t? { getpwnam(name).map { $0.pointee.pw_uid } }
    static func gid(_ name: String) -> gid_t? { getpwnam(name).map { $0.pointee.pw_gid } }

    private static func prepare() -> Result<String, TestSetupError> {
        for tool in ["/usr/sbin/sshd", "/usr/bin/sftp", "/usr/bin/ssh-keygen"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return .failure(TestSetupError(description: "\(tool) is missing: apt-get install -y openssh-server openssh-client"))
        }
        do {
            for name in [user, partner] where uid(name) == nil {
                try run("/usr/sbin/useradd", ["--no-create-home", "--home-dir", "/nonexistent",
                                              "--shell", "/usr/sbin/nologin", name])
            }
            // Both get a password: without PAM, sshd refuses even key logins to a locked ("!") account.
            let password = "T" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)
            let partnerPassword = UUID().uuidString
            try run("/usr/sbin/chpasswd", [], input: "\(user):\(password)\n\(partner):\(partnerPassword)\n")
            setenv(passwordVariable, password, 1)
            return .success(password)
        } catch let error as TestSetupError {
            return .failure(error)
        } catch {
            return .failure(TestSetupError(description: "\(error)"))
        }
    }
}

/// Runs a tool to completion; throws with its output when it fails. Returns what it printed.
@discardableResult
func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestSetupError(description: "\(executable) \(arguments.joined(separator: " ")) failed "
                             + "(\(process.terminationStatus)): \(printed)")
    }
    return printed
}
