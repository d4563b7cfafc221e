import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleSystem

/// Opens the ledger for a command that writes, and refuses one that does not match the workspace's history.
///
/// The ledger is what makes a re-sent file a duplicate: a ledger that lost what it knew would import the
/// archive's files again when partners send them again. So, like PostgreSQL refusing to start on a data
/// directory whose WAL is gone (and leaving the decision to start without it to an explicit `pg_resetwal`),
/// muelle refuses to take anything when
/// - the ledger is missing or empty but `archive/` or `outbox/reports/` say files were taken before;
/// - SQLite cannot open it or its `PRAGMA quick_check` fails (damaged), with SQLite's own code and words;
/// - it does not know the files archived last (its newest transactions are gone: a `-wal` deleted after a
///   crash, or a copy of `ledger.sqlite` taken without its `-wal`). Files reach `archive/` only after their
///   commit, so an archived file the ledger has never heard of is proof that commits were lost.
/// A `-shm` without its `-wal` proves nothing: SQLite itself removes the `-wal` first when it closes cleanly.
///
/// `muelle run --new-ledger` is the explicit decision to go on with the ledger as it is (a new one when it
/// is missing): the ledger records that it started over, and from then on only what is archived later is
/// checked against it. A damaged ledger is never replaced: it must be moved away by hand first.
public enum LedgerGuard {
    /// How many of the newest archived files must be known to the ledger (routes archive concurrently, so
    /// the very newest file may belong to a commit a little older than another's).
    static let newestChecked = 20

    public static func open(_ workspace: Workspace, startOver: Bool, logger: Logger) throws -> Ledger {
        let path = workspace.ledgerPath
        let size = FileSystem.size(of: path)
        if size == nil || size == 0 {
            let history = History.of(workspace)
            guard history.isEmpty || startOver else { throw missing(workspace, exists: size != nil, history: history) }
            if !history.isEmpty { setAsideLeftovers(of: path, logger: logger) }
            let ledger = try Ledger.open(path: path)
            if !history.isEmpty {
                try ledger.recordStart(reason: "muelle run --new-ledger: the ledger was \(size == nil ? "missing" : "empty") (\(history))")
                logger.warning("started over with a new ledger (--new-ledger): files taken before may be imported again if they come again",
                               metadata: ["history": "\(history)"])
            }
            return ledger
        }
        let ledger: Ledger
        do {
            ledger = try Ledger.openChecked(path: path)
        } catch let damage as LedgerDamage {
            throw damaged(workspace, damage.sqlite)
        }
        let since = try ledger.lastStart()?.epochSeconds
        for file in History.newestArchived(workspace, after: since, count: newestChecked) where try ledger.lastInput(destination: file) == nil {
            guard startOver else { throw behind(workspace, unknown: file) }
            try ledger.recordStart(reason: "muelle run --new-ledger: the ledger did not know \(file), archived after its last commit")
            logger.warning("going on with a ledger that lost its last commits (--new-ledger): files taken since may be imported again if they come again",
                           metadata: ["unknown": "\(file)"])
            break
        }
        return ledger
    }

    /// A `-wal` or `-shm` left by a ledger that is gone would be read into the new one: kept aside instead.
    private static func setAsideLeftovers(of path: String, logger: Logger) {
        let stamp = Int(Date().timeIntervalSince1970)
        for suffix in ["-wal", "-shm"] where FileSystem.exists(path + suffix) {
            let aside = path + suffix + ".set-aside-\(stamp)"
            if (try? Posix.rename(path + suffix, to: aside)) != nil { logger.notice("kept the old ledger's \(suffix) aside as \(aside)") }
        }
    }

    private static func missing(_ workspace: Workspace, exists: Bool, history: History) -> MuelleError {
        let ledger = workspace.relative(workspace.ledgerPath)
        let wal = FileSystem.exists(workspace.ledgerPath + "-wal")
            ? " Its \(ledger)-wal is still there: it holds the ledger's newest commits, but not the ledger." : ""
        return MuelleError(.ledger, """
            the ledger \(ledger) is \(exists ? "empty" : "missing"), but this workspace has taken files before (\(history)).\(wal) \
            Without its ledger muelle would import again every file a partner sends again, so nothing was taken.
            To restore it: copy the ledger back to \(ledger), together with its ledger.sqlite-wal if it had one, and run again.
            To start over with a new ledger instead (files that come again are imported again): muelle run --new-ledger
            """)
    }

    private static func damaged(_ workspace: Workspace, _ reason: String) -> MuelleError {
        let ledger = workspace.relative(workspace.ledgerPath)
        return MuelleError(.ledger, """
            the ledger \(ledger) is damaged: \(reason). Nothing was taken.
            Restore it from a backup (ledger.sqlite together with its ledger.sqlite-wal), or move it away — keep it, it is the \
            record of what was imported — and start over with: muelle run --new-ledger
            """)
    }

    private static func behind(_ workspace: Workspace, unknown file: String) -> MuelleError {
        let ledger = workspace.relative(workspace.ledgerPath)
        return MuelleError(.ledger, """
            the ledger \(ledger) does not know \(file), which was archived after its commit: the ledger's newest commits are lost \
            (its ledger.sqlite-wal deleted after a crash, or ledger.sqlite copied without it). Nothing was taken.
            To restore it: put back ledger.sqlite together with its ledger.sqlite-wal, and run again.
            To go on with the ledger as it is (files it forgot are imported again if they come again): muelle run --new-ledger
            """)
    }
}

/// What a workspace has taken before, as its folders show it.
struct History: CustomStringConvertible {
    var archived = 0
    var reports = 0

    var isEmpty: Bool { archived == 0 && reports == 0 }

    var description: String {
        [archived > 0 ? "files in archive/" : nil, reports > 0 ? "reports in outbox/reports/" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    /// Whether anything is archived or reported (stops at the first of each).
    static func of(_ workspace: Workspace) -> History {
        var history = History()
        history.archived = archivedFiles(workspace, stopAfterFirst: true).count
        history.reports = entries(of: workspace.outbox("reports")).contains { !$0.hasPrefix(".") } ? 1 : 0
        return history
    }

    /// The `count` files archived last (by the time they were moved there, their ctime), newest first,
    /// relative to the workspace; only those archived after `after` (seconds since 1970) when given.
    static func newestArchived(_ workspace: Workspace, after: Double?, count: Int) -> [String] {
        archivedFiles(workspace, stopAfterFirst: false)
            .filter { after == nil || $0.changed > (after ?? 0) }
            .sorted { $0.changed > $1.changed }
            .prefix(count)
            .map(\.path)
    }

    /// `archive/<route>/<file>` and `archive/<route>/duplicates/<file>`, with their ctime.
    private static func archivedFiles(_ workspace: Workspace, stopAfterFirst: Bool) -> [(path: String, changed: Double)] {
        var files: [(path: String, changed: Double)] = []
        for route in entries(of: workspace.archive) {
            var folders = ["archive/" + route]
            if FileSystem.exists(workspace.root + "/archive/" + route + "/duplicates") { folders.append("archive/\(route)/duplicates") }
            for folder in folders {
                for name in entries(of: workspace.root + "/" + folder) {
                    guard let info = FileSystem.info(workspace.root + "/" + folder + "/" + name), info.kind == .regular else { continue }
                    files.append((folder + "/" + name, Double(info.statusChangeSeconds) + Double(info.statusChangeNanoseconds) / 1e9))
                    if stopAfterFirst { return files }
                }
            }
        }
        return files
    }

    private static func entries(of folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }
}
