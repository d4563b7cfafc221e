import Foundation
import MuelleCore
import MuelleShipping

/// Prints the pickup manifest ("despacho") as an A4 PDF: carrier, agreement, date and pickup address;
/// one row per parcel; totals (parcels, weight, cash on delivery); the exceptions (parcels handed
/// over earlier whose order was cancelled since: to intercept); and a box for the driver's signature.
/// Long manifests continue on further pages, each with the table header and "page n/m".
///
/// Synchronous and blocking (cairo): callers run it off the cooperative thread pool.
public enum ManifestRenderer {
    static let pageWidth = 210 * 72 / 25.4
    static let pageHeight = 297 * 72 / 25.4
    static let margin = 36.0
    static let rowHeight = 15.0
    static let headerHeight = 108.0
    static let closingHeight = 150.0

    /// Table columns: title, width share of the table, alignment.
    static let columns: [(title: String, share: Double, alignment: PDFCanvas.Alignment)] = [
        ("#", 0.05, .right), ("Tracking number", 0.19, .left), ("Order", 0.21, .left), ("Recipient", 0.23, .left),
        ("City", 0.14, .left), ("Weight kg", 0.08, .right), ("COD", 0.10, .right),
    ]

    /// Writes `manifest` to `path`.
    public static func render(_ manifest: PickupManifest, to path: String) throws {
        let canvas = try PDFCanvas(path: path, width: pageWidth, height: pageHeight, title: "Pickup manifest \(manifest.carrierName) \(manifest.date)")
        let tableTop = margin + headerHeight
        let rowsPerPage = Int((pageHeight - margin - 20 - tableTop - rowHeight) / rowHeight)
        // The last page also needs room for the totals and the signature box.
        let rowsOnLastPage = max(0, Int((pageHeight - margin - 20 - tableTop - rowHeight - closingHeight - exceptionsHeight(manifest)) / rowHeight))
        var pages: [ArraySlice<PickupManifest.Row>] = []
        var remaining = manifest.rows[...]
        while remaining.count > rowsOnLastPage {
            let take = min(rowsPerPage, remaining.count)
            pages.append(remaining.prefix(take))
            remaining = remaining.dropFirst(take)
        }
        pages.append(remaining)

        var rowNumber = 0
        for (index, rows) in pages.enumerated() {
            if index > 0 { canvas.showPage() }
            drawHeader(manifest, page: index + 1, of: pages.count, on: canvas)
            var y = drawTableHeader(at: tableTop, on: canvas)
            for row in rows {
                rowNumber += 1
                drawRow(row, number: rowNumber, manifest: manifest, at: y, on: canvas)
                y += rowHeight
            }
            if index == pages.count - 1 { drawClosing(manifest, at: y + 12, on: canvas) }
        }
        canvas.showPage()
        try canvas.finish()
    }

    static var tableWidth: Double { pageWidth - 2 * margin }

    private static func drawHeader(_ manifest: PickupManifest, page: Int, of pages: Int, on canvas: PDFCanvas) {
        let width = tableWidth
        canvas.drawLine("Pickup manifest", in: Rectangle(x: margin, y: margin, width: width * 0.6, height: 20), maxSize: 16, minSize: 10, bold: true)
        canvas.drawLine("Page \(page)/\(pages)", in: Rectangle(x: margin + width * 0.6, y: margin + 4, width: width * 0.4, height: 12), maxSize: 9, minSize: 9, alignment: .right)
        let agreement = manifest.agreement
        var contract = "Agreement: \(agreement.name) · client id \(agreement.clientID)"
        if let division = agreement.division { contract += " · division \(division)" }
        if let accountCode = agreement.accountCode { contract += " · account code \(accountCode)" }
        var lines: [TextLayout.Paragraph] = [
            .init(text: "Carrier: \(manifest.carrierName)", bold: true),
            .init(text: contract),
            .init(text: "Date: \(manifest.date)"),
        ]
        if let sender = manifest.sender {
            lines.append(.init(text: "Pickup: " + [sender.name, sender.line1, sender.line2, sender.cityLine].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")))
        }
        canvas.drawText(lines, in: Rectangle(x: margin, y: margin + 26, width: width, height: headerHeight - 32), maxSize: 9.5, minSize: 6)
    }

    /// The column boxes of a row at `y`.
    private static func cells(at y: Double) -> [Rectangle] {
        var x = margin
        return columns.map { column in
            let box = Rectangle(x: x + 2, y: y + 3, width: tableWidth * column.share - 4, height: rowHeight - 3)
            x += tableWidth * column.share
            return box
        }
    }

    private static func drawTableHeader(at y: Double, on canvas: PDFCanvas) -> Double {
        canvas.fillRectangle(x: margin, y: y, width: tableWidth, height: rowHeight, gray: 0.88)
        for (column, box) in zip(columns, cells(at: y)) {
            canvas.drawLine(column.title, in: box, maxSize: 8, minSize: 5, bold: true, alignment: column.alignment)
        }
        return y + rowHeight
    }

    private static func drawRow(_ row: PickupManifest.Row, number: Int, manifest: PickupManifest, at y: Double, on canvas: PDFCanvas) {
        let values = [String(number), row.trackingNumber, row.reference, row.recipient, row.city,
                      ExactDecimal.plain(row.weightKg), row.cashOnDelivery.map(manifest.money) ?? ""]
        for ((column, box), value) in zip(zip(columns, cells(at: y)), values) {
            canvas.drawLine(value, in: box, maxSize: 8, minSize: 5, bold: column.title == "Tracking number", alignment: column.alignment)
        }
        canvas.line(fromX: margin, fromY: y + rowHeight, toX: margin + tableWidth, toY: y + rowHeight, lineWidth: 0.3)
    }

    /// Room the exception list takes on the last page: a heading and a line per exception.
    static func exceptionsHeight(_ manifest: PickupManifest) -> Double {
        manifest.exceptions.isEmpty ? 0 : Double(manifest.exceptions.count + 1) * rowHeight + 8
    }

    private static func drawClosing(_ manifest: PickupManifest, at y: Double, on canvas: PDFCanvas) {
        let totals: [TextLayout.Paragraph] = [
            .init(text: "Parcels: \(manifest.rows.count)", bold: true),
            .init(text: "Total weight: \(ExactDecimal.plain(manifest.totalWeightKg)) kg", bold: true),
            .init(text: "Cash on delivery to collect: \(manifest.money(manifest.totalCashOnDelivery)) \(manifest.currency)", bold: true),
        ]
        canvas.drawText(totals, in: Rectangle(x: margin, y: y, width: tableWidth, height: 40), maxSize: 10, minSize: 6)
        var exceptionsTop = y + 48
        if !manifest.exceptions.isEmpty {
            canvas.drawLine("Exceptions: cancelled after handover, intercept these parcels", in: Rectangle(x: margin, y: exceptionsTop, width: tableWidth, height: rowHeight - 3),
                            maxSize: 9, minSize: 6, bold: true)
            for exception in manifest.exceptions {
                exceptionsTop += rowHeight
                canvas.drawLine(exception.text, in: Rectangle(x: margin, y: exceptionsTop, width: tableWidth, height: rowHeight - 3), maxSize: 8, minSize: 5)
            }
            exceptionsTop += rowHeight + 8
        }
        let boxTop = exceptionsTop
        let boxWidth = (tableWidth - 12) / 2
        for (index, title) in ["Handed over by (shipper)", "Received by (carrier driver)"].enumerated() {
            let x = margin + Double(index) * (boxWidth + 12)
            canvas.strokeRectangle(x: x, y: boxTop, width: boxWidth, height: 90, lineWidth: 0.8)
            canvas.drawText([.init(text: title, bold: true), .init(text: "Name, ID, signature, date and time")],
                            in: Rectangle(x: x + 6, y: boxTop + 5, width: boxWidth - 12, height: 24), maxSize: 8, minSize: 5)
        }
    }
}
