import ArgumentParser
import Foundation
import MuelleConsole
import MuelleCore
import MuelleEngine
import MuelleHTTP
import MuelleMapping
import MuelleShipping
import ServiceLifecycle

struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web console (cards, quarantine with Replay and Dismiss, inputs, manifests, labels) until SIGINT/SIGTERM.",
        discussion: "The token is muelle.yaml's `console: { token: { env: NAME } }`, or the environment variable MUELLE_CONSOLE_TOKEN.")
    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var lease: WorkerLeaseOption
    @Option(help: "HOST:PORT to listen on (port 0: any free port, printed).") var listen: String = "127.0.0.1:8081"

    func run() async throws {
        let workspace = options.workspace
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port), !parts[0].isEmpty else {
            throw ValidationError("--listen is HOST:PORT, such as 127.0.0.1:8081")
        }
        let token: String
        do {
            token = try Self.token(workspace)
        } catch let error as MappingLoadError {
            printError(error.description)
            throw ExitCode(2)
        } catch let error as MuelleError {
            printError(error.message)
            throw ExitCode(2)
        }
        let runner: Runner
        let address = try ledger.address()
        do {
            runner = try Runner(workspace: workspace, logger: options.logger(), ledger: address, workerLease: try lease.duration())
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        defer { runner.workers?.leave() }
        // With a shared ledger the console is a worker (Replay takes files under claims): without a heartbeat it
        // would be taken for lost after one lease and its replays refused.
        let heartbeat = WorkerHeartbeatService(of: runner).map { [$0 as any Service] } ?? []
        try await ConsoleServer.run(ConsoleRoutes(runner: runner, token: token), host: String(parts[0]), port: port,
                                    logger: options.logger(), alongside: heartbeat) { bound in
            // Written straight to the descriptor: a script waiting for this line must not wait for a buffer.
            FileHandle.standardOutput.write(Data("console listening on http://\(parts[0]):\(bound)/console\n".utf8))
        }
    }

    static func token(_ workspace: Workspace) throws -> String {
        if let reference = try workspace.settings().console?.token {
            return try MuelleShipping.SecretReference(settingsText: reference).resolve(baseDirectory: workspace.root).reveal()
        }
        guard let token = ProcessInfo.processInfo.environment["MUELLE_CONSOLE_TOKEN"], !token.isEmpty else {
            throw MuelleError(.configuration, "the console needs a token: set console: { token: { env: NAME } } in muelle.yaml, or export MUELLE_CONSOLE_TOKEN")
        }
        guard token.count >= 16 else {
            throw MuelleError(.configuration, "the console token is too short to guess safely: use at least 16 characters (openssl rand -base64 24)")
        }
        return token
    }
}

extension Console {
    /// The console on `muelle run`'s listener when the workspace gives it a token; none otherwise (said once).
    static func onListener(_ runner: Runner) -> [any HTTPRouteProvider] {
        do {
            // Inside `muelle run`, Replay hands the file back to this process's own inbox.
            return [ConsoleRoutes(runner: runner, token: try token(runner.workspace), handOverReplays: true)]
        } catch {
            runner.logger.notice("no console on the listener: \(error)")
            return []
        }
    }
}
