import Foundation
import MuelleCore
import MuelleSystem

/// The exclusive claim of one `muelle run` on a workspace whose ledger is the embedded SQLite file.
///
/// Two processes taking files from one inbox would race for each file, log false failures and leave
/// phantom ledger rows; one of them also removes the other's staging folder at start-up. An `flock` on
/// `.muelle/run.lock` is released by the kernel when the holder exits, however it exits (SIGKILL
/// included), so a stale lock never needs cleaning up. The holder writes who it is into the file, for
/// the message the second process prints.
public final class WorkspaceLock: Sendable {
    private let descriptor: FileDescriptor

    private init(descriptor: FileDescriptor) { self.descriptor = descriptor }

    deinit { descriptor.closeIgnoringErrors() }

    /// Takes the lock, or throws `.configuration` naming its holder; with `wait`, blocks until it is free.
    public static func acquire(_ workspace: Workspace, wait: Bool = false) throws -> WorkspaceLock {
        try FileSystem.makeDirectory(workspace.state)
        let path = workspace.state + "/run.lock"
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readWrite, options: .create)
        } catch {
            throw FileSystem.error("cannot open \(workspace.relative(path))", error)
        }
        let taken: Bool
        do {
            taken = try fd.lockExclusively(wait: wait)
        } catch {
            fd.closeIgnoringErrors()
            throw MuelleError(.io, "cannot lock \(workspace.relative(path)): \(error.reason)")
        }
        guard taken else {
            fd.closeIgnoringErrors()
            throw MuelleError(.configuration, "another muelle is already running on this workspace (\(holder(of: path))); "
                              + "stop it first, or start this one with --wait to take over when it stops")
        }
        let me = "pid \(Posix.processID) on \(ProcessInfo.processInfo.hostName), since \(ISO8601DateFormatter().string(from: Date()))\n"
        // Who holds the lock is a courtesy for the message of a second process: failing to write it is no failure.
        try? fd.truncate(to: 0)
        _ = Array(me.utf8).withUnsafeBytes { bytes in Result { () throws(SystemError) in try fd.writeAll(bytes, at: 0) } }
        return WorkspaceLock(descriptor: fd)
    }

    /// Whether some process holds the lock now (for commands that hand work to it instead of doing it).
    public static func isHeld(_ workspace: Workspace) -> String? {
        let path = workspace.state + "/run.lock"
        guard let fd = try? FileDescriptor.open(path, .readWrite) else { return nil }
        defer { fd.closeIgnoringErrors() }
        // A failed attempt other than "held" (it cannot be, on a file just opened) reads as held, as before.
        guard (try? fd.lockExclusively(wait: false)) != true else {
            fd.unlock()
            return nil
        }
        return holder(of: path)
    }

    private static func holder(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "holder unknown" : text
    }
}
