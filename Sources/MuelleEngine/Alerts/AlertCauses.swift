import Foundation
import MuelleLedger

/// Something that needs a person now: each is alerted once, and once more when it clears.
public struct AlertCause: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case fileQuarantined = "file_quarantined"
        case routeLate = "route_late"
        case deliveriesFailing = "deliveries_failing"
        case cancelledAfterHandover = "cancelled_after_handover"
    }

    /// Unique while the cause lasts; a cause that clears and comes back has a new key (or a new alert).
    public var key: String
    public var kind: Kind
    public var route: String
    public var subject: String
    public var message: String
    /// When it began, as far as muelle knows (nil: from when it is first seen).
    public var since: Date?

    /// What needs a person in `workspace` now.
    static func observe(workspace: Workspace, catalog: RouteCatalog.Snapshot, ledger: any LedgerStore, now: Date = Date()) throws -> [AlertCause] {
        var causes: [AlertCause] = []
        for item in try QuarantineDesk.list(workspace: workspace, ledger: ledger) {
            causes.append(AlertCause(key: "file_quarantined:\(item.file)#\(item.inputID ?? 0)", kind: .fileQuarantined, route: item.route,
                                     subject: item.file, message: "\(item.name) was quarantined on route \(item.route): \(item.reason)",
                                     since: TimeText.date(item.quarantinedAt)))
        }
        for route in catalog.sortedRoutes {
            guard let late = FeedWatch.lateness(of: route, workspace: workspace, ledger: ledger, now: now) else { continue }
            causes.append(AlertCause(key: "route_late:\(route.name):\(TimeText.iso(late.since))", kind: .routeLate, route: route.name,
                                     subject: route.name, message: late.message, since: late.since))
        }
        for delivery in try ledger.pendingDeliveries(route: nil) where delivery.attempts > 0 && delivery.lastError != nil {
            causes.append(AlertCause(key: "deliveries_failing:\(delivery.file)", kind: .deliveriesFailing, route: delivery.route,
                                     subject: delivery.file,
                                     message: "\(delivery.file) cannot be delivered to \(delivery.destination): \(delivery.lastError ?? "")", since: nil))
        }
        for (shipment, route) in try ledger.handoverExceptions() {
            causes.append(AlertCause(key: "cancelled_after_handover:\(shipment.orderID)", kind: .cancelledAfterHandover, route: route,
                                     subject: shipment.orderID,
                                     message: "order \(shipment.orderID) ended (\(shipment.handoverException ?? "cancelled")) after its parcels were handed to \(shipment.carrier) (\(shipment.trackingNumbers)): intercept it with the carrier",
                                     since: nil))
        }
        return causes
    }
}
