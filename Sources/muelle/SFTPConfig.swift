import ArgumentParser
import Foundation
import MuelleEngine
import MuelleSFTP

struct SFTPConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sftp-config",
        abstract: "Print the sshd_config snippet that lets partners upload into their routes' inbox folders (OpenSSH internal-sftp, one chroot per partner).")
    @OptionGroup var options: WorkspaceOptions
    @Option(name: .customLong("partner"), help: "A partner account and the route it uploads to, as USER:ROUTE (repeatable).")
    var partners: [String] = []
    @Option(help: "Folder holding one chroot folder per partner.") var chrootRoot: String = "/srv/sftp"

    func run() async throws {
        let uploads = try partners.map { pair -> SFTPPartnerUpload in
            let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("--partner is USER:ROUTE, not '\(pair)'") }
            return SFTPPartnerUpload(user: parts[0], route: parts[1])
        }
        guard !uploads.isEmpty else { throw ValidationError("name at least one --partner USER:ROUTE") }
        let known = Set(options.workspace.loadMappings().routes.map(\.name))
        for upload in uploads where !known.contains(upload.route) {
            printError("warning: no mapping mappings/\(upload.route).yaml for partner \(upload.user)'s uploads")
        }
        printOutput(try SSHDConfigSnippet.partnerUploads(uploads, chrootRoot: chrootRoot, workspaceInbox: options.workspace.inbox), terminator: "")
    }
}
