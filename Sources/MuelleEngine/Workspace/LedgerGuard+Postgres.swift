import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleLedgerPostgres

extension LedgerGuard {
    /// The ledger `muelle run` uses: PostgreSQL when `--ledger` or muelle.yaml's `ledger:` names one, the SQLite file in
    /// `.muelle/` otherwise.
    public static func open(_ workspace: Workspace, postgres: PostgresAddress?, startOver: Bool, logger: Logger) throws -> any WorkspaceLedger {
        guard let address = try WorkspaceLedgers.address(workspace, postgres: postgres) else {
            return try open(workspace, startOver: startOver, logger: logger)
        }
        return try openPostgres(workspace, address: address, startOver: startOver, logger: logger)
    }

    /// The same refusals as the SQLite ledger's, read from the database: a ledger that knows nothing while the workspace
    /// has taken files before, or that does not know the files archived last (restored from an older backup), is
    /// refused unless `startOver`. Damage is the server's to detect; muelle only reports what it says.
    static func openPostgres(_ workspace: Workspace, address: PostgresAddress, startOver: Bool, logger: Logger) throws -> PostgresLedger {
        let ledger = try PostgresLedger.open(address, logger: logger)
        let since = try ledger.lastStart()?.epochSeconds
        if try ledger.isEmpty() {
            let history = History.of(workspace)
            guard history.isEmpty || startOver else {
                throw MuelleError(.ledger, """
                    the PostgreSQL ledger at \(address) knows no file, but this workspace has taken files before (\(history)). \
                    Without its ledger muelle would import again every file a partner sends again, so nothing was taken.
                    Point --ledger (or muelle.yaml's ledger:) at the database that holds this workspace's ledger, or copy the SQLite \
                    ledger into this one with muelle ledger migrate --to \(address).
                    To start over with an empty ledger instead (files that come again are imported again): muelle run --new-ledger
                    """)
            }
            if !history.isEmpty {
                try ledger.recordStart(reason: "muelle run --new-ledger: the PostgreSQL ledger was empty (\(history))")
                logger.warning("started over with an empty PostgreSQL ledger (--new-ledger): files taken before may be imported again if they come again")
            }
            return ledger
        }
        for file in History.newestArchived(workspace, after: since, count: newestChecked) where try ledger.lastInput(destination: file) == nil {
            guard startOver else {
                throw MuelleError(.ledger, """
                    the PostgreSQL ledger at \(address) does not know \(file), which was archived after its commit: the database lost \
                    its newest commits (restored from an older backup?), or it is another workspace's ledger. Nothing was taken.
                    To go on with the ledger as it is (files it forgot are imported again if they come again): muelle run --new-ledger
                    """)
            }
            try ledger.recordStart(reason: "muelle run --new-ledger: the ledger did not know \(file), archived after its last commit")
            logger.warning("going on with a ledger that lost its last commits (--new-ledger)", metadata: ["unknown": "\(file)"])
            break
        }
        return ledger
    }
}
