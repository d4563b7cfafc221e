import Foundation
import MuelleCore
import MuelleLabels
import MuelleLedger
import MuelleShipping

/// Pickup manifests and voids: the shipping commands that change the ledger.
public enum ShippingDesk {
    public struct ClosedManifest: Sendable {
        public var id: String
        public var parcels: Int
        public var files: [String]
        /// Its exception list, one line each: parcels handed over earlier whose order was cancelled since.
        public var exceptions: [String] = []
    }

    /// `muelle manifest close`: every open shipment of the carrier (all carriers when nil) created up
    /// to `date` goes on one manifest per carrier and agreement — the pickup request (JSON and CSV)
    /// and the manifest PDF in `outbox/manifests/`. Closing again finds nothing open: no duplicate.
    /// Shipments cancelled after an earlier handover go on the next manifest's exception list (in
    /// its JSON, its PDF, and a CSV of their own, so a carrier importing the pickup CSV never reads
    /// them as parcels to collect) — on a manifest of their own when nothing else is open.
    public static func closeManifests(runner: Runner, carrier: String?, date: String) throws -> [ClosedManifest] {
        let workspace = runner.workspace
        let profiles = runner.processor.profiles
        let carriers = carrier.map { [$0] } ?? profiles.keys.sorted()
        var closed: [ClosedManifest] = []
        try FileSystem.makeDirectory(workspace.outbox("manifests"))
        for code in carriers {
            guard let profile = profiles[code] else {
                throw MuelleError(.configuration, "no carrier profile mappings/carriers/\(code).yaml")
            }
            // The manifest's files appear only once the ledger says its shipments are on it (publish after
            // commit): a failed commit leaves no pickup request for parcels the ledger still calls open.
            let publication = Publication(workspace: workspace)
            defer { publication.discard() }
            var closedHere: [ClosedManifest] = []
            try runner.ledger.transaction { tx in
                closedHere = []
                // One worker closes a carrier's manifests at a time, and reads what is open only once it may: a second
                // one waits here for the first's commit and then finds its shipments already on a manifest.
                try tx.lockExclusiveWork("manifest-close:" + code)
                let open = Dictionary(grouping: try tx.openShipments(carrier: code, upTo: date), by: \.agreement)
                let intercept = Dictionary(grouping: try tx.pendingHandoverExceptions(carrier: code), by: \.agreement)
                for agreementName in Set(open.keys).union(intercept.keys).sorted() {
                    let shipments = open[agreementName] ?? []
                    let exceptions = intercept[agreementName] ?? []
                    let agreement = try profile.agreement(agreementName)
                    let n = try tx.manifestCount(carrier: code, agreement: agreementName, date: date) + 1
                    let id = "\(code)-\(ShipmentMaker.fileName(agreementName))-\(date)-\(n)"
                    var manifest = PickupManifest(carrierName: profile.name, agreement: agreement, date: date,
                                                  sender: try? profile.sender(nil).address, currency: profile.rateCard.currency,
                                                  decimals: profile.rateCard.decimals, labels: [])
                    manifest.rows = shipments.flatMap(rows)
                    manifest.exceptions = exceptions.map { shipment in
                        PickupManifest.Exception(reference: shipment.orderID, trackingNumbers: shipment.trackingNumberList,
                                                 handedOverOn: shipment.manifest, reason: shipment.handoverException ?? "")
                    }
                    let files = try stage(manifest, id: id, workspace: workspace, publication: publication)
                    for var shipment in shipments {
                        shipment.manifest = id
                        try tx.save(shipment)
                    }
                    for var shipment in exceptions {
                        shipment.exceptionManifest = id
                        try tx.save(shipment)
                    }
                    try tx.save(ManifestEntry(id: id, carrier: code, agreement: agreementName, date: date, closedAt: Timestamp.now(),
                                              files: files.map(workspace.relative)))
                    closedHere.append(ClosedManifest(id: id, parcels: manifest.rows.count, files: files.map(workspace.relative),
                                                     exceptions: manifest.exceptions.map(\.text)))
                }
                try publication.record(in: tx, inputID: nil)
                if !closedHere.isEmpty { TestHooks.point("manifest-staged") }
            }
            if !closedHere.isEmpty { TestHooks.point("manifest-committed") }
            try publication.publish(clearingRowsIn: runner.ledger)
            closed += closedHere
        }
        return closed
    }

    private static func rows(_ shipment: ShipmentEntry) -> [PickupManifest.Row] {
        let fields = shipment.manifestRow.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4 else { return [] }
        return shipment.trackingNumberList.enumerated().map { i, number in
            PickupManifest.Row(trackingNumber: number, reference: shipment.orderID, recipient: fields[0], city: fields[1],
                               weightKg: ExactDecimal.parse(fields[2]) ?? 0, cashOnDelivery: i == 0 ? ExactDecimal.parse(fields[3]) : nil)
        }
    }

    /// The pickup request as JSON and CSV, and the PDF the driver signs, staged in `publication`; returns
    /// their final paths.
    private static func stage(_ manifest: PickupManifest, id: String, workspace: Workspace, publication: Publication) throws -> [String] {
        let base = workspace.outbox("manifests") + "/" + id
        let pdf = workspace.staging + "/" + UniqueName.next() + ".pdf"
        try ManifestRenderer.render(manifest, to: pdf)
        let request = Value.object([
            ("kind", .string("pickup_request")), ("manifest", .string(id)), ("carrier", .string(manifest.carrierName)),
            ("agreement", .object([("name", .string(manifest.agreement.name)), ("client_id", .string(manifest.agreement.clientID)),
                                   ("division", manifest.agreement.division.map(Value.string) ?? .null)])),
            ("date", .string(manifest.date)), ("parcels", .number(String(manifest.rows.count))),
            ("total_weight_kg", .number(ExactDecimal.plain(manifest.totalWeightKg))),
            ("total_cash_on_delivery", .string(manifest.money(manifest.totalCashOnDelivery))), ("currency", .string(manifest.currency)),
            ("rows", .array(manifest.rows.map { row in
                .object([("tracking_number", .string(row.trackingNumber)), ("reference", .string(row.reference)),
                         ("recipient", .string(row.recipient)), ("city", .string(row.city)),
                         ("weight_kg", .number(ExactDecimal.plain(row.weightKg))),
                         ("cash_on_delivery", row.cashOnDelivery.map { .string(manifest.money($0)) } ?? .null)])
            })),
            ("exceptions", .array(manifest.exceptions.map { exception in
                .object([("reference", .string(exception.reference)), ("tracking_numbers", .array(exception.trackingNumbers.map(Value.string))),
                         ("exception", .string("cancelled_after_handover")), ("handed_over_on", exception.handedOverOn.map(Value.string) ?? .null),
                         ("reason", .string(exception.reason)), ("action", .string("intercept"))])
            })),
        ])
        var csv = "tracking_number,reference,recipient,city,weight_kg,cash_on_delivery\n"
        for row in manifest.rows {
            csv += [row.trackingNumber, row.reference, row.recipient, row.city, ExactDecimal.plain(row.weightKg),
                    row.cashOnDelivery.map(manifest.money) ?? ""].map(csvField).joined(separator: ",") + "\n"
        }
        try publication.write(JSONText.pretty(request) + "\n", to: base + ".json")
        try publication.write(csv, to: base + ".csv")
        var files = [base + ".json", base + ".csv", base + ".pdf"]
        if !manifest.exceptions.isEmpty {
            var exceptions = "tracking_number,reference,exception,handed_over_on,reason\n"
            for exception in manifest.exceptions {
                for number in exception.trackingNumbers {
                    exceptions += [number, exception.reference, "cancelled_after_handover", exception.handedOverOn ?? "", exception.reason]
                        .map(csvField).joined(separator: ",") + "\n"
                }
            }
            try publication.write(exceptions, to: base + "-exceptions.csv")
            files.append(base + "-exceptions.csv")
        }
        try publication.add(pdf, as: base + ".pdf")
        return files
    }

    private static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// `muelle shipments void KEY`: cancels a shipment not yet handed over on a closed manifest and
    /// tells the marketplace (a tracking update with status `voided`). Its tracking numbers stay used.
    public static func void(key: String, runner: Runner) throws -> ShipmentEntry {
        let workspace = runner.workspace
        let publication = Publication(workspace: workspace)
        defer { publication.discard() }
        let voided = try runner.ledger.transaction { tx in
            guard let found = try runner.ledger.shipment(key: key), var shipment = try tx.shipment(orderID: found.orderID) else {
                throw MuelleError(.configuration, "no shipment for '\(key)' (give an order id or a tracking number)")
            }
            if let manifest = shipment.manifest {
                throw MuelleError(.configuration, "the shipment of \(shipment.orderID) is on closed manifest \(manifest): it was handed over and cannot be voided")
            }
            guard shipment.state != "voided" else {
                throw MuelleError(.configuration, "the shipment of \(shipment.orderID) is already voided")
            }
            try ShipmentVoid.void(&shipment, reason: "voided by hand", at: Timestamp.now(), tx: tx, workspace: workspace, publication: publication)
            try publication.record(in: tx, inputID: nil)
            return shipment
        }
        try publication.publish(clearingRowsIn: runner.ledger)
        return voided
    }
}
