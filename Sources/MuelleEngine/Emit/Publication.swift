import Foundation
import MuelleCore
import MuelleLedger

/// The outputs of one ledger transaction: written and fsynced under `.muelle/staging`, recorded with
/// their final names in that same transaction (`publication` rows), and renamed into the outbox only
/// once it has committed. Nothing is visible that the ledger does not know (a full disk failing the
/// commit leaves no orders file behind), and what was committed but not yet renamed when the process
/// died is renamed by the next start (`Publication.finishPending`) — PostgreSQL's rule of making the
/// commit record durable before its effects, with the staged file playing the WAL's part.
final class Publication {
    private(set) var files: [(staged: String, final: String)] = []
    private let workspace: Workspace
    private let batch = UUID().uuidString
    private var published = false

    init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// Takes a finished staged file (under `.muelle/staging`) to be renamed to `final` after the commit.
    /// It moves to a name of its own at the top of staging first: a file's staging folder is removed when
    /// the file is done, and a committed output must outlive that until it is renamed into view.
    /// A later file for the same final name replaces the earlier one, as the renames would.
    func add(_ staged: String, as final: String) throws {
        try FileSystem.syncFile(staged)
        try add(synced: staged, as: final)
    }

    /// `add` for a file its writer has just fsynced: a second fsync of the same bytes would only wait again.
    func add(synced staged: String, as final: String) throws {
        let pending = workspace.staging + "/" + UniqueName.next() + ".publish"
        try FileSystem.rename(staged, to: pending)
        files.removeAll { $0.final == final }
        files.append((pending, final))
    }

    /// A new, empty folder at the top of staging for many outputs bound for one outbox folder (a label
    /// per shipment): they are published together by `addFolder`, one entry here and one ledger row
    /// however many files, so nothing per file is kept while an input is processed.
    func stagedFolder() throws -> String {
        let folder = workspace.staging + "/" + UniqueName.next() + ".publish"
        try FileSystem.makeDirectory(folder)
        return folder
    }

    /// Takes a finished staged folder: after the commit every file in it is renamed into `finalFolder`
    /// (a file already there is replaced, as a rename does). Its files are made durable at once, with one
    /// sync of the file system instead of an fsync per file.
    func addFolder(_ staged: String, into finalFolder: String) throws {
        try FileSystem.syncFileSystem(of: staged)
        files.append((staged, finalFolder + "/"))
    }

    /// A staged folder that turned out to hold nothing to publish.
    func discardFolder(_ staged: String) {
        FileSystem.removeTree(staged)
    }

    /// A small whole file (a report, a tracking update) written into staging, bound for `final`.
    func write(_ text: String, to final: String) throws {
        let temporary = workspace.staging + "/" + UniqueName.next() + ".out"
        let writer = try FileWriter(path: temporary)
        try writer.write(text)
        try writer.sync()
        try add(synced: temporary, as: final)
    }

    /// Where the content bound for `final` can be read before it is published (`final` itself once it is).
    func readablePath(of final: String) -> String {
        published ? final : files.last { $0.final == final }?.staged ?? final
    }

    /// Inside the transaction: the staged files' names are durable, and the ledger records where each goes.
    /// With `syncingStaging` false the caller syncs the staging folder before the commit (`syncStaging`), once
    /// for a group of files.
    func record(in tx: any LedgerWriting, inputID: Int64?, syncingStaging: Bool = true) throws {
        if syncingStaging, !files.isEmpty { try Self.syncStaging(of: [self]) }
        try tx.recordPublications(batch: batch, inputID: inputID,
                                  files: files.map { (workspace.relative($0.staged), workspace.relative($0.final)) })
    }

    /// After the commit: renames every file into view, then clears the rows — here, or with `ledger` nil
    /// in the caller's next write (an input's `markMoved`). Should clearing fail (a full disk), the next
    /// start finds the staged files gone and drops the rows.
    func publish(clearingRowsIn ledger: (any LedgerStore)?) throws {
        // Committed: from here on the staged files belong to the ledger (a failed rename leaves them to the next start).
        published = true
        try Self.rename(files)
        try ledger?.clearPublications(batch: batch)
    }

    /// Makes the names of every staged file of `publications` durable: one fsync of the staging folder.
    static func syncStaging(of publications: [Publication]) throws {
        guard let first = publications.first(where: { !$0.files.isEmpty }) else { return }
        try FileSystem.syncDirectory(of: first.workspace.staging + "/.")
    }

    /// After one transaction committed several files' publications (a group): renames all of them into
    /// view with one fsync per folder. Their rows are cleared with their inputs' `markMoved`.
    static func publish(_ publications: [Publication]) throws {
        for publication in publications { publication.published = true }
        try rename(publications.flatMap(\.files))
    }

    /// The transaction did not commit: nothing of it may ever appear.
    func discard() {
        guard !published else { return }
        for file in files { FileSystem.removeTree(file.staged) }
        files.removeAll()
    }

    /// A final name ending in "/" is a folder: the staged folder's files go into it (`addFolder`).
    private static func rename(_ files: [(staged: String, final: String)]) throws {
        let folders = Set(files.map { folder(of: $0.final) })
        for folder in folders { try FileSystem.makeDirectory(folder) }
        for file in files {
            if file.final.hasSuffix("/") {
                try FileSystem.moveFiles(of: file.staged, into: folder(of: file.final))
                continue
            }
            do {
                try FileSystem.rename(file.staged, to: file.final)
            } catch where !FileSystem.exists(file.staged) && FileSystem.exists(file.final) {
                // Another worker finishing a lost worker's publications renamed it first: done.
            }
        }
        for folder in folders { try FileSystem.syncDirectory(of: folder + "/.") }
    }

    private static func folder(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// Start-up, before staging is cleaned: renames what a commit recorded and the process did not get
    /// to rename. A staged file already gone was renamed before the interruption; a staged folder still
    /// there holds the files not renamed yet. Returns how many.
    @discardableResult
    /// `including`: only these (a lost worker's, one input's); every worker may finish any, each file is renamed once.
    static func finishPending(workspace: Workspace, ledger: any LedgerStore,
                              including: (PendingPublication) -> Bool = { _ in true }) throws -> Int {
        let pending = try ledger.pendingPublications().filter(including)
        guard !pending.isEmpty else { return 0 }
        let files = pending.map { (staged: workspace.root + "/" + $0.staged, final: workspace.root + "/" + $0.final) }
            .filter { FileSystem.exists($0.staged) }
        try rename(files)
        for batch in Set(pending.map(\.batch)) { try ledger.clearPublications(batch: batch) }
        return files.count
    }
}
