import Foundation
import MuelleCore
import MuelleShipping

/// Prints shipping labels as PDF: one page per parcel at the carrier's exact label size, with carrier
/// and service, sender and recipient, order reference, weight, "n/m", the tracking number as Code 128
/// (whole 203-dpi dots per module) and in words, and a QR code of the tracking URL.
///
/// A label is drawn once (`draw`: laid out, encoded, recorded) and then painted onto each PDF it
/// belongs in — its own file and a print job — so nothing is measured or encoded twice.
/// Synchronous and blocking (cairo): callers run it off the cooperative thread pool.
public enum LabelRenderer {
    /// Encodes the barcodes of one shipment's labels and checks that they fit their page: everything that
    /// can make a label unprintable (`badValue`) is found here, before any drawing, so a caller can refuse
    /// the shipment at once and leave the drawing to another thread (`LabelPress`).
    public static func prepare(_ label: ShipmentLabel) throws -> PreparedLabel {
        let parcels = try label.parcels.map { parcel in
            try PreparedLabel.Parcel(parcel: parcel, trackingCode: BarcodeSymbol.encode(parcel.trackingNumber, as: .code128),
                                     trackingURLCode: BarcodeSymbol.encode(parcel.trackingURL, as: .qrCode))
        }
        for parcel in parcels {
            _ = try LabelPage.barcodeModule(parcel, on: label.size)
            _ = try LabelPage.qrCodeModule(parcel, on: label.size)
        }
        return PreparedLabel(label: label, parcels: parcels)
    }

    /// Lays out and records the labels of one shipment (a page per parcel).
    public static func draw(_ label: ShipmentLabel) throws -> DrawnLabel {
        try draw(prepare(label))
    }

    /// Lays out and records prepared labels. Each call draws on canvases of its own: calls may run on
    /// several threads at once.
    public static func draw(_ prepared: PreparedLabel) throws -> DrawnLabel {
        let label = prepared.label
        let pages = try prepared.parcels.map { parcel in
            let width = label.size.widthPoints, height = label.size.heightPoints
            let canvas = try PDFCanvas(recordingWidth: width, height: height, name: "the label of \(parcel.parcel.trackingNumber)")
            try LabelPage(canvas: canvas, prepared: prepared, parcel: parcel).draw()
            return try canvas.recordedPage(width: width, height: height)
        }
        return DrawnLabel(reference: label.request.reference, pages: pages)
    }

    /// Writes the labels of one shipment to `path` (one page per parcel).
    public static func render(_ label: ShipmentLabel, to path: String) throws {
        try draw(label).write(to: path)
    }

    /// Writes the labels of many shipments into one PDF, in order, for printing a run's batch at once.
    /// Pages keep each carrier's own size.
    public static func renderBatch(_ labels: [ShipmentLabel], to path: String) throws {
        guard !labels.isEmpty else { throw MuelleError(.badValue, "no labels to print into \(path)") }
        let pdf = LabelPDF(path: path)
        for label in labels { try pdf.append(draw(label)) }
        try pdf.finish()
    }
}

/// A shipment's labels with their barcodes encoded and known to fit: ready to draw, on any thread.
public struct PreparedLabel: Sendable {
    struct Parcel: Sendable {
        let parcel: ShipmentLabel.ParcelLabel
        /// The tracking number as Code 128.
        let trackingCode: BarcodeSymbol
        /// The tracking URL as a QR code.
        let trackingURLCode: BarcodeSymbol
    }

    public let label: ShipmentLabel
    let parcels: [Parcel]
}

/// A shipment's labels drawn once: a recorded page per parcel, ready to be painted into its own
/// PDF and into a print job. Not thread-safe (cairo recordings): one rendering thread uses it, then drops it.
public struct DrawnLabel {
    /// The shipment's reference (its order id), for the title of its own PDF.
    public let reference: String
    let pages: [RecordedPage]

    /// Writes these labels alone into a PDF at `path`.
    public func write(to path: String) throws {
        let pdf = LabelPDF(path: path)
        try pdf.append(self)
        try pdf.finish()
    }
}

/// A PDF of drawn labels written page by page as they come (cairo writes each page out when the next
/// begins), so its size in memory does not grow with its length. Pages keep each carrier's own size.
public final class LabelPDF {
    public let path: String
    /// Shipments appended so far.
    public private(set) var labels = 0
    private var canvas: PDFCanvas?
    private var firstReference = ""

    public init(path: String) {
        self.path = path
    }

    public func append(_ drawn: DrawnLabel) throws {
        for page in drawn.pages {
            if let canvas {
                canvas.showPage()
                canvas.setPageSize(width: page.width, height: page.height)
            } else {
                // The PDF starts with the first page's size: it is made when that page comes.
                canvas = try PDFCanvas(path: path, width: page.width, height: page.height, title: "Labels")
                firstReference = drawn.reference
            }
            canvas?.paint(page)
        }
        labels += 1
    }

    /// Writes the rest of the PDF; `title` defaults to the shipment's reference, or the number of shipments.
    public func finish(title: String? = nil) throws {
        guard let canvas else { throw MuelleError(.badValue, "no labels to print into \(path)") }
        canvas.setTitle(title ?? (labels == 1 ? "Labels \(firstReference)" : "Labels (\(labels) shipments)"))
        canvas.showPage()
        try canvas.finish()
    }
}

/// A run's print batch split into print jobs of at most `labelsPerJob` shipments, each its own PDF
/// finished as soon as it is full: memory and file size stay bounded however long the batch.
/// A shipment's pages stay together in one job.
public final class PrintJobs {
    /// A print job written out in full, to be published.
    public struct Job: Sendable, Equatable {
        /// 1-based, in printing order.
        public var number: Int
        public var path: String
        public var labels: Int
    }

    public let labelsPerJob: Int
    private let jobPath: () -> String
    private var open: LabelPDF?
    private var finished = 0

    /// `jobPath` names the file of each new job (a staging path).
    public init(labelsPerJob: Int, jobPath: @escaping () -> String) {
        self.labelsPerJob = max(1, labelsPerJob)
        self.jobPath = jobPath
    }

    /// Adds a shipment's labels to the open job; returns that job when this filled it.
    public func add(_ drawn: DrawnLabel) throws -> Job? {
        let pdf = open ?? LabelPDF(path: jobPath())
        open = pdf
        try pdf.append(drawn)
        return pdf.labels >= labelsPerJob ? try finishOpen() : nil
    }

    /// Finishes the last, partly filled job; nil when there is none.
    public func finish() throws -> Job? {
        try finishOpen()
    }

    private func finishOpen() throws -> Job? {
        guard let pdf = open else { return nil }
        open = nil
        finished += 1
        try pdf.finish(title: "Labels, print job \(finished) (\(pdf.labels) shipments)")
        return Job(number: finished, path: pdf.path, labels: pdf.labels)
    }
}

/// The layout of one label page, in bands from top to bottom.
struct LabelPage {
    let canvas: PDFCanvas
    let label: ShipmentLabel
    /// The parcel with its barcodes.
    let symbols: PreparedLabel.Parcel
    var parcel: ShipmentLabel.ParcelLabel { symbols.parcel }

    init(canvas: PDFCanvas, prepared: PreparedLabel, parcel: PreparedLabel.Parcel) {
        self.canvas = canvas
        self.label = prepared.label
        self.symbols = parcel
    }

    static let margin = 8.0
    static let rule = 0.8

    var width: Double { label.size.widthPoints }
    var height: Double { label.size.heightPoints }
    var inner: Double { width - 2 * Self.margin }

    /// Band heights as shares of the page, so 4×6 in, A6 and 10×15 cm all fill their page.
    static let bandShares = [0.08, 0.13, 0.27, 0.11, 0.20, 0.21]
    static let barcodeBand = 4, qrCodeBand = 5

    /// The bands' boxes on a page of `size`, from top to bottom.
    static func bands(_ size: LabelSize) -> [Rectangle] {
        let content = size.heightPoints - 2 * margin
        var top = margin
        return bandShares.map { share in
            defer { top += content * share }
            return Rectangle(x: margin, y: top, width: size.widthPoints - 2 * margin, height: content * share)
        }
    }

    func draw() throws {
        let boxes = Self.bands(label.size)
        let bands: [(Rectangle) throws -> Void] = [drawHeader, drawSender, drawRecipient, drawDetails, drawBarcode, drawQRCode]
        for (index, (box, band)) in zip(boxes, bands).enumerated() {
            try band(box)
            if index < bands.count - 1 {
                canvas.line(fromX: Self.margin, fromY: box.y + box.height, toX: width - Self.margin, toY: box.y + box.height, lineWidth: Self.rule)
            }
        }
    }

    private func padded(_ box: Rectangle, _ padding: Double = 3) -> Rectangle {
        Rectangle(x: box.x, y: box.y + padding, width: box.width, height: box.height - 2 * padding)
    }

    private func drawHeader(_ box: Rectangle) {
        let box = padded(box, 4)
        let request = label.request
        canvas.drawLine(request.carrierName, in: Rectangle(x: box.x, y: box.y, width: box.width * 0.55, height: box.height), maxSize: 16, minSize: 7, bold: true)
        let service = [request.service.name, request.service.level.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        canvas.drawText([.init(text: service, bold: true)], in: Rectangle(x: box.x + box.width * 0.57, y: box.y, width: box.width * 0.43, height: box.height),
                        maxSize: 10, minSize: 5, alignment: .right)
    }

    private func drawSender(_ box: Rectangle) {
        let box = padded(box)
        canvas.drawLine("FROM", in: box, maxSize: 6.5, minSize: 6.5, bold: true)
        let sender = label.request.sender
        let paragraphs = address(sender, nameScale: 1.1, cityBold: false)
        canvas.drawText(paragraphs, in: Rectangle(x: box.x + 30, y: box.y, width: box.width - 30, height: box.height), maxSize: 8, minSize: 4)
    }

    private func drawRecipient(_ box: Rectangle) {
        let box = padded(box)
        canvas.drawLine("TO", in: box, maxSize: 8, minSize: 8, bold: true)
        let paragraphs = address(label.request.recipient, nameScale: 1.25, cityBold: true)
        canvas.drawText(paragraphs, in: Rectangle(x: box.x + 30, y: box.y, width: box.width - 30, height: box.height), maxSize: 11, minSize: 4.5)
    }

    private func address(_ address: PostalAddress, nameScale: Double, cityBold: Bool) -> [TextLayout.Paragraph] {
        var paragraphs: [TextLayout.Paragraph] = [.init(text: address.name, bold: true, scale: nameScale)]
        if let company = address.company { paragraphs.append(.init(text: company)) }
        paragraphs.append(.init(text: address.line1))
        if let line2 = address.line2 { paragraphs.append(.init(text: line2)) }
        let city = [address.cityLine, address.country].filter { !$0.isEmpty }.joined(separator: " · ")
        paragraphs.append(.init(text: city, bold: cityBold))
        let contact = [address.cityCode.map { "DANE \($0)" }, address.taxID.map { "ID \($0)" }, address.phone.map { "Tel. \($0)" }]
            .compactMap { $0 }.joined(separator: "  ")
        if !contact.isEmpty { paragraphs.append(.init(text: contact)) }
        return paragraphs
    }

    private func drawDetails(_ box: Rectangle) {
        let box = padded(box)
        let request = label.request
        var details = [
            "Ref. \(request.reference)",
            "Weight \(ExactDecimal.plain(parcel.parcel.weightKg)) kg · \(dimensions)",
        ]
        if let cod = request.cashOnDelivery, cod > 0 {
            details.append("COD \(request.money(cod)) \(request.currency)")
        }
        let left = Rectangle(x: box.x, y: box.y, width: box.width * 0.68, height: box.height)
        canvas.drawText(details.enumerated().map { .init(text: $0.element, bold: $0.offset != 1) }, in: left, maxSize: 9, minSize: 4.5)
        let right = Rectangle(x: box.x + box.width * 0.7, y: box.y, width: box.width * 0.3, height: box.height)
        canvas.drawLine("PARCEL", in: right, maxSize: 6.5, minSize: 6.5, bold: true, alignment: .center)
        canvas.drawLine(parcel.counter, in: Rectangle(x: right.x, y: right.y + 9, width: right.width, height: right.height - 9),
                        maxSize: 22, minSize: 8, bold: true, alignment: .center)
    }

    private var dimensions: String {
        let p = parcel.parcel
        return "\(ExactDecimal.plain(p.lengthCm))×\(ExactDecimal.plain(p.widthCm))×\(ExactDecimal.plain(p.heightCm)) cm"
    }

    /// The Code 128's module in points: ten modules of quiet zone on each side; modules of 2 to 4 whole dots
    /// (0.25–0.5 mm at 203 dpi).
    static func barcodeModule(_ parcel: PreparedLabel.Parcel, on size: LabelSize) throws -> Double {
        let box = bands(size)[barcodeBand]
        let dotsPerModule = min(4, ((box.width / (parcel.trackingCode.widthModules + 20)) / PrinterDots.dot).rounded(.down))
        guard dotsPerModule >= 2 else {
            throw MuelleError(.badValue, "the tracking number \(parcel.parcel.trackingNumber) is too long to print as Code 128 on a \(size.name) label")
        }
        return dotsPerModule * PrinterDots.dot
    }

    /// The QR code's module in points: four modules of quiet zone around the code; 2 to 5 whole dots per module.
    static func qrCodeModule(_ parcel: PreparedLabel.Parcel, on size: LabelSize) throws -> Double {
        let box = bands(size)[qrCodeBand]
        let fit = min(box.height, box.width * 0.45) / (parcel.trackingURLCode.widthModules + 8)
        let dotsPerModule = min(5, (fit / PrinterDots.dot).rounded(.down))
        guard dotsPerModule >= 2 else {
            throw MuelleError(.badValue, "the tracking URL \(parcel.parcel.trackingURL) is too long for a QR code on a \(size.name) label")
        }
        return dotsPerModule * PrinterDots.dot
    }

    private func drawBarcode(_ box: Rectangle) throws {
        let symbol = symbols.trackingCode
        let module = try Self.barcodeModule(symbols, on: label.size)
        let barsWidth = symbol.widthModules * module
        let x = PrinterDots.snapped(box.x + (box.width - barsWidth) / 2)
        let textHeight = 17.0
        let barHeight = box.height - textHeight - 8
        // One row of modules stretched to the bars' height: the same bars, as one small image.
        let bars = symbol.modules
        try canvas.fillCells(bars.dark, columns: bars.columns, rows: bars.rows, x: x, y: PrinterDots.snapped(box.y + 5),
                             cellWidth: module, cellHeight: barHeight / Double(bars.rows))
        canvas.drawLine(parcel.trackingNumber, in: Rectangle(x: box.x, y: box.y + 5 + barHeight + 3, width: box.width, height: textHeight),
                        maxSize: 14, minSize: 7, bold: true, alignment: .center)
    }

    private func drawQRCode(_ box: Rectangle) throws {
        let symbol = symbols.trackingURLCode
        let module = try Self.qrCodeModule(symbols, on: label.size)
        let side = symbol.widthModules * module
        let x = PrinterDots.snapped(box.x + 4 * module - Self.margin / 2)
        let y = PrinterDots.snapped(box.y + (box.height - side) / 2)
        let cells = symbol.modules
        try canvas.fillCells(cells.dark, columns: cells.columns, rows: cells.rows, x: x, y: y, cellWidth: module, cellHeight: module)
        let textX = x + side + 4 * module
        let agreement = label.request.agreement
        let contract = "\(agreement.name) · \(agreement.clientID)" + (agreement.division.map { "/\($0)" } ?? "")
        canvas.drawText([.init(text: "Track your parcel", bold: true), .init(text: parcel.trackingURL), .init(text: contract)],
                        in: Rectangle(x: textX, y: box.y + 6, width: box.x + box.width - textX, height: box.height - 10), maxSize: 7, minSize: 4)
    }
}
