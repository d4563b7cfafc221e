import Foundation
import Testing

/// The console through the real binary: a real browser presses Replay; requests without the token, and
/// forms without a form token, change nothing.
extension ServerTests {
    @Suite(.serialized) struct ConsoleTests {
        /// A file quarantined by a strict mapping, and the mapping fixed since: what Replay is for.
        func quarantinedThenFixed() throws -> ConsoleBench {
            let bench = try ConsoleBench(strict: true)
            try bench.drop("prices.csv", "id,price\nA1,9.90 EUR\n")
            #expect(try bench.muelle(["run", "--once"]) == 1)
            #expect(bench.files("quarantine/prices").contains { $0.hasSuffix("-prices.csv") })
            try bench.write("mappings/prices.yaml", ConsoleBench.mapping(strict: false))
            return bench
        }

        @Test func replayButtonInChromiumBringsTheFixedFileThrough() async throws {
            try #require(HeadlessChromium.binary != nil, "install Debian's chromium (README's test set-up line)")
            let bench = try quarantinedThenFixed()
            defer { bench.remove() }
            let (console, base) = try bench.startConsole()
            defer { console.terminate(); console.waitUntilExit() }

            let browser = try HeadlessChromium()
            try browser.setHeaders(["Authorization": ConsoleBench.basicAuth])
            try browser.open(base + "/console")
            let before = browser.text
            #expect(before.contains("prices.csv"))
            #expect(before.contains("is not a decimal number"))
            #expect(before.contains("ATTENTION"))

            try browser.click("#quarantine button[name=replay]")
            let after = browser.text
            #expect(after.contains("prices.csv went through prices: processed"))
            #expect(after.contains("Nothing in quarantine."))
            #expect(!bench.files("quarantine/prices").contains { $0.hasSuffix("-prices.csv") })
            #expect(bench.files("archive/prices").contains { $0.hasSuffix("-prices.csv") })
        }

        @Test func replayInChromiumOnMuelleRunsOwnListenerHandsTheFileToTheWatcher() async throws {
            try #require(HeadlessChromium.binary != nil, "install Debian's chromium (README's test set-up line)")
            let bench = try quarantinedThenFixed()
            defer { bench.remove() }
            // The console beside the pushes and /metrics, on `muelle run --listen`: not `muelle console`.
            let (run, base) = try bench.startRun()
            defer { run.terminate(); run.waitUntilExit() }

            let browser = try HeadlessChromium()
            try browser.setHeaders(["Authorization": ConsoleBench.basicAuth])
            try browser.open(base + "/console")
            #expect(browser.text.contains("is not a decimal number"))

            try browser.click("#quarantine button[name=replay]")
            // Inside `muelle run`, Replay gives the file back to the running watcher, which takes it through.
            #expect(browser.text.contains("is back in its route's inbox"), "\(browser.text)")
            #expect(ConsoleBench.eventually(within: 60) { bench.files("archive/prices").contains { $0.hasSuffix("-prices.csv") } })
            #expect(bench.files("quarantine/prices").isEmpty)
            try browser.open(base + "/console")
            let after = browser.text
            #expect(after.contains("Nothing in quarantine."), "\(after)")
            #expect(after.contains("processed"), "the recent inputs list the replayed file as processed: \(after)")
        }

        @Test func theConsoleRefusesRequestsWithoutItsToken() async throws {
            let bench = try quarantinedThenFixed()
            defer { bench.remove() }
            let (console, base) = try bench.startConsole()
            defer { console.terminate(); console.waitUntilExit() }

            let (none, _, challenge) = try await ConsoleBench.request("GET", base + "/console")
            #expect(none == 401)
            #expect(challenge["www-authenticate"]?.hasPrefix("Basic") == true)
            let wrong = "Basic " + Data("staff:not-the-token".utf8).base64EncodedString()
            #expect(try await ConsoleBench.request("GET", base + "/console", headers: ["Authorization": wrong]).0 == 401)
            let file = try #require(bench.files("quarantine/prices").first { $0.hasSuffix("-prices.csv") })
            let (post, _, _) = try await ConsoleBench.request("POST", base + "/console/quarantine/replay", headers: ["Authorization": wrong],
                                                              body: "file=quarantine/prices/\(file)")
            #expect(post == 401)
            #expect(bench.files("quarantine/prices").contains(file))
            let (ok, page, _) = try await ConsoleBench.request("GET", base + "/console", headers: ["Authorization": ConsoleBench.basicAuth])
            #expect(ok == 200)
            #expect(page.contains("prices.csv"))
        }

        @Test func aFormWithoutAValidFormTokenChangesNothing() async throws {
            let bench = try quarantinedThenFixed()
            defer { bench.remove() }
            let (console, base) = try bench.startConsole()
            defer { console.terminate(); console.waitUntilExit() }
            let file = try #require(bench.files("quarantine/prices").first { $0.hasSuffix("-prices.csv") })
            let auth = ["Authorization": ConsoleBench.basicAuth]

            // Another site's page posting with the staff member's browser credentials: no form token, a forged one.
            for body in ["file=quarantine/prices/\(file)", "file=quarantine/prices/\(file)&csrf=1700000000.deadbeef"] {
                let (status, text, _) = try await ConsoleBench.request("POST", base + "/console/quarantine/replay", headers: auth, body: body)
                #expect(status == 403)
                #expect(text.contains("Nothing was done"))
            }
            // A real form token, but the form was posted from another origin.
            let (_, page, _) = try await ConsoleBench.request("GET", base + "/console", headers: auth)
            let token = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f.]+)"/)?.1)
            let (foreign, _, _) = try await ConsoleBench.request("POST", base + "/console/quarantine/dismiss",
                                                                 headers: auth.merging(["Origin": "http://evil.example"]) { $1 },
                                                                 body: "file=quarantine/prices/\(file)&csrf=\(token)")
            #expect(foreign == 403)
            #expect(bench.files("quarantine/prices").contains(file))
            #expect(try await ConsoleBench.request("GET", base + "/console", headers: auth).1.contains("Dismiss"))

            // The same form from the console's own page goes through.
            let (done, _, headers) = try await ConsoleBench.request("POST", base + "/console/quarantine/dismiss", headers: auth,
                                                                    body: "file=quarantine/prices/\(file)&csrf=\(token)")
            #expect(done == 303)
            #expect(headers["location"]?.contains("dismissed") == true)
            #expect(try await ConsoleBench.request("GET", base + "/console", headers: auth).1.contains("Nothing in quarantine."))
        }
    }
}
