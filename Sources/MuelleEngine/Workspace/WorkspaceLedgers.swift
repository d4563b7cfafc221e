import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleLedgerPostgres

/// The one place that says which ledger a workspace's commands use: `--ledger postgres://…`, else muelle.yaml's
/// `ledger:`, else the SQLite file in `.muelle/`. `muelle run` opens it through `LedgerGuard` (which refuses a ledger
/// that does not match the workspace's history); the commands that report or repair open it here, as it is.
public enum WorkspaceLedgers {
    /// The PostgreSQL ledger the workspace is configured with; nil: the SQLite file.
    public static func address(_ workspace: Workspace, postgres: PostgresAddress?) throws -> PostgresAddress? {
        if let postgres { return postgres }
        do {
            return try workspace.settings().ledger
        } catch {
            throw MuelleError(.configuration, "muelle.yaml has errors:\n\(error)")
        }
    }

    /// The workspace's ledger for a command that reports (`reading`: a SQLite reader that does not wait for a
    /// running `muelle run`'s commit) or repairs. Nil when the ledger is the SQLite file and there is none yet
    /// (nothing was ever taken), unless `create` says to make it.
    public static func open(_ workspace: Workspace, postgres: PostgresAddress?, reading: Bool = false, create: Bool = false,
                            logger: Logger = Logger(label: "muelle.ledger")) throws -> (any WorkspaceLedger)? {
        if let address = try address(workspace, postgres: postgres) {
            return try PostgresLedger.open(address, logger: logger)
        }
        let path = workspace.ledgerPath
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { return nil }
            try FileManager.default.createDirectory(atPath: workspace.state, withIntermediateDirectories: true)
            return try Ledger.open(path: path)
        }
        return reading ? try Ledger.openForReading(path: path) : try Ledger.open(path: path)
    }
}
