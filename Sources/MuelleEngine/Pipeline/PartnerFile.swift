import MuelleCore
import MuelleMapping
import MuelleReaders

/// Writes a route's records in its partner's format (`output:`) to `outbox/partner/<file>`: every
/// record the filter selected, one CSV row each, staged and renamed in with the rest of the commit.
/// The name comes from the partner's convention, so each new feed replaces the partner's file.
enum PartnerFile {
    static func write(_ staged: StagedOrders, output: OutputSettings, mapping: RouteMapping, workspace: Workspace) throws -> String {
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
        try FileSystem.publish(writer.path, as: final)
        return final
    }
}
