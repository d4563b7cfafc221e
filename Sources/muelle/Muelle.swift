import ArgumentParser
import Foundation
import Logging
import MuelleEngine

/// The `muelle` command line: a thin layer over MuelleEngine, with DESIGN.md's exit codes.
@main
struct Muelle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "File-drop integration hub: inbox drops become normalised records in the outbox, exactly once.",
        subcommands: [Run.self, Check.self, Try.self, Status.self, TestMappings.self, ReplayFile.self, Orders.self,
                      Quote.self, Labels.self, Manifest.self, Shipments.self, Quarantine.self, SFTPConfig.self, Console.self, Tokens.self])
}

/// Options every command takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: "The workspace folder (mappings/, inbox/, outbox/).")
    var root: String = "."

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error.")
    var logLevel: String = ProcessInfo.processInfo.environment["MUELLE_LOG_LEVEL"] ?? "info"

    var workspace: Workspace { Workspace(root: root) }

    func logger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrapOnce(level: level)
        var logger = Logger(label: "muelle")
        logger.logLevel = level
        return logger
    }
}

extension LoggingSystem {
    private static let bootstrapped = BootstrapFlag()

    static func bootstrapOnce(level: Logger.Level) {
        guard bootstrapped.claim() else { return }
        bootstrap { label in
            var handler = EscapingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
    }
}

final class BootstrapFlag: @unchecked Sendable {
    private var done = false
    private let lock = NSLock()
    func claim() -> Bool { lock.withLock { defer { done = true }; return !done } }
}

/// Prints to stderr; stdout is kept for results scripts read. Control characters of names and values in
/// `text` are escaped (`LogText.terminal`).
/// What a command prints on stdout: untrusted text in it (file names, reasons, values) cannot drive the
/// terminal, as on stderr; line breaks stay.
func printOutput(_ text: String, terminator: String = "\n") {
    FileHandle.standardOutput.write(Data((LogText.terminal(text) + terminator).utf8))
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((LogText.terminal(text) + "\n").utf8))
}
