import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine
import MuelleHTTP
import MuelleLedger

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Named bearer tokens for pushes to /hooks/<route>: create, list, revoke.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token for some routes and print it, once: only its hash is kept.")
        @OptionGroup var options: WorkspaceOptions
        @Option(name: .customLong("route"), help: "A route the token may push to (repeat for more).") var routes: [String] = []
        @Option(help: "What the token is for, such as \"Gestión de órdenes\"; unique.") var name: String
        @OptionGroup var ledgerOptions: LedgerOptions

        func run() async throws {
            let workspace = options.workspace
            let known = Set(workspace.mappingFiles().map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
            guard !routes.isEmpty else {
                printError("say which routes the token may push to: --route R [--route R2 …]")
                throw ExitCode(2)
            }
            for route in routes where !known.contains(route) {
                printError("there is no route \(QuotedInput.quote(route)) (mappings/\(route).yaml)")
                throw ExitCode(2)
            }
            let token = BearerTokens.generate()
            do {
                let ledger = try ledgerOptions.open(options, create: true)
                try ledger?.addToken(HTTPToken(name: name, hash: BearerTokens.hash(token), routes: routes, createdAt: Self.now()))
            } catch let error as MuelleError {
                printError(error.description)
                throw ExitCode(error.code == .configuration ? 2 : 1)
            }
            print(token)
            printError("token \(QuotedInput.quote(name)) for \(routes.joined(separator: ", ")): keep it now, it is not shown again")
        }

        static func now() -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: Date())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The tokens by name, their routes, when made and last used (never the tokens).")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            let tokens = try ledger.open(options, reading: true)?.tokens() ?? []
            for token in tokens {
                print("\(token.name)  routes: \(token.routes.joined(separator: ","))  created \(token.createdAt)  last used \(token.lastUsedAt ?? "never")")
            }
            printError("\(tokens.count) token(s)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: pushes with it are refused from now on.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            guard try ledger.open(options)?.revokeToken(named: name) == true else {
                printError("there is no token named \(QuotedInput.quote(name)) (muelle tokens list)")
                throw ExitCode(1)
            }
            print("revoked \(name)")
        }
    }
}
