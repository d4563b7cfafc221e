import Foundation
import MuelleCore
@testable import MuelleLedger
@testable import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// Work that runs once across several workers, and tracking serials handed out by the database: two
/// `PostgresLedger`s on one database stand for two workers' sessions on the real server.
@Suite(.enabled(if: PostgresCluster.enabled, "needs a PostgreSQL server (initdb, pg_ctl)"))
struct ExclusiveWorkTests {
    /// Two workers' ledgers on one new database.
    static func twoWorkers() throws -> (PostgresLedger, PostgresLedger, database: String) {
        let cluster = try PostgresCluster.started()
        let database = try cluster.database()
        let address = try PostgresAddress(parsing: database.url)
        return (try PostgresLedger.open(address, environment: cluster.environment),
                try PostgresLedger.open(address, environment: cluster.environment), database.name)
    }

    @Test func workersContendingForTheSameWorkExactlyOneRunsItAndTheOthersSkip() throws {
        let (first, second, _) = try Self.twoWorkers()
        let holds = Mutexed<[(any ExclusiveWorkHold)?]>([])
        let failures = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do {
                // Kept until every worker has tried, as a pull in progress is.
                holds.append(try (i.isMultiple(of: 2) ? first : second).holdExclusiveWork("sftp-pull:shop"))
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.value.isEmpty)
        let taken = holds.value.compactMap { $0 }
        #expect(taken.count == 1)
        #expect(taken.first?.isHeld == true)
        // Other work is not held up by it.
        let other = try #require(try second.holdExclusiveWork("deliveries"))
        other.release()
        taken.first?.release()
        let next = try #require(try second.holdExclusiveWork("sftp-pull:shop"), "released work is free for the other worker")
        #expect(try first.holdExclusiveWork("sftp-pull:shop") == nil)
        next.release()
    }

    @Test func aWorkerWhoseSessionIsKilledLosesTheWorkAndTheOtherTakesItOver() throws {
        let cluster = try PostgresCluster.started()
        let (first, second, database) = try Self.twoWorkers()
        let hold = try #require(try first.holdExclusiveWork("deliveries"))
        #expect(try second.holdExclusiveWork("deliveries") == nil)
        let killed = cluster.psql(database, """
            SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = \(PostgresExclusiveHold.namespace) AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        #expect(killed.status == 0 && killed.output.trimmingCharacters(in: .whitespacesAndNewlines) == "t")
        #expect(!hold.isHeld, "the worker notices it no longer holds the work")
        // The server frees the lock as the killed backend exits; the other worker takes the work as soon as it is free.
        var takenOver: (any ExclusiveWorkHold)?
        for _ in 0..<500 where takenOver == nil {
            takenOver = try second.holdExclusiveWork("deliveries")
            if takenOver == nil { usleep(10_000) }
        }
        #expect(takenOver?.isHeld == true)
        hold.release()
        #expect(takenOver?.isHeld == true, "the killed worker's release does not free the new holder's work")
        #expect(try first.holdExclusiveWork("deliveries") == nil, "the killed worker's ledger still works and sees the work taken")
        takenOver?.release()
    }

    @Test func aSecondManifestCloseWaitsForTheFirstsCommitAndSeesItsShipmentsClosed() throws {
        let cluster = try PostgresCluster.started()
        let (first, second, database) = try Self.twoWorkers()
        try first.transaction { tx in
            try tx.save(ShipmentEntry(orderID: "o-1", carrier: "coord", agreement: "A", service: "std", trackingNumbers: ["CO1"],
                                      label: "outbox/labels/o-1.pdf", createdAt: "2026-11-24T10:00:00Z", createdOn: "2026-11-24",
                                      document: "{}", manifestRow: "Ana\tBogotá\t1\t"))
        }
        let seenBySecond = Mutexed<[[String]]>([])
        let done = DispatchSemaphore(value: 0)
        try first.transaction { tx in
            try tx.lockExclusiveWork("manifest-close:coord")
            let open = try tx.openShipments(carrier: "coord", upTo: "2026-11-24")
            DispatchQueue.global().async {
                let seen = try? second.transaction { tx in
                    try tx.lockExclusiveWork("manifest-close:coord")
                    return try tx.openShipments(carrier: "coord", upTo: "2026-11-24").map(\.orderID)
                }
                seenBySecond.append(seen ?? ["failed"])
                done.signal()
            }
            // Wait (without a deadline that decides anything) until the second close is queued behind this one.
            for _ in 0..<1000 {
                let waiting = cluster.psql(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                if waiting.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
                usleep(10_000)
            }
            for var shipment in open {
                shipment.manifest = "coord-A-2026-11-24-1"
                try tx.save(shipment)
            }
        }
        done.wait()
        #expect(seenBySecond.value == [[]], "the second close finds the shipments already on the first's manifest")
    }

    @Test func twoWorkersReservingTrackingSerialsFromManyThreadsNeverShareOneAndLeaveNoGap() throws {
        let (first, second, _) = try Self.twoWorkers()
        struct Abandoned: Error {}
        let kept = Mutexed<[ClosedRange<UInt64>]>([])
        let failures = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let ledger = thread.isMultiple(of: 2) ? first : second
            for round in 0..<20 {
                let count = (thread + round) % 3 + 1
                do {
                    let range = try ledger.transaction { tx in
                        let range = try tx.reserveTrackingSerials(count, carrier: "coord", agreement: "A", first: 7_394_000_000)
                        // Some commits fail after reserving: their serials go back to the next reservation.
                        if round % 5 == 4 { throw Abandoned() }
                        return range
                    }
                    kept.append(range)
                } catch is Abandoned {
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        #expect(failures.value.isEmpty)
        let serials = kept.value.flatMap { Array($0) }.sorted()
        #expect(serials.count == Set(serials).count, "no serial handed out twice")
        let start: UInt64 = 7_394_000_000
        #expect(serials == Array(start..<(start + UInt64(serials.count))), "no serial skipped")
        var committed = 0
        for thread in 0..<8 {
            for round in 0..<20 where round % 5 != 4 { committed += (thread + round) % 3 + 1 }
        }
        #expect(serials.count == committed, "every committed reservation is there")
    }
}

extension LedgerBackendTests {
    @Test(arguments: LedgerBackendTests.Backend.allCases)
    func aReservationInARolledBackCommitIsHandedOutNext(_ backend: LedgerBackendTests.Backend) throws {
        let ledger = try backend.open()
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try ledger.transaction { (tx: any LedgerWriting) throws in
                #expect(try tx.reserveTrackingSerials(3, carrier: "coord", agreement: "A", first: 100) == 100...102)
                throw Crash()
            }
        }
        try ledger.transaction { (tx: any LedgerWriting) throws in
            #expect(try tx.reserveTrackingSerials(2, carrier: "coord", agreement: "A", first: 100) == 100...101)
            #expect(try tx.reserveTrackingSerials(1, carrier: "coord", agreement: "A", first: 100) == 102...102)
            #expect(try tx.reserveTrackingSerials(1, carrier: "coord", agreement: "B", first: 500) == 500...500, "each agreement has its own serials")
            // The profile's range replaced by a higher one: the next reservation starts at its start.
            #expect(try tx.reserveTrackingSerials(2, carrier: "coord", agreement: "A", first: 900) == 900...901)
        }
        try ledger.transaction { (tx: any LedgerWriting) throws in
            #expect(try tx.lastTrackingSerial(carrier: "coord", agreement: "A") == 901)
        }
    }

    @Test(arguments: LedgerBackendTests.Backend.allCases)
    func theOnlyWorkerOfALedgerTakesOnceOnlyWork(_ backend: LedgerBackendTests.Backend) throws {
        let ledger = try backend.open()
        let hold = try #require(try ledger.holdExclusiveWork("alerts"))
        #expect(hold.isHeld && hold.name == "alerts")
        hold.release()
        hold.release()
        #expect(try ledger.holdExclusiveWork("alerts") != nil)
    }
}
