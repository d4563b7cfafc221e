import ArgumentParser
import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleLedger

/// The `muelle` command line: a thin layer over MuelleEngine, with DESIGN.md's exit codes.
@main
struct Muelle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "File-drop integration hub: inbox drops become normalised records in the outbox, exactly once.",
        subcommands: [Run.self, Check.self, Try.self, Status.self, TestMappings.self, ReplayFile.self, Orders.self,
                      Quote.self, Labels.self, Manifest.self, Shipments.self, Quarantine.self, SFTPConfig.self, Console.self, Tokens.self, LedgerCommand.self])
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

/// `--ledger`, for every command that reads or changes the ledger: all of them use the same one as `muelle run`.
/// `--worker-lease`, for the commands that stay up as a worker of a shared ledger (`run`, `console`).
struct WorkerLeaseOption: ParsableArguments {
    @Option(help: ArgumentHelp("With a PostgreSQL ledger (several workers): seconds a worker's claims stand without its heartbeat; a worker silent for longer is taken for lost and its files are redone by others.", valueName: "seconds"))
    var workerLease: Int = 30

    func duration() throws(MuelleError) -> Duration {
        guard workerLease >= 1 else { throw MuelleError(.configuration, "--worker-lease is a number of seconds, 1 or more") }
        return .seconds(workerLease)
    }
}

struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The ledger in PostgreSQL, for several workers: postgres://USER@HOST:PORT/DB?password=env:NAME (or password=file:PATH); muelle.yaml's ledger: otherwise, else the SQLite ledger in .muelle/.", valueName: "url"))
    var ledger: String?

    /// The address `--ledger` names; nil: the workspace's own (muelle.yaml's `ledger:`, else SQLite).
    func address() throws -> PostgresAddress? {
        do {
            return try ledger.map { text throws(MuelleError) in try PostgresAddress(parsing: text) }
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// The workspace's ledger for a command that reports (`reading`) or repairs; nil when there is none yet.
    func open(_ options: WorkspaceOptions, reading: Bool = false, create: Bool = false) throws -> (any WorkspaceLedger)? {
        let address = try address()
        do {
            return try WorkspaceLedgers.open(options.workspace, postgres: address, reading: reading, create: create, logger: options.logger())
        } catch let error as MuelleError {
            printError(error.description)
            throw ExitCode(error.code == .configuration ? 2 : 1)
        }
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
