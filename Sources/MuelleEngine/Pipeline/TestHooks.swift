import Foundation
import MuelleSystem

/// Crash points for the end-to-end tests, and nothing else: `MUELLE_TEST_KILL_AT=<point>` makes the
/// process SIGKILL itself there, so a test can stop it at an exact moment (between a commit and
/// its renames, while a file is being read) instead of racing a timer. Unset, it costs one lookup.
public enum TestHooks {
    private static let killAt = ProcessInfo.processInfo.environment["MUELLE_TEST_KILL_AT"]

    public static func point(_ name: String) {
        if killAt == name { Posix.killSelf() }
    }
}
