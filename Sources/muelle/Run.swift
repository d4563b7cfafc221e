import ArgumentParser
import Foundation
import Logging
import MuelleCore
import MuelleEngine
import MuelleHTTP
import MuelleMapping
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch the inbox and process drops until SIGINT/SIGTERM (or, with --once, what is there now).",
        discussion: """
            Exit status with --once: 0 every input processed (or held for the next run: still being written, or ending \
            early), 1 some input rejected, 2 some mapping or carrier profile has errors (the other routes were still \
            processed; the broken route's files wait in its inbox).
            """)

    @OptionGroup var options: WorkspaceOptions

    @Flag(help: "Process what is in the inbox now, then exit.")
    var once = false

    @Option(help: "Milliseconds a file must stay unchanged before it is taken.")
    var quietMs: Int = Int(RunOptions.defaultQuietPeriod.components.seconds * 1000)

    @Option(help: "Seconds between safety-net rescans while watching.")
    var rescanSeconds: Int = 5

    @Option(help: "Routes processed at the same time.")
    var concurrency: Int = 2

    @Flag(help: "If another muelle runs on this workspace, wait until it stops instead of exiting with status 2.")
    var wait = false

    @Option(help: "Serve the HTTP intake, /metrics and /healthz at host:port (such as 127.0.0.1:8080); muelle.yaml's listen: otherwise.")
    var listen: String?

    @OptionGroup var ledger: LedgerOptions

    @OptionGroup var lease: WorkerLeaseOption

    @Flag(help: "Go on although the ledger is missing, empty or behind this workspace's history (a new ledger if there is none): files taken before may be imported again.")
    var newLedger = false

    func run() async throws {
        let logger = options.logger()
        let address: ListenAddress?
        do {
            address = try listenAddress()
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let runner: Runner
        let postgres = try ledger.address()
        do {
            runner = try Runner(workspace: options.workspace, logger: logger, newLedger: newLedger, ledger: postgres,
                                workerLease: try lease.duration())
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        // One `muelle run` per workspace with the SQLite ledger, held until this process exits; with a shared ledger the
        // database coordinates the workers (`WorkerClaims`).
        let lock: WorkspaceLock?
        do {
            lock = runner.workers == nil ? try WorkspaceLock.acquire(options.workspace, wait: wait) : nil
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        defer { withExtendedLifetime(lock) {} }
        var settings = RunOptions()
        settings.quietPeriod = .milliseconds(quietMs)
        settings.rescanInterval = .seconds(rescanSeconds)
        settings.maxConcurrentRoutes = concurrency
        let alerts: AlertService?
        do {
            alerts = try options.workspace.settings().alerts.map { settings throws(MuelleError) in try AlertService(runner: runner, settings: settings) }
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        if once {
            settings.progress = ProgressLine.makeIfTerminal()
            let summary = await runner.runOnce(options: settings)
            ProgressLine.finish()
            // From cron, each run is also the alerts' round.
            await alerts?.round()
            printError("processed \(summary.processed), rejected \(summary.rejected), duplicates \(summary.duplicates)"
                + (summary.held == 0 ? "" : ", held \(summary.held)")
                + (summary.failures.isEmpty ? "" : ", failed \(summary.failures.count)"))
            if !summary.brokenRoutes.isEmpty {
                printError("not run, the mapping has errors (see above): " + summary.brokenRoutes.joined(separator: ", "))
            } else if summary.configurationErrors {
                printError("a carrier profile has errors (see above)")
            }
            throw ExitCode(summary.exitCode)
        }
        var also: [any Service] = alerts.map { [$0] } ?? []
        if let address {
            let floor = (try? options.workspace.settings().readyMinFreeBytes) ?? WorkspaceSettings.defaultReadyMinFreeBytes
            also.append(HTTPIntake(runner: runner, host: address.host, port: address.port, providers: Console.onListener(runner), diskFloorBytes: floor))
        }
        try await WatchServices.group(runner, options: settings, logger: logger, also: also).run()
        runner.ledger.checkpoint()
    }
}

extension Run {
    /// `--listen`, else the workspace's `listen:`; nil: no HTTP listener. `--once` never listens.
    func listenAddress() throws -> ListenAddress? {
        if let listen {
            guard let address = ListenAddress(listen) else {
                throw MuelleError(.configuration, "--listen is host:port, such as 127.0.0.1:8080, not \(QuotedInput.quote(listen))")
            }
            if once { throw MuelleError(.configuration, "--listen serves pushes while muelle watches; it cannot go with --once") }
            return address
        }
        return once ? nil : try options.workspace.settings().listen
    }
}

/// A single self-overwriting progress line on a terminal; nothing when stderr is not one.
enum ProgressLine {
    static func makeIfTerminal() -> (@Sendable (String, Int, Int, Int64) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let start = Date()
        return { name, records, bytes, total in
            let elapsed = max(Date().timeIntervalSince(start), 0.001)
            let rate = Double(records) / elapsed
            let remaining = total > 0 && bytes > 0 ? elapsed * Double(total - Int64(bytes)) / Double(bytes) : 0
            let percent = total > 0 ? Int(Double(bytes) * 100 / Double(total)) : 0
            let line = String(format: "\r%@: %d records, %d%% of %.1f MB, %.0f records/s, ETA %.0fs   ",
                              LogText.line(name), records, percent, Double(total) / 1_048_576, rate, remaining)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func finish() {
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
