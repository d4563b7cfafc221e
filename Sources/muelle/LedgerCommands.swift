import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "The ledger itself: move it to PostgreSQL.",
                                                    subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy this workspace's SQLite ledger, its whole history, into a PostgreSQL ledger; checked table by table by row counts and digests.",
            discussion: "Exit status: 0 copied and every table matches, 1 a table differs (nothing is kept) or the copy failed, 2 the command cannot run (a muelle run holds the workspace, a bad address, a target that is not empty).")
        @OptionGroup var options: WorkspaceOptions
        @Option(help: ArgumentHelp("The PostgreSQL ledger to fill: postgres://USER@HOST:PORT/DB?password=env:NAME (or password=file:PATH).", valueName: "url"))
        var to: String
        @Flag(help: "Empty the target first when it holds rows already (another ledger); refused otherwise.") var replace = false

        func run() async throws {
            let outcome: LedgerMigration.Outcome
            do {
                let address = try PostgresAddress(parsing: to)
                outcome = try LedgerMigration.run(options.workspace, to: address, replace: replace, logger: options.logger())
            } catch let error as MuelleError {
                printError(error.description)
                throw ExitCode(error.code == .configuration ? 2 : 1)
            }
            let header = ["table", "sqlite rows", "postgres rows", "sqlite digest", "postgres digest", ""]
            let lines = outcome.tables.map { check in
                [check.table, String(check.sourceRows), String(check.targetRows), String(check.sourceDigest.prefix(16)),
                 String(check.targetDigest.prefix(16)), check.matches ? "ok" : "MISMATCH"]
            }
            let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
            for line in [header] + lines {
                printOutput(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
            }
            guard outcome.committed else {
                printError("the copy does not match the SQLite ledger: nothing was kept in PostgreSQL")
                throw ExitCode(1)
            }
            let rows = outcome.tables.reduce(0) { $0 + $1.targetRows }
            printError("copied \(rows) row(s) in \(outcome.tables.count) table(s); point --ledger or muelle.yaml's ledger: at it to use it")
        }
    }
}
