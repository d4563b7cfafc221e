import ArgumentParser
import Foundation
import MuelleCore
import MuelleEngine
import MuelleReaders
import MuelleShipping

struct Quote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Price a shipment per service, with the breakdown, from a carrier profile's rate card.")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: "Carrier profile (mappings/carriers/<carrier>.yaml); from the file when --file is given.") var carrier: String?
    @Option(help: "A shipment request (JSON, as in outbox/shipments/): quote its recipient and parcels again.") var file: String?
    @Option(help: "Only this service.") var service: String?
    @Option(help: "Destination country (ISO alpha-2).") var country: String?
    @Option(help: "Destination postal code.") var postalCode: String?
    @Option(help: "Destination city code (8-digit DANE code in Colombia).") var cityCode: String?
    @Option(help: "Destination region.") var region: String?
    @Option(help: "Weight of each parcel in kg.") var weight: String?
    @Option(help: "Dimensions of each parcel in cm, LxWxH.") var dims: String = "30x20x10"
    @Option(help: "Number of parcels.") var parcels: Int = 1
    @Option(help: "Cash to collect on delivery.") var cod: String?
    @Option(help: "Declared value.") var declared: String?
    @Flag(help: "Stable JSON instead of text.") var json = false

    func run() async throws {
        let workspace = options.workspace
        let shipment = try file.map(ShipmentFile.read)
        guard let code = carrier ?? shipment?.carrier else { throw ValidationError("give --carrier, or --file with a shipment request") }
        let profile = try CarrierProfileLoader.load(path: workspace.mappings + "/carriers/\(code).yaml", displayName: "mappings/carriers/\(code).yaml")
        let boxes: [Parcel]
        let destination: PostalAddress
        if let shipment {
            boxes = shipment.parcels
            destination = shipment.recipient
        } else {
            let sides = dims.lowercased().split(separator: "x").compactMap { ExactDecimal.parse(String($0)) }
            guard let kg = weight.flatMap({ ExactDecimal.parse($0) }), sides.count == 3, let country else {
                throw ValidationError("give --country, --weight in kilograms (2.5) and --dims LxWxH in cm (30x20x10), or --file")
            }
            boxes = Array(repeating: Parcel(weightKg: kg, lengthCm: sides[0], widthCm: sides[1], heightCm: sides[2]), count: max(1, parcels))
            destination = PostalAddress(name: "", line1: "", city: "", cityCode: cityCode, region: region, postalCode: postalCode, country: country.uppercased())
        }
        let cash = cod.flatMap { ExactDecimal.parse($0) } ?? shipment?.cashOnDelivery
        let value = declared.flatMap { ExactDecimal.parse($0) } ?? shipment?.declaredValue
        let quotes = try service.map { [try profile.quote(service: $0, destination: destination, parcels: boxes, declaredValue: value, cashOnDelivery: cash)] }
            ?? profile.quotes(destination: destination, parcels: boxes, declaredValue: value, cashOnDelivery: cash)
        if json {
            printOutput(JSONText.pretty(.object([("quotes", .array(quotes.map(\.value)))])))
            return
        }
        for quote in quotes {
            printOutput("\(quote.carrier) \(quote.service)  zone \(quote.zone)  total \(quote.money(quote.total)) \(quote.currency)")
            for (i, parcel) in quote.parcels.enumerated() {
                printOutput("  parcel \(i + 1): actual \(ExactDecimal.plain(parcel.actualKg)) kg, volumetric \(ExactDecimal.plain(parcel.volumetricKg)) kg → charged \(ExactDecimal.plain(parcel.chargeableKg)) kg" + (parcel.volumetricWins ? " (volumetric)" : ""))
            }
            printOutput("  base \(quote.money(quote.base))" + (quote.minimumChargeAdjustment > 0 ? " + minimum charge \(quote.money(quote.minimumChargeAdjustment))" : ""))
            for surcharge in quote.surcharges { printOutput("  + \(surcharge.name) \(quote.money(surcharge.amount))") }
            if quote.cashOnDeliveryFee > 0 { printOutput("  + cash on delivery fee \(quote.money(quote.cashOnDeliveryFee))") }
        }
    }
}

struct Labels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Find the label of a shipment again.", subcommands: [Get.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the label PDF's path for an order id or a tracking number (exit 1 when the label was voided).")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "Order id (platform:account:external_id) or tracking number.") var key: String
        @Flag(help: "Print the path of a voided label anyway.") var force = false

        func run() async throws {
            guard let shipment = try ledger.open(options, reading: true)?.shipment(key: key) else {
                printError("no shipment for '\(key)'")
                throw ExitCode(1)
            }
            if shipment.state == "voided" {
                // A voided label's numbers are dead: a parcel sent under it would be lost, so say so first.
                printError("the label of \(shipment.orderID) (\(shipment.trackingNumbers)) was voided"
                           + (shipment.voidedAt.map { " at \($0)" } ?? "") + (shipment.voidReason.map { ": \($0)" } ?? "")
                           + "; do not ship with it" + (force ? "" : " (--force prints its path anyway)"))
                guard force else { throw ExitCode(1) }
            }
            printOutput(options.workspace.root + "/" + shipment.label)
        }
    }
}

struct Manifest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pickup manifests.", subcommands: [Close.self])

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close the day's manifest: a pickup request (JSON, CSV) and a manifest PDF per carrier and agreement.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Only this carrier.") var carrier: String?
        @Option(help: "Shipments created up to this day (yyyy-MM-dd); default today.") var date: String?

        func run() async throws {
            let runner = try openRunner(options, ledger)
            defer { runner.workers?.leave() }
            let day = date ?? String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let closed = try ShippingDesk.closeManifests(runner: runner, carrier: carrier, date: day)
            if closed.isEmpty { printOutput("nothing to close: no open shipments up to \(day)") }
            for manifest in closed {
                printOutput("closed \(manifest.id): \(manifest.parcels) parcel(s) → \(manifest.files.joined(separator: ", "))")
                for exception in manifest.exceptions { printOutput("  exception: \(exception)") }
            }
        }
    }
}

struct Shipments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shipments.", subcommands: [Void.self])

    struct Void: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Void a shipment not yet on a closed manifest.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "Order id or tracking number.") var key: String

        func run() async throws {
            let runner = try openRunner(options, ledger)
            defer { runner.workers?.leave() }
            do {
                let shipment = try ShippingDesk.void(key: key, runner: runner)
                printOutput("voided \(shipment.orderID) (\(shipment.trackingNumbers))")
            } catch let error as MuelleError {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}

/// A shipment request read back from its JSON (one object, or the first line of an NDJSON file).
struct ShipmentFile {
    var carrier: String?
    var recipient: PostalAddress
    var parcels: [Parcel]
    var cashOnDelivery: Decimal?
    var declaredValue: Decimal?

    static func read(_ path: String) throws -> ShipmentFile {
        let reader = try RecordReaders.open(path: path, fileName: (path as NSString).lastPathComponent,
                                            options: path.hasSuffix(".ndjson") ? .ndjson(finalLineBreak: .optional) : .json(recordsPath: nil))
        guard let record = try reader.next()?.value else { throw ValidationError("\(path) holds no shipment request") }
        func decimal(_ value: Value?) -> Decimal? { value?.text.flatMap { ExactDecimal.parse($0) } }
        guard let recipientValue = record["recipient"], let recipient = PostalAddress(orderAddress: recipientValue) else {
            throw ValidationError("\(path): the shipment request has no recipient address")
        }
        var parcels: [Parcel] = []
        if case .array(let items)? = record["parcels"] {
            for item in items {
                guard let kg = decimal(item["weight_kg"]), let l = decimal(item["length_cm"]), let w = decimal(item["width_cm"]),
                      let h = decimal(item["height_cm"]) else { throw ValidationError("\(path): a parcel lacks weight_kg or dimensions") }
                parcels.append(Parcel(weightKg: kg, lengthCm: l, widthCm: w, heightCm: h))
            }
        }
        guard !parcels.isEmpty else { throw ValidationError("\(path): the shipment request has no parcels") }
        return ShipmentFile(carrier: record["carrier"]?.text, recipient: recipient, parcels: parcels,
                            cashOnDelivery: decimal(record["cash_on_delivery"]), declaredValue: decimal(record["declared_value"]))
    }
}

/// The runner of a shipping command; a workspace it cannot run on (no mapping, a ledger missing, damaged or
/// behind the workspace's history) exits 2 like `muelle run`.
func openRunner(_ options: WorkspaceOptions, _ ledger: LedgerOptions) throws -> Runner {
    let address = try ledger.address()
    do {
        return try Runner(workspace: options.workspace, logger: options.logger(), ledger: address)
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}
