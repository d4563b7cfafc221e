import Foundation
import Testing

/// `muelle sftp-config`: the sshd_config for partner uploads, from the command line.
@Suite struct SFTPConfigCommandTests {
    @Test func printsOneJailPerPartnerAndWarnsAboutUnknownRoutes() throws {
        let bench = try Workbench(mappings: ["shopify-orders"])
        defer { bench.remove() }
        let result = try bench.muelle(["sftp-config", "--partner", "tienda-sol:shopify-orders", "--partner", "otro:no-such-route", "--chroot-root", "/srv/sftp"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Match User tienda-sol\n    ChrootDirectory /srv/sftp/tienda-sol\n    ForceCommand internal-sftp -d /inbox/shopify-orders"))
        #expect(result.stdout.contains("mount --bind \(bench.root)/inbox/shopify-orders /srv/sftp/tienda-sol/inbox/shopify-orders"))
        #expect(result.stderr.contains("no mapping mappings/no-such-route.yaml"))
        #expect(try bench.muelle(["sftp-config", "--partner", "missing-colon"]).status != 0)
    }
}
