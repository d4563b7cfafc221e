import Foundation
import Testing

/// The delivery app's pushes through the binary: a retried order push is one order, and a status push,
/// whose order ids travel only in its file name, cancels the order it names.
@Suite struct DeliveryAppPushTests {
    static let order = "order-x7gr-3fx4.json"
    static let orderID = "deliveryapp:1042:x7gr-3fx4"

    static func bench() throws -> Workbench {
        let bench = try Workbench(mappings: ["deliveryapp-orders", "deliveryapp-order-status"])
        try bench.dropExample("deliveryapp-orders", order)
        #expect(try bench.muelle(["run", "--once"]).status == 0)
        return bench
    }

    static func statuses(_ bench: Workbench) throws -> [String: String] {
        let out = try bench.muelle(["orders", "list", "--json"]).stdout
        let root = try JSONSerialization.jsonObject(with: Data(out.utf8))
        let orders = (root as? [[String: Any]]) ?? ((root as? [String: Any])?["orders"] as? [[String: Any]]) ?? []
        return Dictionary(uniqueKeysWithValues: orders.compactMap { order in
            (order["id"] as? String).flatMap { id in (order["status"] as? String).map { (id, $0) } }
        })
    }

    static func quarantineReason(_ bench: Workbench) throws -> String {
        try bench.read("quarantine/deliveryapp-order-status/" + #require(bench.files("quarantine/deliveryapp-order-status").first { $0.hasSuffix(".error.txt") }))
    }

    static func cancellation(_ message: String = "Restaurante sin stock") -> String {
        #"{"status":"ORDER_CANCELLED","message":"\#(message)"}"#
    }

    @Test func aPushRetriedByteForByteIsOneOrder() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        // The sender retries after a timeout: the same body again, under the same name or another.
        try bench.dropExample("deliveryapp-orders", Self.order)
        try bench.dropExample("deliveryapp-orders", Self.order, as: "order-x7gr-3fx4-retry-1.json")
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("duplicates 2") || run.stderr.contains("duplicates 2"), "\(run.stdout)\(run.stderr)")

        let orders = try bench.orders()
        #expect(orders.count == 1)
        #expect(orders.first?["id"] as? String == Self.orderID)
        #expect(orders.first?["currency"] as? String == "ARS")
        #expect(try Self.statuses(bench) == [Self.orderID: "ready_to_ship"])
        #expect(bench.files("outbox/order-updates").isEmpty)
    }

    @Test func theStatusPushCancelsTheOrderItsFileNameNames() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        try bench.drop("deliveryapp-order-status", "remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_1.json", Self.cancellation())
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")

        #expect(try Self.statuses(bench) == [Self.orderID: "cancelled"])
        let update = try #require(try bench.ndjson("outbox/order-updates").first)
        #expect(update["order_id"] as? String == Self.orderID || update["id"] as? String == Self.orderID, "\(update)")
    }

    @Test func twoOrdersCancelledWithTheSameBodyAreTwoCancellationsNotADuplicate() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        let other = try String(contentsOfFile: Workbench.repository + "/examples/inbox/deliveryapp-orders/\(Self.order)", encoding: .utf8)
            .replacingOccurrences(of: "\"code\": \"x7gr-3fx4\"", with: "\"code\": \"k2pd-8wqe\"")
        try bench.drop("deliveryapp-orders", "order-k2pd-8wqe.json", other)
        #expect(try bench.muelle(["run", "--once"]).status == 0)

        try bench.drop("deliveryapp-order-status", "remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_1.json", Self.cancellation())
        try bench.drop("deliveryapp-order-status", "remoteId_1042_remoteOrder_k2pd-8wqe_posOrderStatus_1.json", Self.cancellation())
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.statuses(bench) == [Self.orderID: "cancelled", "deliveryapp:1042:k2pd-8wqe": "cancelled"])
    }

    @Test func aStatusFileNamedOtherwiseIsRefusedSayingWhy() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        try bench.drop("deliveryapp-order-status", "cancel-x7gr-3fx4.json", Self.cancellation())
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1)
        let reason = try Self.quarantineReason(bench)
        #expect(reason.contains("does not match the route's file_pattern") && reason.contains("mappings/deliveryapp-order-status.yaml:"), "\(reason)")
        #expect(try Self.statuses(bench) == [Self.orderID: "ready_to_ship"])
    }

    @Test func anUnknownStatusIsRejectedNotCountedAsFiltered() throws {
        let bench = try Self.bench()
        defer { bench.remove() }
        try bench.drop("deliveryapp-order-status", "remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_2.json",
                       #"{"status":"ORDER_DELAYED","message":"Demora en cocina"}"#)
        let run = try bench.muelle(["run", "--once"])
        #expect(run.status == 1)
        let reason = try Self.quarantineReason(bench)
        #expect(reason.contains("ORDER_DELAYED"), "\(reason)")
    }

    @Test func tryReadsAFileAsIfDroppedUnderAnotherNameAtAGivenTime() throws {
        let bench = try Workbench(mappings: ["deliveryapp-order-status"])
        defer { bench.remove() }
        try bench.write("push.json", Self.cancellation())
        let result = try bench.muelle(["try", "deliveryapp-order-status", bench.root + "/push.json",
                                       "--name", "remoteId_1042_remoteOrder_x7gr-3fx4_posOrderStatus_7.json",
                                       "--received-at", "2026-11-24T15:09:12Z"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(#""order_id": "deliveryapp:1042:x7gr-3fx4""#))
        #expect(result.stdout.contains(#""occurred_at": "2026-11-24T12:09:12-03:00""#), "\(result.stdout)")
        #expect(try bench.muelle(["try", "deliveryapp-order-status", bench.root + "/push.json"]).status == 1, "its own name is not a status push's")
    }
}
