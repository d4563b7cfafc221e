import Foundation
import MuelleCore
import MuelleLabels
import MuelleLedger
import MuelleMapping
import MuelleReaders
import MuelleShipping

/// Turns newly imported orders into shipments, inside the same ledger transaction that imports
/// them: a shipment request, a label PDF per shipment (one page per parcel), a tracking update for
/// the marketplace, and the batch for the printer in print jobs of `labels_per_print_job` shipments. Everything is staged, recorded
/// in the commit and renamed into view after it (`Publication`), so a crash either leaves nothing the
/// ledger knows of (a redo allocates the same tracking numbers and rewrites the same names) or a
/// complete, recorded batch that the next start finishes publishing.
struct ShipmentMaker {
    let workspace: Workspace
    let profiles: [String: CarrierProfile]
    let settings: ShippingSettings
    let tx: any LedgerWriting
    let at: String

    struct Result {
        var shipments = 0
        /// The first `listedLimit` orders that could not be shipped, and one note counting the rest.
        var notShippable: [MuelleError] = []
        var outputs: [String] = []
        fileprivate var unlisted = 0
    }

    /// Reasons listed in full in a file's report; beyond them orders are counted, so a large export of
    /// orders to a country no zone covers does not hold thousands of messages for the whole input.
    static let listedLimit = 100

    func make(fromOrders ordersPath: String, stem: String, staging: String, publication: Publication) throws -> Result {
        var result = Result()
        guard let profile = profiles[settings.carrier] else {
            throw MuelleError(.configuration, "no carrier profile mappings/carriers/\(settings.carrier).yaml")
        }
        let requests = try FileWriter(path: staging + "/" + UniqueName.next() + ".shipments")
        let tracking = try FileWriter(path: staging + "/" + UniqueName.next() + ".tracking")
        let labelRecords = try FileWriter(path: staging + "/" + UniqueName.next() + ".labels")
        // Each label is drawn once, written into its own PDF in a staged folder and into the open print job,
        // then forgotten: nothing per label stays in memory for the rest of the input. The drawing runs on the
        // press's threads while this one goes on with the next order; what can refuse a label is checked here.
        let labelFolder = try publication.stagedFolder()
        let press = LabelPress(jobs: PrintJobs(labelsPerJob: settings.labelsPerPrintJob) { staging + "/" + UniqueName.next() + ".pdf" })
        defer { press.stop() }
        let orders = try RecordReaders.open(path: publication.readablePath(of: ordersPath), fileName: (ordersPath as NSString).lastPathComponent, options: .ndjson())
        while let record = try orders.next() {
            let order = record.value
            guard let orderID = order["id"]?.text, try tx.shipment(orderID: orderID) == nil,
                  let plan = try settings.plan(for: order) else { continue }
            do {
                let label = try makeLabel(order: order, orderID: orderID, plan: plan, profile: profile)
                let labelName = Self.fileName(orderID) + ".pdf"
                let labelFile = "outbox/labels/" + labelName
                let prepared = try LabelRenderer.prepare(label)
                let request = label.request.value
                try requests.writeLine(JSONText.compact(request))
                try labelRecords.writeLine(JSONText.compact(label.record(file: labelFile)))
                try tracking.writeLine(JSONText.compact(trackingUpdate(order: order, label: label, status: "label_created")))
                try tx.save(ShipmentEntry(orderID: orderID, carrier: profile.code, agreement: label.request.agreement.name,
                                          service: label.request.service.code, trackingNumbers: label.parcels.map(\.trackingNumber),
                                          label: labelFile, createdAt: at, createdOn: String(at.prefix(10)), document: JSONText.compact(request),
                                          manifestRow: Self.manifestRow(label)))
                for job in try press.submit(prepared, to: labelFolder + "/" + labelName) {
                    result.outputs.append(try publish(job, stem: stem, publication: publication))
                }
                result.shipments += 1
            } catch let error as MuelleError where error.code == .notShippable || error.code == .badValue {
                if result.notShippable.count < Self.listedLimit { result.notShippable.append(error.located(field: "shipping")) } else { result.unlisted += 1 }
            }
        }
        if result.unlisted > 0 {
            result.notShippable.append(MuelleError(.notShippable, "\(result.unlisted) more orders could not be shipped; the first \(Self.listedLimit) reasons are listed")
                .located(field: "shipping"))
        }
        for job in try press.finish() { result.outputs.append(try publish(job, stem: stem, publication: publication)) }
        guard result.shipments > 0 else {
            publication.discardFolder(labelFolder)
            return result
        }
        // The label PDFs are one publication: their folder's files are renamed into outbox/labels after the commit.
        try publication.addFolder(labelFolder, into: workspace.outbox("labels"))
        for (writer, folder) in [(requests, "shipments"), (tracking, "tracking"), (labelRecords, "labels")] {
            try writer.sync()
            let final = workspace.outbox(folder) + "/\(stem).ndjson"
            try publication.add(synced: writer.path, as: final)
            result.outputs.append(final)
        }
        return result
    }

    /// A full print job goes to `outbox/labels/batch-<stem>-<nnn>.pdf` (numbered so they sort in printing order).
    private func publish(_ job: PrintJobs.Job, stem: String, publication: Publication) throws -> String {
        let final = workspace.outbox("labels") + "/batch-\(stem)-" + String(format: "%03d", job.number) + ".pdf"
        try publication.add(job.path, as: final)
        return final
    }

    private func makeLabel(order: Value, orderID: String, plan: ShippingSettings.Plan, profile: CarrierProfile) throws -> ShipmentLabel {
        guard let address = order["shipping_address"], let recipient = PostalAddress(orderAddress: address, customer: order["customer"]) else {
            throw MuelleError(.notShippable, "order \(orderID) has no shipping address to ship to")
        }
        let parcels = self.parcels(for: order, profile: profile)
        let declared = order["totals"]?["grand_total"]?.text.flatMap { ExactDecimal.parse($0) }
        var titles: [String] = []
        if case .array(let lines)? = order["lines"] { titles = lines.compactMap { $0["title"]?.text } }
        let contents = titles.joined(separator: ", ")
        let request = try profile.shipmentRequest(reference: orderID, service: plan.service, agreement: plan.agreement, sender: settings.sender,
                                                  recipient: recipient, parcels: parcels, declaredValue: declared,
                                                  cashOnDelivery: plan.cashOnDelivery, contents: contents.isEmpty ? nil : String(contents.prefix(120)))
        // Reserved in the ledger in one step, inside this commit: no two workers hand out a number, and a rolled-back
        // commit gives its numbers to the next one.
        let allocator = try profile.trackingAllocator(for: request.agreement, lastSerial: nil)
        let numbers = try allocator.reserved(parcels.count) { count, first in
            try tx.reserveTrackingSerials(count, carrier: profile.code, agreement: request.agreement.name, first: first)
        }
        return try ShipmentLabel(request: request, trackingNumbers: numbers.map { $0.number }, profile: profile)
    }

    /// Items × weight per item, split into equal parcels when over the carrier's parcel limit.
    private func parcels(for order: Value, profile: CarrierProfile) -> [Parcel] {
        var items: Decimal = 0
        if case .array(let lines)? = order["lines"] {
            for line in lines { items += line["quantity"]?.text.flatMap { ExactDecimal.parse($0) } ?? 1 }
        }
        let total = max(items, 1) * settings.weightPerItemKg
        var count = 1
        if let limit = profile.maxParcelWeightKg, limit > 0 {
            while total / Decimal(count) > limit { count += 1 }
        }
        let each = (total / Decimal(count)).rounded(scale: 3, up: true)
        return (0..<count).map { _ in Parcel(weightKg: each, lengthCm: settings.boxCm.length, widthCm: settings.boxCm.width, heightCm: settings.boxCm.height) }
    }

    /// What goes back to the marketplace account of the order: carrier, parcel numbers, tracking URL.
    func trackingUpdate(order: Value, label: ShipmentLabel, status: String) -> Value {
        .object([
            ("kind", .string("tracking_update")), ("order_id", order["id"] ?? .null), ("platform", order["platform"] ?? .null),
            ("account", order["account"] ?? .null), ("external_id", order["external_id"] ?? .null),
            ("carrier", .string(label.request.carrierName)), ("tracking_number", .string(label.trackingNumber)),
            ("tracking_url", .string(label.trackingURL)), ("status", .string(status)),
            ("parcels", .array(label.parcels.map { .object([("number", .string($0.trackingNumber)), ("tracking_url", .string($0.trackingURL)), ("counter", .string($0.counter))]) })),
        ])
    }

    static func manifestRow(_ label: ShipmentLabel) -> String {
        let r = label.request
        return [r.recipient.name, r.recipient.city, ExactDecimal.plain(r.parcels.first?.weightKg ?? 0),
                r.cashOnDelivery.map(ExactDecimal.plain) ?? ""].map { $0.replacingOccurrences(of: "\t", with: " ") }.joined(separator: "\t")
    }

    /// A file name for an order id that cannot leave its folder (`shopify:main:1050` → `shopify_main_1050`).
    static func fileName(_ id: String) -> String {
        String(id.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return (c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == ".")) ? c : "_"
        })
    }
}

extension Decimal {
    func rounded(scale: Int, up: Bool) -> Decimal {
        var input = self
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, up ? .up : .plain)
        return result
    }
}
