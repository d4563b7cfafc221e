import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MuelleCore

/// The exclusive claim of one `muelle run` on a workspace whose ledger is the embedded SQLite file.
///
/// Two processes taking files from one inbox would race for each file, log false failures and leave
/// phantom ledger rows; one of them also removes the other's staging folder at start-up. An `flock` on
/// `.muelle/run.lock` is released by the kernel when the holder exits, however it exits (SIGKILL
/// included), so a stale lock never needs cleaning up. The holder writes who it is into the file, for
/// the message the second process prints.
public final class WorkspaceLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Takes the lock, or throws `.configuration` naming its holder; with `wait`, blocks until it is free.
    public static func acquire(_ workspace: Workspace, wait: Bool = false) throws -> WorkspaceLock {
        try FileSystem.makeDirectory(workspace.state)
        let path = workspace.state + "/run.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.error("cannot open \(workspace.relative(path))") }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK {
                throw MuelleError(.configuration, "another muelle is already running on this workspace (\(holder(of: path))); "
                                  + "stop it first, or start this one with --wait to take over when it stops")
            }
            throw MuelleError(.io, "cannot lock \(workspace.relative(path)): \(String(cString: strerror(code)))")
        }
        let me = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName), since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
        return WorkspaceLock(descriptor: fd)
    }

    /// Whether some process holds the lock now (for commands that hand work to it instead of doing it).
    public static func isHeld(_ workspace: Workspace) -> String? {
        let path = workspace.state + "/run.lock"
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) != 0 else {
            flock(fd, LOCK_UN)
            return nil
        }
        return holder(of: path)
    }

    private static func holder(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "holder unknown" : text
    }
}
