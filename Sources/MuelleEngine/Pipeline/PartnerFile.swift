import MuelleCore
import MuelleMapping
import MuelleReaders

/// A route's records in its partner's format (`output:`), bound for `outbox/partner/<file>`: every
/// record the filter selected, one CSV row each. The name comes from the partner's convention, so each
/// new feed replaces the partner's file — which is why it is only staged first, and renamed into the
/// outbox once the input is known to be applied: a feed held back or rejected must never replace it.
struct PartnerFile {
    let temporary: String
    let final: String

    /// Bound to replace the partner's file once the input's transaction commits.
    func publish(_ publication: Publication) throws {
        try publication.add(synced: temporary, as: final)
    }

    /// Drops the staged file: the input was not applied.
    func discard() {
        FileSystem.removeTree(temporary)
    }

    /// Writes the partner file into the staging folder, fsynced, ready to `publish()`.
    static func stage(_ staged: StagedOrders, output: OutputSettings, mapping: RouteMapping, workspace: Workspace) throws -> PartnerFile {
        let folder = workspace.outbox("partner")
        try FileSystem.makeDirectory(folder)
        let final = folder + "/" + output.fileName(platform: mapping.identity.platform, account: mapping.identity.account)
        let writer = try FileWriter(path: workspace.staging + "/" + UniqueName.next() + ".partner")
        try writer.write(output.header + "\r\n")
        if staged.count > 0 {
            let records = try RecordReaders.open(path: staged.ordersPath, fileName: "staged", options: .ndjson())
            let index = try LineReader(path: staged.indexPath)
            while let record = try records.next(), let line = try index.next() {
                guard StagedOrders.IndexEntry(line)?.selected == true else { continue }
                try writer.write(try output.row(for: record.value) + "\r\n")
            }
        }
        try writer.sync()
        return PartnerFile(temporary: writer.path, final: final)
    }
}
