import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleMapping

/// The file being settled: where it is and what names its outcome gets.
struct SettlingFile {
    let path: String
    let mapping: RouteMapping
    /// The content's first 12 hex digits: names in the archive, quarantine and reports.
    let digest: String
    /// Its claim in the shared ledger, with several workers: the commit checks it is still this worker's.
    var ticket: ClaimTicket? = nil
}

/// What the mapper made of the file, for its report (nothing yet for a duplicate or a poison file).
struct Reading {
    var records: RecordCount
    var errors: [MuelleError] = []
    var filteredBy = FilterTally()
    var rounded = RoundedAmounts()

    static func unread(kind: RecordKind?) -> Reading { Reading(records: RecordCount(read: 0, mapped: 0, kind: kind)) }

    init(records: RecordCount) { self.records = records }

    init(summary: MappingSummary, kind: RecordKind) {
        records = RecordCount(read: summary.records, mapped: summary.mapped, kind: kind)
        errors = summary.errors
        filteredBy = summary.filteredBy
        rounded = summary.rounded
    }
}

extension FileProcessor {
    /// The one path by which a file leaves the inbox, whatever its outcome: in one transaction its
    /// outputs and report are recorded with the ledger row; then, as the lifecycle says, the outputs are
    /// published, the original moved and the move recorded.
    func settle(_ settlement: InputLifecycle.Settlement, file: SettlingFile, entry: InputEntry, reading: Reading,
                staged: StagedOrders? = nil, life: inout InputLifecycle) throws -> FileOutcome {
        var entry = entry
        entry.state = settlement.outcome.entryState
        let publication = Publication(workspace: workspace)
        defer { publication.discard() }
        var labels = 0
        try ledger.transaction { tx in
            labels = try record(settlement, file: file, entry: &entry, reading: reading, staged: staged, tx: tx, publication: publication)
        }
        TestHooks.point("after-commit")
        try place(file, entry: entry, from: life.settled(settlement.outcome), life: &life, publication: publication)
        log(settlement, entry: entry, file: file, reading: reading)
        return FileOutcome(route: entry.route, name: entry.name, state: entry.state, entry: entry,
                           records: settlement.outcome == .duplicate ? 0 : reading.records.read, labels: labels)
    }

    /// Inside the outcome's transaction: the file's outputs and report staged into `publication` and recorded
    /// with its ledger row. With `syncingStaging` false the caller makes the staging folder's names durable
    /// (once for a group) before the transaction commits. Returns the labels it printed.
    func record(_ settlement: InputLifecycle.Settlement, file: SettlingFile, entry: inout InputEntry, reading: Reading,
                staged: StagedOrders?, tx: any LedgerWriting, publication: Publication, syncingStaging: Bool = true) throws -> Int {
        // First in the transaction: a worker that lost the file to another commits nothing of it.
        try file.ticket?.confirm(in: tx)
        let report: FileReport
        var labels = 0
        switch settlement {
        case .process:
            guard let staged else { preconditionFailure("input lifecycle: processed without staged records") }
            report = try apply(staged, file: file, entry: &entry, reading: reading, tx: tx, publication: publication)
            labels = report.shipments ?? 0
        case .quarantine(let errors):
            report = try quarantine(&entry, file: file, reading: reading, errors: errors, publication: publication)
        case .duplicate(let original):
            report = try duplicate(&entry, of: original, file: file, tx: tx)
        }
        try writeReport(report, to: publication)
        entry.id = try tx.insert(entry)
        try publication.record(in: tx, inputID: entry.id, syncingStaging: syncingStaging)
        return labels
    }

    /// Publish, move, mark moved: each step once the one before it is done, so a crash between two leaves
    /// what `InputLifecycle.recover` finishes.
    func place(_ file: SettlingFile, entry: InputEntry, from first: InputLifecycle.PlacingAction, life: inout InputLifecycle,
               publication: Publication? = nil) throws {
        var step = first
        while step != .none {
            switch step {
            case .publish:
                try publication?.publish(clearingRowsIn: nil)
                step = life.publishedOutputs()
            case .move:
                try moveOriginal(file.path, to: entry.destination ?? "")
                step = life.movedOriginal()
            case .markMoved:
                if let id = entry.id { try ledger.markMoved(id: id) }
                step = life.markedMoved()
            case .none:
                break
            }
        }
    }

    /// Refused: the original goes to quarantine with its report beside it (same name plus ".error.txt": both must fit).
    private func quarantine(_ entry: inout InputEntry, file: SettlingFile, reading: Reading, errors: [MuelleError],
                            publication: Publication) throws -> FileReport {
        entry.kept = 0
        entry.destination = "quarantine/\(entry.route)/" + StoredName.fitting(prefix: "\(file.digest)-", name: entry.name, reserve: ".error.txt".utf8.count)
        entry.report = "outbox/reports/\(entry.route)-\(file.digest).json"
        entry.error = errors.first?.description
        entry.finishedAt = Timestamp.now()
        let report = FileReport(entry: entry, records: reading.records, outputs: [], errors: errors)
        try publication.write(report.text, to: workspace.root + "/" + (entry.destination ?? "") + ".error.txt")
        return report
    }

    /// Taken before: the original goes beside the archive under its ledger id, with a report naming the first.
    private func duplicate(_ entry: inout InputEntry, of original: InputEntry, file: SettlingFile, tx: any LedgerWriting) throws -> FileReport {
        let id = try tx.nextInputID()
        entry.destination = "archive/\(entry.route)/duplicates/" + StoredName.fitting(prefix: "\(id)-", name: entry.name)
        entry.report = "outbox/reports/\(entry.route)-\(file.digest)-duplicate-\(id).json"
        entry.finishedAt = Timestamp.now()
        return FileReport(entry: entry, records: RecordCount(read: 0, mapped: 0, kind: nil), outputs: [], errors: [], duplicateOf: original)
    }

    func log(_ settlement: InputLifecycle.Settlement, entry: InputEntry, file: SettlingFile, reading: Reading) {
        switch settlement {
        case .process:
            logProcessed(entry, mapping: file.mapping, reading: reading)
        case .quarantine:
            logger.warning("quarantined", metadata: ["muelle.route": "\(entry.route)", "muelle.file": "\(entry.name)", "error": "\(entry.error ?? "")"])
        case .duplicate(let original):
            logger.info("duplicate: already processed", metadata: ["muelle.route": "\(entry.route)", "muelle.file": "\(entry.name)", "first": "\(original.name)"])
        }
    }

    private func logProcessed(_ entry: InputEntry, mapping: RouteMapping, reading: Reading) {
        var metadata: Logger.Metadata = [
            "muelle.route": "\(mapping.name)", "muelle.file": "\(entry.name)",
            // Rows (or elements) read and the orders (products, events…) they made are different counts.
            "records": "\(reading.records.read)", "\(mapping.kind.recordNoun)": "\(reading.records.mapped)",
            "kept": "\(entry.kept)", "filtered": "\(entry.filtered)", "rejected": "\(entry.rejected)",
            "skipped": "\(entry.skipped)", "updated": "\(entry.updated)",
        ]
        // A rounding the mapping allows is still news: once per file, by field.
        if !reading.rounded.isEmpty { metadata["rounded"] = "\(reading.rounded.description)" }
        // Nothing imported and nothing updated: say so out loud, with the reason beside it (the
        // report's `filtered_by` has it for every file).
        if entry.filtered > 0, entry.kept == 0, entry.updated == 0, entry.skipped == 0 {
            metadata["filtered_by"] = "\(reading.filteredBy.description)"
            logger.warning("processed, but the filter turned every record away", metadata: metadata)
        } else {
            logger.info("processed", metadata: metadata)
        }
    }

    func writeReport(_ report: FileReport, to publication: Publication) throws {
        guard let relative = report.entry.report else { return }
        try publication.write(JSONText.pretty(report.value) + "\n", to: workspace.root + "/" + relative)
    }

    /// Moves the original to its destination, durably (its inbox folder synced).
    private func moveOriginal(_ path: String, to relative: String) throws {
        try moveOriginals([(path, relative)])
    }

    /// Moves originals to their destinations (workspace-relative), then makes the renames durable with one
    /// fsync per folder they left or entered.
    func moveOriginals(_ moves: [(path: String, destination: String)]) throws {
        var folders: [String] = []
        for move in moves {
            let destination = workspace.root + "/" + move.destination
            let folder = destination.folder
            if !folders.contains(folder) { try FileSystem.makeDirectory(folder) }
            do {
                try FileSystem.rename(move.path, to: destination)
            } catch where !FileSystem.exists(move.path) && FileSystem.exists(destination) {
                // Another worker that took the file over moved it first (source gone, destination there): done.
            }
            for touched in [destination, move.path] where !folders.contains(touched.folder) { folders.append(touched.folder) }
        }
        for folder in folders { try FileSystem.syncDirectory(of: folder + "/.") }
    }

}

private extension String {
    /// The folder a path is in.
    var folder: String { String(self[..<(lastIndex(of: "/") ?? endIndex)]) }
}
