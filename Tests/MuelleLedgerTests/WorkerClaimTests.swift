import Foundation
import MuelleCore
@testable import MuelleLedger
@testable import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// Claims with leases in the PostgreSQL ledger: one worker per input, a claim taken over only once its lease ran out,
/// and a commit refused to a worker that lost its claim.
@Suite(.enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct WorkerClaimTests {
    let key = ClaimKey(route: "shop", name: "orders-1.csv")

    @Test func aClaimIsOneWorkersUntilItsLeaseRunsOutThenAnotherTakesItOver() throws {
        let (ledger, _) = try PostgresLedgerTests.fresh()
        #expect(try ledger.claim(key, worker: "a", lease: .seconds(60)))
        #expect(try !ledger.claim(key, worker: "b", lease: .seconds(60)), "held by a live worker: b leaves it")
        #expect(try ledger.claim(key, worker: "a", lease: .seconds(60)), "a holds it already")
        let short = ClaimKey(route: "shop", name: "orders-2.csv")
        #expect(try ledger.claim(short, worker: "a", lease: .milliseconds(1)))
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try ledger.claim(short, worker: "b", lease: .seconds(60)), "a's lease ran out: b takes it over")
        // a's commit finds the claim b's, and is refused; b's goes through.
        #expect(try !ledger.transaction { try $0.confirmClaim(short, worker: "a", lease: .seconds(60)) })
        #expect(try ledger.transaction { try $0.confirmClaim(short, worker: "b", lease: .seconds(60)) })
        try ledger.releaseClaim(short, worker: "a")
        #expect(try !ledger.claim(short, worker: "c", lease: .seconds(60)), "a cannot release what b holds")
        try ledger.releaseClaim(short, worker: "b")
        #expect(try ledger.claim(short, worker: "c", lease: .seconds(60)), "released after the archive: free again")
    }

    @Test func manyWorkersClaimingAtOnceGiveEachFileToOne() throws {
        let (ledger, _) = try PostgresLedgerTests.fresh()
        let files = (0..<40).map { ClaimKey(route: "shop", name: "f\($0).csv") }
        let won = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for file in files where (try? ledger.claim(file, worker: "w\(worker)", lease: .seconds(60))) == true {
                won.append(file.name)
            }
        }
        #expect(won.value.count == files.count && Set(won.value).count == files.count)
    }

    @Test func aWorkerSilentPastItsLeaseIsLostAndReapedOnceWithItsClaims() throws {
        let (ledger, _) = try PostgresLedgerTests.fresh()
        try ledger.heartbeat(worker: "a", host: "h1", pid: 1, fileInHand: "shop/orders-1.csv", holds: [], lease: .milliseconds(1))
        try ledger.heartbeat(worker: "b", host: "h2", pid: 2, fileInHand: nil, holds: [], lease: .seconds(60))
        #expect(try ledger.claim(key, worker: "a", lease: .milliseconds(1)))
        Thread.sleep(forTimeInterval: 0.05)
        let workers = try ledger.workers()
        #expect(workers.map(\.id) == ["a", "b"])
        #expect(workers.map(\.lost) == [true, false])
        #expect(workers.first?.fileInHand == "shop/orders-1.csv")
        #expect(try ledger.forgetLostWorker("a"))
        #expect(try !ledger.forgetLostWorker("a"), "reaped once")
        #expect(try !ledger.forgetLostWorker("b"), "alive: not reaped")
        #expect(try ledger.workers().first?.reaped == true)
        #expect(try !ledger.transaction { try $0.confirmClaim(key, worker: "a", lease: .seconds(60)) }, "its claims are gone")
        // It wakes: alive again, but with nothing in hand.
        try ledger.heartbeat(worker: "a", host: "h1", pid: 1, fileInHand: nil, holds: [key], lease: .seconds(60))
        #expect(try ledger.workers().first.map { !$0.lost && !$0.reaped } == true)
        try ledger.forgetWorker("a")
        #expect(try ledger.workers().map(\.id) == ["b"])
    }
}
