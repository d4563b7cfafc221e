import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine
import MuelleLedger
import MuelleMapping

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate every mapping; errors name file, line and column.")
    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        let workspace = options.workspace
        let (routes, routeDiagnostics) = workspace.loadMappings()
        let (profiles, profileDiagnostics) = workspace.loadCarrierProfiles(for: routes)
        var diagnostics = routeDiagnostics + profileDiagnostics
        // The workspace config file (alerts, console) is checked with the mappings.
        do { _ = try workspace.settings() } catch { diagnostics += error.diagnostics }
        for diagnostic in diagnostics { printOutput(diagnostic.description) }
        // Every file is checked whatever the others hold: the healthy ones are listed as such.
        let troubled = Set(diagnostics.map(\.file))
        for route in routes where !troubled.contains(route.file) { printOutput("ok  \(route.file)") }
        for code in profiles.keys.sorted() where !troubled.contains("\(workspace.relative(workspace.mappings))/carriers/\(code).yaml") {
            printOutput("ok  \(workspace.relative(workspace.mappings))/carriers/\(code).yaml")
        }
        if !diagnostics.isEmpty {
            printError("\(diagnostics.count) error(s) in \(troubled.count) mapping file(s)")
            throw ExitCode(2)
        }
    }
}

struct Try: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a file would produce through a mapping, without touching the ledger or the outbox.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The mapping: a path, or a route name of the workspace.") var mapping: String
    @Argument(help: "The input file.") var file: String
    @Option(help: "Read the file as if it were named NAME in the inbox ({ meta: file_name }, file_pattern captures).") var name: String?
    @Option(help: "Its arrival time ({ meta: received_at }), ISO 8601 with offset; default: the file's modification time.") var receivedAt: String?

    func run() async throws {
        do {
            let compiled = try TryRun.loadMapping(mapping, workspace: options.workspace)
            var metadata: InputMetadata?
            if name != nil || receivedAt != nil {
                var arrival = TryRun.modificationDate(file)
                if let receivedAt {
                    guard let time = InputMetadata.time(receivedAt) else {
                        throw MuelleError(.configuration, "--received-at \(QuotedInput.quote(receivedAt)) is not an ISO 8601 time with its UTC offset, such as 2026-11-24T13:05:00-03:00")
                    }
                    arrival = time
                }
                metadata = InputMetadata(fileName: name ?? URL(fileURLWithPath: file).lastPathComponent, receivedAt: arrival)
            }
            let result = try TryRun.run(mapping: compiled, file: file, metadata: metadata,
                                       references: SampleReferences.load(for: compiled, workspace: options.workspace))
            printOutput(JSONText.pretty(result.value))
            if result.refused { throw ExitCode(1) }
        } catch let error as MappingLoadError {
            printError(error.description)
            throw ExitCode(2)
        } catch let error as MuelleError {
            printError(error.description)
            throw ExitCode(error.code == .configuration ? 2 : 1)
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One card per route: state, last run, counts, waiting files.")
    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "Stable JSON instead of text.") var json = false

    func run() async throws {
        let workspace = options.workspace
        let catalog = RouteCatalog.load(workspace)
        let opened: (any WorkspaceLedger)?
        do { opened = try ledger.open(options, reading: true) } catch {
            // The route cards' files are on disk: worth showing while the shared ledger is out of reach.
            printOutput(json ? StatusCards.json(try StatusCards.cards(workspace: workspace, catalog: catalog, ledger: nil))
                             : StatusCards.text(try StatusCards.cards(workspace: workspace, catalog: catalog, ledger: nil)))
            printError("the ledger cannot be read, so the counts above are empty and the workers cannot be listed")
            throw error
        }
        let cards = try StatusCards.cards(workspace: workspace, catalog: catalog, ledger: opened)
        if let coordination = opened as? any WorkerCoordination {
            let workers = try coordination.workers()
            printOutput(json ? WorkerList.json(cards, workers: workers) : StatusCards.text(cards) + "\n\n" + WorkerList.text(workers))
        } else {
            printOutput(json ? StatusCards.json(cards) : StatusCards.text(cards))
        }
        // The cards say which routes are broken; the full diagnostics are `muelle check`'s.
        if !catalog.problems.isEmpty { throw ExitCode(2) }
    }
}

struct TestMappings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run the mapping tests in mappings/tests/<route>/.")
    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        let results = MappingTests.run(workspace: options.workspace)
        for result in results {
            printOutput("\(result.passed ? "pass" : "FAIL")  \(result.route)/\(result.name)")
            if !result.passed { printOutput(result.detail.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")) }
        }
        let failed = results.filter { !$0.passed }.count
        printOutput("\(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}

struct ReplayFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Send a quarantined file through its route again.")
    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "The quarantined file (quarantine/<route>/<file>).") var file: String

    func run() async throws {
        let runner: Runner
        let address = try ledger.address()
        do {
            runner = try Runner(workspace: options.workspace, logger: options.logger(), ledger: address)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        // A shared ledger counts this command as a worker while it takes the file: gone with it, not left to be reaped.
        defer { runner.workers?.leave() }
        do {
            // A running `muelle run` owns the inbox: hand the file to it rather than race it for the file.
            if let holder = WorkspaceLock.isHeld(options.workspace) {
                _ = try Replay.run(file, runner: runner, handOver: true)
                printOutput("handed to the running muelle (\(holder)): \(file) is back in its route's inbox")
                return
            }
            guard let outcome = try Replay.run(file, runner: runner) else { return }
            printOutput("\(outcome.state.rawValue): \(outcome.route)/\(outcome.name) → \(outcome.entry.destination ?? "")")
            if outcome.state == .rejected { throw ExitCode(1) }
        } catch let error as MuelleError {
            printError(error.description)
            throw ExitCode(error.code == .configuration ? 2 : 1)
        }
    }
}
