import Foundation
import MuelleCore
import MuelleLedger
import MuelleMapping

extension FileProcessor {
    /// Most files, and bytes, one group takes: memory and staging stay small (each file is still read and
    /// staged on its own, and a group's staging is all on disk until its commit) and the first file of a group
    /// waits for at most this much work before its outputs appear. Past 32 files the group's own cost (its
    /// commit and six folder fsyncs) is already under a fifth of an fsync per file.
    public static let groupLimit = (files: 32, bytes: Int64(4 << 20))

    /// Whether a route's files may be taken in groups: orders, whose commit reads the ledger only through
    /// its transaction (so a group's later file sees its earlier files' orders) and is never held back.
    public static func takesGroups(_ mapping: RouteMapping) -> Bool {
        mapping.kind == .orders
    }

    /// Several small files of one route that were ready at once (group commit). Each is claimed, read and
    /// mapped on its own — one that fails or is refused settles alone and touches nothing of the others —
    /// then ONE ledger transaction records every file of the group (rows, orders, reports, publications), in
    /// the group's order, so a later file is classified against its earlier files' orders as it would be one
    /// after the other. Then, as each file's lifecycle says, the group's outputs are published with one fsync
    /// per folder, the originals moved with one fsync per folder, and all marked moved in one write. Each
    /// file keeps its own row and publications, so start-up recovers a group killed at any point file by
    /// file, as it recovers one file (`InputLifecycle.recover`).
    ///
    /// Files the ledger already knows (a duplicate, a commit whose move was cut short), a second file of the
    /// same content, and files whose earlier read killed the process are taken alone after the group. A
    /// group whose commit fails leaves nothing committed; its files are then taken again one by one.
    /// Returns what became of each file, in the order given.
    public func process(group: [(path: String, name: String)], mapping: RouteMapping) -> [Result<FileOutcome, any Error>] {
        var results = [Result<FileOutcome, any Error>?](repeating: nil, count: group.count)
        var alone: [Int] = []
        var members: [(index: Int, claimed: ClaimedFile)] = []

        var contents = Set<String>()
        for (index, file) in group.enumerated() {
            do {
                let claimed = try claimAndFingerprint(path: file.path, name: file.name, mapping: mapping)
                guard claimed.recollection == .new, contents.insert(claimed.entry.sha256).inserted else {
                    release(claimed)
                    alone.append(index)
                    continue
                }
                members.append((index, claimed))
            } catch {
                results[index] = .failure(error)
            }
        }

        // One write counts every member's read attempt before any is read.
        var ready: [(index: Int, claimed: ClaimedFile, mapped: MappedFile)] = []
        let receivedAt = members.first?.claimed.entry.receivedAt ?? Timestamp.now()
        let attempts = (try? ledger.beginAttempts(members.map { AttemptedFile(route: mapping.name, sha256: $0.claimed.entry.sha256, name: $0.claimed.entry.name) },
                                                  at: receivedAt)) ?? members.map { _ in 1 }
        for (member, before) in zip(members, attempts) {
            guard before == 0, case .beginAttempt = member.claimed.life.fingerprinted(member.claimed.recollection),
                  case .map = member.claimed.life.attemptBegun(attempts: 0) else {
                release(member.claimed)
                alone.append(member.index)
                continue
            }
            member.claimed.attemptOpen = true
            do {
                ready.append((member.index, member.claimed, try map(member.claimed, progress: nil)))
            } catch let held as FileHeld {
                release(member.claimed)
                results[member.index] = .failure(held)
            } catch {
                // Staging that failed (a disk filled by the group's other files): alone, once theirs is gone.
                release(member.claimed)
                alone.append(member.index)
            }
        }

        do {
            for (member, outcome) in zip(ready, try settle(group: ready.map { ($0.claimed, $0.mapped) })) {
                results[member.index] = .success(outcome)
            }
        } catch {
            // Alone, each file finds in the ledger whether the group committed it (then it is only placed, as at start-up).
            logger.warning("a group of files could not be settled together: its files are taken again one by one", metadata: [
                "muelle.route": "\(mapping.name)", "files": "\(ready.count)", "error": "\(error)",
            ])
            for member in ready {
                release(member.claimed)
                alone.append(member.index)
            }
        }
        release(members.map(\.claimed))
        for index in alone.sorted() {
            results[index] = Result { try process(path: group[index].path, name: group[index].name, mapping: mapping) }
        }
        return results.map { $0 ?? .failure(MuelleError(.io, "the file was not taken")) }
    }

    /// One transaction for every mapped file of a group, then their placing in lockstep: all publications,
    /// then all moves, then one write marking them moved.
    private func settle(group: [(claimed: ClaimedFile, mapped: MappedFile)]) throws -> [FileOutcome] {
        guard !group.isEmpty else { return [] }
        let publications = group.map { _ in Publication(workspace: workspace) }
        defer { for publication in publications { publication.discard() } }
        var entries = group.map { member in
            var entry = member.mapped.entry
            entry.state = member.mapped.settlement.outcome.entryState
            return entry
        }
        var labels = [Int](repeating: 0, count: group.count)
        try ledger.transaction { tx in
            for (k, member) in group.enumerated() {
                labels[k] = try record(member.mapped.settlement, file: member.claimed.file, entry: &entries[k], reading: member.mapped.reading,
                                       staged: member.mapped.staged, tx: tx, publication: publications[k], syncingStaging: false)
            }
            try Publication.syncStaging(of: publications)
            TestHooks.point("group-commit")
        }
        TestHooks.point("after-group-commit")

        var steps = group.map { $0.claimed.life.settled($0.mapped.settlement.outcome) }
        for phase in [InputLifecycle.PlacingAction.publish, .move, .markMoved] {
            let due = steps.indices.filter { steps[$0] == phase }
            guard !due.isEmpty else { continue }
            switch phase {
            case .publish:
                try Publication.publish(due.map { publications[$0] })
                TestHooks.point("group-published")
                for k in due { steps[k] = group[k].claimed.life.publishedOutputs() }
            case .move:
                try moveOriginals(due.map { (group[$0].claimed.file.path, entries[$0].destination ?? "") })
                TestHooks.point("group-moved")
                for k in due { steps[k] = group[k].claimed.life.movedOriginal() }
            case .markMoved:
                try ledger.markMoved(ids: due.compactMap { entries[$0].id })
                for k in due { steps[k] = group[k].claimed.life.markedMoved() }
            case .none:
                break
            }
        }
        // Whatever the lifecycle still asks (none today), file by file.
        for (k, member) in group.enumerated() where steps[k] != .none {
            try place(member.claimed.file, entry: entries[k], from: steps[k], life: &member.claimed.life, publication: publications[k])
        }
        return group.enumerated().map { k, member in
            log(member.mapped.settlement, entry: entries[k], file: member.claimed.file, reading: member.mapped.reading)
            return FileOutcome(route: entries[k].route, name: entries[k].name, state: entries[k].state, entry: entries[k],
                               records: member.mapped.settlement.outcome == .duplicate ? 0 : member.mapped.reading.records.read, labels: labels[k])
        }
    }
}
