import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Files waiting in quarantine: list them, or dismiss one (it stays, and the ledger says who let it go).",
        subcommands: [List.self, Dismiss.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined files that still need attention, newest first.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Only this route.") var route: String?
        @Flag(help: "Dismissed files too.") var all = false
        @Flag(help: "Stable JSON instead of text.") var json = false

        func run() async throws {
            let workspace = options.workspace
            let items = try ledger.open(options, reading: true).map { try QuarantineDesk.list(workspace: workspace, ledger: $0, route: route, includeDismissed: all) } ?? []
            if json {
                printOutput(JSONText.pretty(.object([("quarantined", .array(items.map(\.value)))])))
                return
            }
            for item in items {
                printOutput("\(item.file)  \(item.quarantinedAt)" + (item.dismissedBy.map { "  dismissed by \($0) \(item.dismissedAt ?? "")" } ?? ""))
                printOutput("  \(item.reason.split(separator: "\n").first.map(String.init) ?? item.reason)")
            }
            printError("\(items.count) file(s) in quarantine" + (all ? "" : " need attention"))
        }
    }

    struct Dismiss: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dismiss a quarantined file: it stays in quarantine/, no longer counted on the route's card.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The quarantined file (quarantine/<route>/<file>, as `quarantine list` prints it).") var file: String
        @Option(help: "Who dismisses it, for the ledger (default: the login name).") var by: String?
        @OptionGroup var ledgerOptions: LedgerOptions

        func run() async throws {
            let workspace = options.workspace
            guard let ledger = try ledgerOptions.open(options) else {
                printError("no ledger yet in \(workspace.root): nothing was ever quarantined")
                throw ExitCode(1)
            }
            do {
                let who = by ?? ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
                let item = try QuarantineDesk.dismiss(file, workspace: workspace, ledger: ledger, by: who)
                printOutput("dismissed \(item.file) (by \(item.dismissedBy ?? who), \(item.dismissedAt ?? ""))")
            } catch let error as MuelleError {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}
