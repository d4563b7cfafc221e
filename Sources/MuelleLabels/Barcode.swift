internal import CZint
import MuelleCore

/// A barcode as dark rectangles measured in modules (the narrowest bar, or one QR cell, is 1 × 1):
/// the only place muelle calls zint. The renderer scales modules to whole printer dots.
struct BarcodeSymbol: Sendable, Equatable {
    enum Symbology: Sendable {
        /// Tracking numbers (zint switches between code sets A/B/C for the shortest symbol).
        case code128
        /// Tracking URLs (error correction M).
        case qrCode
    }

    /// Width and height in modules, quiet zones excluded (the renderer leaves them white).
    var widthModules: Double
    var heightModules: Double
    /// Dark areas in modules; for Code 128 each bar spans the full height.
    var bars: [Rectangle]

    /// Encodes `text` with zint's vector output and reads its rectangles.
    static func encode(_ text: String, as symbology: Symbology) throws -> BarcodeSymbol {
        guard let symbol = ZBarcode_Create() else { throw MuelleError(.io, "zint could not allocate a barcode") }
        defer { ZBarcode_Delete(symbol) }
        switch symbology {
        case .code128:
            symbol.pointee.symbology = BARCODE_CODE128
            symbol.pointee.input_mode = DATA_MODE
        case .qrCode:
            symbol.pointee.symbology = BARCODE_QRCODE
            symbol.pointee.input_mode = UNICODE_MODE
            symbol.pointee.option_1 = 2   // error correction level M (15 %)
        }
        // The human-readable number is printed by the label in its own font, not by zint.
        symbol.pointee.show_hrt = 0
        let bytes = Array(text.utf8)
        let status = ZBarcode_Encode_and_Buffer_Vector(symbol, bytes, Int32(bytes.count), 0)
        guard status < ZINT_ERROR, let vector = symbol.pointee.vector, symbol.pointee.width > 0 else {
            throw MuelleError(.badValue, "cannot encode \"\(text)\" as a barcode: \(errorText(symbol))")
        }
        // zint scales its vector output; one module is the vector's width over the symbol's width in modules.
        let modules = Double(symbol.pointee.width)
        let unit = Double(vector.pointee.width) / modules
        guard unit > 0 else { throw MuelleError(.badValue, "zint returned an empty barcode for \"\(text)\"") }
        var bars: [Rectangle] = []
        var next = vector.pointee.rectangles
        while let rectangle = next {
            let r = rectangle.pointee
            // colour -1 is the foreground; zint only emits dark rectangles for these symbologies.
            if r.colour == -1 || r.colour == 7 {
                bars.append(Rectangle(x: Double(r.x) / unit, y: Double(r.y) / unit, width: Double(r.width) / unit, height: Double(r.height) / unit))
            }
            next = r.next
        }
        switch symbology {
        case .code128:
            return BarcodeSymbol(widthModules: modules, heightModules: 1,
                                 bars: bars.map { Rectangle(x: $0.x, y: 0, width: $0.width, height: 1) })
        case .qrCode:
            return BarcodeSymbol(widthModules: modules, heightModules: Double(symbol.pointee.rows), bars: bars)
        }
    }

    private static func errorText(_ symbol: UnsafeMutablePointer<zint_symbol>) -> String {
        withUnsafeBytes(of: symbol.pointee.errtxt) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The symbol as a grid of modules, row by row, true where dark (a QR code's cells).
    var modules: (columns: Int, rows: Int, dark: [Bool]) {
        let columns = Int(widthModules), rows = Int(heightModules)
        var dark = [Bool](repeating: false, count: columns * rows)
        for bar in bars {
            let left = Int(bar.x.rounded()), top = Int(bar.y.rounded())
            let right = min(columns, left + Int(bar.width.rounded())), bottom = min(rows, top + Int(bar.height.rounded()))
            guard left >= 0, top >= 0, left < right, top < bottom else { continue }
            for row in top..<bottom { for column in left..<right { dark[row * columns + column] = true } }
        }
        return (columns, rows, dark)
    }
}
