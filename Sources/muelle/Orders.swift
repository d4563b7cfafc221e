import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine
import MuelleLedger

struct Orders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The orders muelle has imported: list them, or forget some so they are imported again.",
        subcommands: [List.self, Forget.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List imported orders, newest first.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Only this route.") var route: String?
        @Option(help: "Only this muelle status (ready_to_ship, shipped, ...).") var status: String?
        @Flag(help: "Stable JSON instead of text.") var json = false

        func run() async throws {
            let orders = try ledger.open(options, reading: true)?.orders(route: route, status: status, limit: 10_000) ?? []
            if json {
                printOutput(JSONText.pretty(.object([("orders", .array(orders.map { order in
                    .object([("id", .string(order.id)), ("route", .string(order.route)), ("status", .string(order.status)),
                             ("imported_at", .string(order.importedAt)), ("updated_at", .string(order.updatedAt))])
                }))])))
                return
            }
            for order in orders {
                printOutput("\(order.id)  \(order.status)  \(order.route)  imported \(order.importedAt)" + (order.updatedAt == order.importedAt ? "" : "  updated \(order.updatedAt)"))
            }
            printError("\(orders.count) order(s)")
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget imported orders: the next time one arrives it is imported afresh, as a new order.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledgerOptions: LedgerOptions
        @Argument(help: "Order ids (platform:account:external_id).") var keys: [String]

        func run() async throws {
            guard let ledger = try ledgerOptions.open(options) else {
                printError("no ledger yet in \(options.workspace.root): nothing has been imported")
                throw ExitCode(1)
            }
            let forgotten = try ledger.forgetOrders(ids: keys)
            for id in forgotten { printOutput("forgotten \(id)") }
            let unknown = keys.filter { !forgotten.contains($0) }
            for id in unknown { printError("not an imported order: \(id)") }
            if !unknown.isEmpty { throw ExitCode(1) }
        }
    }
}
