import Foundation
import Glibc
@testable import MuelleIntake
import MuelleCore
import Testing

@Suite struct InboxScannerTests {
    @Test(arguments: [
        ".orders.csv", ".~lock.orders.csv#", "orders.csv.part", "orders.csv.filepart", "orders.csv.tmp",
        "orders.csv.crdownload", "orders.csv.partial", "orders.csv~", "ORDERS.CSV.PART", "orders.TMP",
    ])
    func temporaryNamesAreRecognised(name: String) {
        #expect(InboxScanner.isTemporaryName(name))
    }

    @Test(arguments: ["orders.csv", "orders.part.csv", "partial-orders.json", "tmp", "feed.xml", "part"])
    func ordinaryNamesAreNotTemporary(name: String) {
        #expect(!InboxScanner.isTemporaryName(name))
    }

    @Test func scanSkipsTemporaryNamesAndSubfolders() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop/archive")
        let names = [
            "a.csv", ".hidden.csv", "b.csv.part", "c.csv.filepart", "d.tmp", "e.crdownload", "f.partial", "g.csv~",
        ]
        for name in names { try inbox.write("shop/" + name) }
        let scan = try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "shop")
        #expect(scan.files.map(\.name) == ["a.csv"])
        #expect(scan.ignored.isEmpty)
    }

    @Test func aBoundedScanListsTheOldestAndCountsTheRest() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.writeAged(200, in: "shop", newestFirst: true)
        let scanner = InboxScanner(inboxPath: inbox.inboxPath)
        let oldest = try scanner.scan(route: "shop", oldest: 5)
        #expect(oldest.files.map(\.name) == ["0.csv", "1.csv", "2.csv", "3.csv", "4.csv"])
        #expect(oldest.left == 195)
        // Names the caller already follows are skipped, not counted: the next oldest come instead.
        let next = try scanner.scan(route: "shop", oldest: 3, excluding: { ["0.csv", "2.csv"].contains($0) })
        #expect(next.files.map(\.name) == ["1.csv", "3.csv", "4.csv"])
        #expect(next.left == 195)
        let whole = try scanner.scan(route: "shop")
        #expect(whole.files.count == 200 && whole.left == 0)
    }

    @Test func symbolicLinksAreReportedNotFollowed() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.link("shop/passwd.csv", to: "/etc/passwd")
        try inbox.link("shop/dangling.csv", to: "/nonexistent")
        let scan = try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "shop")
        #expect(scan.files.isEmpty)
        #expect(Set(scan.ignored) == [
            IgnoredInboxEntry(route: "shop", name: "passwd.csv", reason: .symbolicLink),
            IgnoredInboxEntry(route: "shop", name: "dangling.csv", reason: .symbolicLink),
        ])
        #expect(scan.ignored[0].description.contains("never followed"))
    }

    @Test func specialFilesAreReported() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        #expect(mkfifo(inbox.path("shop/pipe.csv"), 0o600) == 0)
        let scan = try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "shop")
        #expect(scan.files.isEmpty)
        #expect(scan.ignored == [
            IgnoredInboxEntry(route: "shop", name: "pipe.csv", reason: .notRegularFile(kind: "fifo")),
        ])
    }

    @Test func namesThatAreNotUTF8AreReported() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        // "pedido-año.csv" in Latin-1: 0xF1 alone is not UTF-8.
        var bytes = Array(inbox.path("shop/pedido-a").utf8) + [0xF1] + Array("o.csv".utf8) + [0]
        let descriptor = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o600) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        let scan = try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "shop")
        #expect(scan.files.isEmpty)
        #expect(scan.ignored.map(\.reason) == [.undecodableName])
        #expect(scan.ignored.first?.name == "pedido-a\u{FFFD}o.csv")
    }

    @Test func filesComeInArrivalOrderThenByName() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        for name in ["late.csv", "b-early.csv", "a-early.csv", "middle.csv"] { try inbox.write("shop/" + name) }
        inbox.setModificationTime("shop/late.csv", seconds: 1_700_000_300, nanoseconds: 0)
        inbox.setModificationTime("shop/b-early.csv", seconds: 1_700_000_100, nanoseconds: 5)
        inbox.setModificationTime("shop/a-early.csv", seconds: 1_700_000_100, nanoseconds: 5)
        inbox.setModificationTime("shop/middle.csv", seconds: 1_700_000_100, nanoseconds: 6)
        let scan = try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "shop")
        #expect(scan.files.map(\.name) == ["a-early.csv", "b-early.csv", "middle.csv", "late.csv"])
    }

    @Test func filesCarryTheirStatusToTheNanosecond() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("shop")
        try inbox.write("shop/orders.csv", "12345")
        inbox.setModificationTime("shop/orders.csv", seconds: 1_762_071_322, nanoseconds: 123_456_789)
        let file = try #require(try InboxScanner(inboxPath: inbox.inboxPath + "/").scan(route: "shop").files.first)
        var status = stat()
        #expect(lstat(inbox.path("shop/orders.csv"), &status) == 0)
        #expect(file == InboxFile(route: "shop", name: "orders.csv", path: inbox.path("shop/orders.csv"), size: 5,
                                  modificationTime: FileTimestamp(seconds: 1_762_071_322, nanoseconds: 123_456_789),
                                  inode: UInt64(status.st_ino)))
        #expect(file.modificationTime.description == "1762071322.123456789")
    }

    @Test func routesAreRealFoldersOnly() throws {
        let inbox = try TemporaryInbox()
        try inbox.makeFolder("woo-orders")
        try inbox.makeFolder("shopify-orders")
        try inbox.makeFolder(".trash")
        try inbox.write("stray.csv")
        try inbox.link("etc", to: "/etc")
        #expect(try InboxScanner(inboxPath: inbox.inboxPath).routeNames() == ["shopify-orders", "woo-orders"])
    }

    @Test func missingFoldersHoldNothing() throws {
        let inbox = try TemporaryInbox()
        #expect(try InboxScanner(inboxPath: inbox.root + "/nowhere").routeNames() == [])
        #expect(try InboxScanner(inboxPath: inbox.inboxPath).scan(route: "not-yet") == InboxScan())
    }

    @Test(arguments: ["", ".", "..", "../etc", "a/b"])
    func routeNamesCannotLeaveTheInbox(route: String) throws {
        let inbox = try TemporaryInbox()
        #expect(throws: MuelleError.self) { try InboxScanner(inboxPath: inbox.inboxPath).scan(route: route) }
        #expect(throws: MuelleError.self) {
            try InboxWatcher(inboxPath: inbox.inboxPath, configuration: .init(routes: [route]))
        }
    }
}
