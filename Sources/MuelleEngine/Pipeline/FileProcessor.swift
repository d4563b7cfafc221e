import Foundation
import Logging
import MuelleCore
import MuelleIntake
import MuelleLedger
import MuelleMapping
import MuelleReaders
import MuelleShipping

/// What became of one input file.
public struct FileOutcome: Sendable {
    public var route: String
    public var name: String
    public var state: InputEntry.State
    public var entry: InputEntry
    /// The file had been committed by an interrupted run; only its move was finished now.
    public var reconciled = false
    /// Records the file held (rows, elements) and labels it printed, for the metrics.
    public var records = 0
    public var labels = 0
}

/// Takes one input file through map → stage → commit → publish → archive, in the order that makes
/// every effect happen once: outputs written and fsynced under `.muelle/staging`; the ledger
/// transaction, which records them with their final names (`Publication`); their renames into the
/// outbox; then the original moved. A failed commit leaves nothing visible; a crash leaves either
/// nothing committed (a redo rewrites the same deterministic names) or a committed file whose
/// renames and move start-up finishes.
public struct FileProcessor: Sendable {
    public let workspace: Workspace
    public let ledger: Ledger
    public let logger: Logger
    /// Carrier profiles by code, for routes that ship what they import.
    public let profiles: [String: CarrierProfile]

    public init(workspace: Workspace, ledger: Ledger, logger: Logger, profiles: [String: CarrierProfile] = [:]) {
        self.workspace = workspace
        self.ledger = ledger
        self.logger = logger
        self.profiles = profiles
    }

    /// Throws `FileHeld` when the file cannot be taken yet (nothing of it is committed then).
    public func process(path: String, name: String, mapping: RouteMapping, progress: ((Int, Int) -> Void)? = nil) throws -> FileOutcome {
        let receivedAt = Timestamp.now()
        // Held until the original has left the inbox: a writer that opens it meanwhile waits, or is noticed.
        let claim = try claimInput(path: path, name: name, route: mapping.name)
        defer { claim.release() }
        guard let before = FileSnapshot(path: path) else {
            throw MuelleError(.io, "the file is gone before it could be read", at: InputPosition(file: name))
        }
        let (sha256, size) = try ContentHash.file(at: path, name: mapping.readsFileName ? name : nil)
        let digest = String(sha256.prefix(12))
        var entry = InputEntry(route: mapping.name, name: name, size: size, sha256: sha256, state: .processed, receivedAt: receivedAt, finishedAt: receivedAt)

        if let committed = try interruptedMove(route: mapping.name, name: name, sha256: sha256) {
            try move(path, to: committed.destination ?? "", entryID: committed.id)
            logger.info("finished moving a file committed before an interruption", metadata: ["muelle.route": "\(mapping.name)", "muelle.file": "\(name)"])
            return FileOutcome(route: mapping.name, name: name, state: committed.state, entry: committed, reconciled: true)
        }
        if let original = try ledger.processedInput(route: mapping.name, sha256: sha256), try isRepeat(of: original, mapping: mapping) {
            return try recordDuplicate(path: path, entry: entry, of: original, digest: digest)
        }

        // Counted before reading, cleared on any outcome: only a process that died reading it leaves a count.
        let attempts = try ledger.beginAttempt(route: mapping.name, sha256: sha256, name: name, at: receivedAt)
        defer { endAttempt(route: mapping.name, sha256: sha256) }
        if attempts >= Self.poisonAttempts {
            let error = MuelleError(.poisonFile,
                "muelle stopped \(attempts) times while reading this file (a crash, or killed — out of memory?), so it was quarantined instead of being read again, and the files behind it go on; find out why (the log of those runs), then replay it",
                at: InputPosition(file: name))
            return try quarantine(path: path, entry: entry, records: RecordCount(read: 0, mapped: 0, kind: mapping.kind), errors: [error], digest: digest)
        }

        // While this folder exists the route is "syncing" (status cards read it).
        let staging = workspace.staging + "/\(mapping.name)-\(digest)-\(getpid())"
        FileSystem.removeTree(staging)
        try FileSystem.makeDirectory(staging)
        defer { FileSystem.removeTree(staging) }
        let staged = try StagedOrders(directory: staging)
        var mappedSinceCheck = 0
        let metadata = InputMetadata(fileName: name, receivedAt: before.modificationDate)
        var summary = FileMapper(mapping: mapping, references: LedgerReferences(ledger: ledger))
            .run(path: path, fileName: name, sha256: sha256, metadata: metadata, progress: progress) { record, selected in
            try staged.append(record, selected: selected)
            TestHooks.point("reading")
            mappedSinceCheck += 1
            // A writer waits in open(2) while the lease stands: let it go soon rather than after the whole file.
            if claim.checksCheaply, mappedSinceCheck >= 256 {
                mappedSinceCheck = 0
                if !claim.isIntact { throw FileHeld.inUse(name, since: true) }
            }
        }
        guard claim.isIntact else { throw FileHeld.inUse(name, since: true) }
        // Read twice (fingerprint, then records): both must have seen the same bytes.
        guard FileSnapshot(path: path) == before else {
            throw MuelleError(.io, "the file changed or vanished while it was being read; nothing was emitted, and it will be taken again once it is stable", at: InputPosition(file: name))
        }
        if let fatal = summary.fatal, fatal.code == .incomplete {
            let age = before.modificationTime.age(at: .now())
            guard age >= mapping.incompleteAfter else {
                throw FileHeld(reason: fatal.located(file: name), retryAfter: mapping.incompleteAfter - age)
            }
            summary.fatal = FileHeld.truncated(fatal.located(file: name), unchangedFor: mapping.incompleteAfter)
        }
        entry.kept = summary.kept
        entry.filtered = summary.filtered
        entry.rejected = summary.rejectedCount
        let errors = summary.errors
        // A lookup that finds nothing is no bad record: the file waits for the reference data. Only a file
        // with other bad records (under reject_file), or one that waited lookup_wait, is refused now.
        if summary.waitsForReference(policy: mapping.onError) {
            let expired = try ReferenceWaiting.decide(summary: summary, mapping: mapping, name: name, ledger: ledger)
            entry.kept = 0
            return try quarantine(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: [expired] + errors, digest: digest)
        }

        if summary.refusesFile(policy: mapping.onError) {
            entry.kept = 0
            return try quarantine(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: errors, digest: digest)
        }
        try staged.sync()
        if mapping.kind == .promotions {
            let overlaps = try PromotionOverlaps.find(in: staged, file: name)
            if !overlaps.isEmpty {
                entry.kept = 0
                entry.rejected = overlaps.count
                return try quarantine(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: errors + overlaps, digest: digest)
            }
        }
        if mapping.kind == .orderEvents {
            let unknown = try EventApplier(ledger: ledger).unknownOrders(in: staged, file: name)
            if !unknown.isEmpty {
                entry.kept = 0
                entry.rejected = unknown.count
                return try quarantine(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: errors + unknown, digest: digest)
            }
        }
        do {
            return try commit(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: errors, filteredBy: summary.filteredBy,
                              rounded: summary.rounded, staged: staged, mapping: mapping, digest: digest)
        } catch let error as MuelleError where error.code == .heldBack {
            // Nothing was applied (the transaction rolled back): the feed waits in quarantine with its report.
            entry.kept = 0
            return try quarantine(path: path, entry: entry, records: RecordCount(read: summary.records, mapped: summary.mapped, kind: mapping.kind), errors: [error] + errors, digest: digest)
        }
    }

    // MARK: - Outcomes

    private func commit(path: String, entry: InputEntry, records: RecordCount, errors: [MuelleError], filteredBy: FilterTally, rounded: RoundedAmounts, staged: StagedOrders,
                        mapping: RouteMapping, digest: String) throws -> FileOutcome {
        var entry = entry
        let publication = Publication(workspace: workspace)
        defer { publication.discard() }
        var labels = 0
        try ledger.write { tx in
            let inputID = try tx.nextInputID()
            // Names are decided by content, so a redo after a crash rewrites the same files; content
            // imported again on purpose (after `orders forget`) gets a generation of its own.
            let generation = try tx.processedCount(route: mapping.name, sha256: entry.sha256)
            let stem = "\(mapping.name)-\(digest)" + (generation == 0 ? "" : "-\(generation + 1)")
            entry.destination = "archive/\(mapping.name)/" + StoredName.fitting(
                prefix: "\(digest)" + (generation == 0 ? "" : "-\(generation + 1)") + "-", name: entry.name)
            entry.report = "outbox/reports/\(stem).json"
            let ordersPath = workspace.outbox(mapping.kind.outboxFolder) + "/\(stem).ndjson"
            let updatesPath = workspace.outbox("order-updates") + "/\(stem).ndjson"
            var outputs: [String]
            let partnerFile = try mapping.output.map { try PartnerFile.stage(staged, output: $0, mapping: mapping, workspace: workspace) }
            // Bound for the outbox only once the input is applied (below): a held-back feed leaves the partner's file as it was.
            var partnerPublished = false
            defer { if !partnerPublished { partnerFile?.discard() } }
            var shipments = 0
            var productDeletions: Int?
            var notes: [MuelleError] = []
            var ended: [EndedOrder] = []
            switch mapping.kind {
            case .orders:
                let result = try OrderClassifier(tx: tx, route: mapping.name, inputID: inputID, at: entry.receivedAt)
                    .classify(staged, newOrdersTo: ordersPath, updatesTo: updatesPath, staging: workspace.staging, publication: publication)
                entry.kept = result.imported
                entry.filtered = result.filtered + (entry.filtered - staged.unselected)
                entry.skipped = result.unchanged
                entry.updated = result.updated
                entry.stale = result.stale
                outputs = result.outputs
                ended = result.ended
                if let shipping = mapping.shipping, result.outputs.contains(ordersPath) {
                    let shipped = try ShipmentMaker(workspace: workspace, profiles: profiles, settings: shipping, tx: tx, at: entry.receivedAt)
                        .make(fromOrders: ordersPath, stem: stem, staging: workspace.staging, publication: publication)
                    outputs += shipped.outputs
                    shipments = shipped.shipments
                    labels = shipped.shipments
                    notes += shipped.notShippable
                }
            case .products, .customers:
                let result = try CatalogueDelta(tx: tx, route: mapping.name, inputID: inputID, maxRemovedShare: mapping.maxRemovedShare,
                                                noun: mapping.kind == .customers ? "customer" : "product")
                    .apply(staged, to: ordersPath, staging: workspace.staging, file: entry.name, publication: publication)
                entry.kept = result.upserted
                entry.skipped = result.unchanged
                outputs = result.output.map { [$0] } ?? []
                productDeletions = result.deleted
                // Customers are also what order mappings look up (by the route's customer key).
                if mapping.kind.keepsReferenceData { _ = try ReferenceKeeper(tx: tx, route: mapping.name, inputID: inputID).apply(staged) }
            case .reference:
                let result = try ReferenceKeeper(tx: tx, route: mapping.name, inputID: inputID).apply(staged)
                entry.kept = result.saved
                entry.skipped = result.unchanged
                outputs = []
            case .promotions:
                // Each promotion file is emitted whole, once (the file's content decides its name).
                outputs = []
                if staged.count > 0 {
                    try publication.add(staged.ordersPath, as: ordersPath)
                    outputs = [ordersPath]
                }
            case .orderEvents:
                let result = try EventApplier(ledger: ledger)
                    .apply(staged, tx: tx, inputID: inputID, at: entry.receivedAt, updatesTo: updatesPath, staging: workspace.staging, publication: publication)
                entry.kept = 0
                entry.skipped = result.unchanged
                entry.updated = result.updated
                entry.stale = result.stale
                outputs = result.output.map { [$0] } ?? []
                ended = result.ended
            }
            var voided: Int?
            if !ended.isEmpty {
                let settled = try ShipmentCancellation(workspace: workspace, tx: tx, at: entry.receivedAt, file: entry.name, publication: publication).settle(ended)
                outputs += settled.outputs
                notes += settled.notes
                entry.cancelledAfterHandover = settled.handedOver
                voided = settled.voided
            }
            if let partnerFile {
                try partnerFile.publish(publication)
                partnerPublished = true
                outputs.append(partnerFile.final)
            }
            if let partnerFile, let deliver = mapping.output?.deliver {
                try tx.markDeliveryPending(file: workspace.relative(partnerFile.final), route: mapping.name,
                                           destination: Deliveries.destination(deliver), at: entry.receivedAt)
            }
            if let deliver = mapping.deliver {
                // The route's own outputs (not the partner file, which has its own destination).
                for file in outputs where file.hasPrefix(workspace.outbox(mapping.kind.outboxFolder) + "/") {
                    try tx.markDeliveryPending(file: workspace.relative(file), route: mapping.name,
                                               destination: Deliveries.destination(deliver), at: entry.receivedAt)
                }
            }
            entry.output = outputs.map(workspace.relative).joined(separator: "\n")
            entry.finishedAt = Timestamp.now()
            var report = FileReport(entry: entry, records: records, outputs: outputs.map(workspace.relative), errors: errors + notes,
                                    shipments: mapping.shipping == nil ? nil : shipments, deletions: productDeletions, voided: voided, filteredBy: filteredBy)
            report.rounded = rounded
            try writeReport(report, to: publication)
            entry.id = try tx.insert(entry)
            try publication.record(in: tx, inputID: entry.id)
        }
        TestHooks.point("after-commit")
        try publication.publish(clearingRowsIn: nil)
        try move(path, to: entry.destination ?? "", entryID: entry.id)
        var metadata: Logger.Metadata = [
            "muelle.route": "\(mapping.name)", "muelle.file": "\(entry.name)",
            // Rows (or elements) read and the orders (products, events…) they made are different counts.
            "records": "\(records.read)", "\(mapping.kind.recordNoun)": "\(records.mapped)",
            "kept": "\(entry.kept)", "filtered": "\(entry.filtered)", "rejected": "\(entry.rejected)",
            "skipped": "\(entry.skipped)", "updated": "\(entry.updated)",
        ]
        // A rounding the mapping allows is still news: once per file, by field.
        if !rounded.isEmpty { metadata["rounded"] = "\(rounded.description)" }
        // Nothing imported and nothing updated: say so out loud, with the reason beside it (the
        // report's `filtered_by` has it for every file).
        if entry.filtered > 0, entry.kept == 0, entry.updated == 0, entry.skipped == 0 {
            metadata["filtered_by"] = "\(filteredBy.description)"
            logger.warning("processed, but the filter turned every record away", metadata: metadata)
        } else {
            logger.info("processed", metadata: metadata)
        }
        return FileOutcome(route: mapping.name, name: entry.name, state: .processed, entry: entry, records: records.read, labels: labels)
    }

    private func quarantine(path: String, entry: InputEntry, records: RecordCount, errors: [MuelleError], digest: String) throws -> FileOutcome {
        var entry = entry
        entry.state = .rejected
        // Its report goes beside it under the same name plus ".error.txt": both must fit.
        entry.destination = "quarantine/\(entry.route)/" + StoredName.fitting(prefix: "\(digest)-", name: entry.name, reserve: ".error.txt".utf8.count)
        entry.report = "outbox/reports/\(entry.route)-\(digest).json"
        entry.error = errors.first?.description
        entry.finishedAt = Timestamp.now()
        let report = FileReport(entry: entry, records: records, outputs: [], errors: errors)
        let publication = Publication(workspace: workspace)
        defer { publication.discard() }
        try publication.write(report.text, to: workspace.root + "/" + (entry.destination ?? "") + ".error.txt")
        try writeReport(report, to: publication)
        try ledger.write { tx in
            entry.id = try tx.insert(entry)
            try publication.record(in: tx, inputID: entry.id)
        }
        try publication.publish(clearingRowsIn: nil)
        try move(path, to: entry.destination ?? "", entryID: entry.id)
        logger.warning("quarantined", metadata: ["muelle.route": "\(entry.route)", "muelle.file": "\(entry.name)", "error": "\(entry.error ?? "")"])
        return FileOutcome(route: entry.route, name: entry.name, state: .rejected, entry: entry, records: records.read)
    }

    private func recordDuplicate(path: String, entry: InputEntry, of original: InputEntry, digest: String) throws -> FileOutcome {
        var entry = entry
        entry.state = .duplicate
        let publication = Publication(workspace: workspace)
        defer { publication.discard() }
        try ledger.write { tx in
            let id = try tx.nextInputID()
            entry.destination = "archive/\(entry.route)/duplicates/" + StoredName.fitting(prefix: "\(id)-", name: entry.name)
            entry.report = "outbox/reports/\(entry.route)-\(digest)-duplicate-\(id).json"
            entry.finishedAt = Timestamp.now()
            try writeReport(FileReport(entry: entry, records: RecordCount(read: 0, mapped: 0, kind: nil), outputs: [], errors: [], duplicateOf: original),
                            to: publication)
            entry.id = try tx.insert(entry)
            try publication.record(in: tx, inputID: entry.id)
        }
        try publication.publish(clearingRowsIn: nil)
        try move(path, to: entry.destination ?? "", entryID: entry.id)
        logger.info("duplicate: already processed", metadata: ["muelle.route": "\(entry.route)", "muelle.file": "\(entry.name)", "first": "\(original.name)"])
        return FileOutcome(route: entry.route, name: entry.name, state: .duplicate, entry: entry)
    }

    /// Same content again is a duplicate — except for a full feed (catalogue, customers) that has changed in between:
    /// yesterday's feed coming back today (an item back in stock) must undo the day's changes.
    private func isRepeat(of original: InputEntry, mapping: RouteMapping) throws -> Bool {
        guard mapping.kind.isFullFeed else { return true }
        return try ledger.inputs(route: mapping.name, limit: 50).first { $0.state == .processed }?.sha256 == original.sha256
    }

    // MARK: - Effects

    /// Attempts that ended with the process gone (SIGKILL, out of memory, a crash) before a file is
    /// quarantined unread: one can be bad luck, two are the file — NiFi's penalised flow file, Kafka
    /// Connect's dead-letter queue after retries.
    static let poisonAttempts = 2

    private func endAttempt(route: String, sha256: String) {
        do { try ledger.endAttempt(route: route, sha256: sha256) } catch {
            logger.warning("could not clear the file's read attempt; a later crash would count it twice", metadata: ["muelle.route": "\(route)", "error": "\(error)"])
        }
    }

    private func claimInput(path: String, name: String, route: String) throws -> FileClaim {
        switch try FileClaim.take(path) {
        case .claimed(let claim):
            logger.debug("claimed", metadata: ["muelle.route": "\(route)", "muelle.file": "\(name)", "muelle.claim": "\(claim.method)"])
            return claim
        case .inUse:
            throw FileHeld.inUse(name)
        case .gone:
            throw MuelleError(.io, "the file is gone before it could be read", at: InputPosition(file: name))
        }
    }

    /// The ledger committed this very file (same route, name and content) but its original never
    /// reached its destination: the previous run was interrupted between commit and move.
    private func interruptedMove(route: String, name: String, sha256: String) throws -> InputEntry? {
        guard let last = try ledger.lastInput(route: route, name: name), last.sha256 == sha256, !last.moved,
              let destination = last.destination, !FileSystem.exists(workspace.root + "/" + destination) else { return nil }
        return last
    }

    private func writeReport(_ report: FileReport, to publication: Publication) throws {
        guard let relative = report.entry.report else { return }
        try publication.write(JSONText.pretty(report.value) + "\n", to: workspace.root + "/" + relative)
    }

    /// Moves the original after its commit, then records that it arrived.
    private func move(_ path: String, to relative: String, entryID: Int64?) throws {
        let destination = workspace.root + "/" + relative
        try FileSystem.makeDirectory(String(destination[..<(destination.lastIndex(of: "/") ?? destination.endIndex)]))
        try FileSystem.publish(path, as: destination)
        try FileSystem.syncDirectory(of: path)
        if let entryID { try ledger.markMoved(id: entryID) }
    }

    /// Whether a staging folder name (`<route>-<sha12>-<pid>`) is one of `route`'s files in hand.
    public static func stagingFolder(_ name: String, belongsTo route: String) -> Bool {
        guard name.hasPrefix(route + "-") else { return false }
        let rest = name.dropFirst(route.count + 1).split(separator: "-")
        return rest.count == 2 && rest[0].count == 12 && rest[0].allSatisfy(\.isHexDigit) && rest[1].allSatisfy(\.isNumber)
    }

    /// Start-up: moves that completed just before an interruption are recorded as done, so a file
    /// later put back into the inbox by hand is processed afresh rather than "moved" again.
    public func reconcileMoves() throws {
        for entry in try ledger.unmovedInputs() {
            guard let id = entry.id, let destination = entry.destination else { continue }
            if FileSystem.exists(workspace.root + "/" + destination) { try ledger.markMoved(id: id) }
        }
    }
}

/// Identity and shape of a file at one moment: a change between two snapshots means it was
/// rewritten, grown, truncated or replaced while muelle read it.
struct FileSnapshot: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }

    var modificationTime: FileTimestamp { FileTimestamp(seconds: modifiedSeconds, nanoseconds: modifiedNanoseconds) }

    /// The file's arrival as `{ meta: received_at }` reads it: when the upload last wrote it.
    var modificationDate: Date { Date(timeIntervalSince1970: TimeInterval(modifiedSeconds)) }
}
