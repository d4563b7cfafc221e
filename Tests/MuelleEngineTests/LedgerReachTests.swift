@testable import MuelleEngine
import Testing

/// A worker cut off from the shared ledger says so once, takes no file meanwhile, and says once when it is back.
struct LedgerReachTests {
    @Test func aLostLedgerIsToldOnceAndItsReturnOnce() {
        var reach = LedgerReach()
        #expect(reach.takesFiles)
        #expect(reach.succeeded() == .none)
        #expect(reach.failed("connection refused") == .stopTaking("connection refused"))
        #expect(!reach.takesFiles)
        #expect(reach.failed("connection refused") == .none, "not again per heartbeat or file")
        #expect(reach.failed("timeout") == .none)
        #expect(reach.succeeded() == .resume)
        #expect(reach.takesFiles)
        #expect(reach.succeeded() == .none)
    }
}
