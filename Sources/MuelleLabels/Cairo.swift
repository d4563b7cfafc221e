internal import CCairo
import MuelleCore

/// A PDF being drawn with cairo, or one page recorded for PDFs: the only place muelle calls cairo.
///
/// One instance owns a surface and its context and frees both in `deinit`. Coordinates are PDF
/// points from the page's top-left corner. Text uses DejaVu Sans (found through cairo's toy font API,
/// loaded without hinting: `LabelFontFaces`); cairo embeds the glyphs with their Unicode mapping, so
/// `pdftotext` reads ñ, á, ç, ü and ł back.
/// Not thread-safe: each rendering makes its own canvas and drops it when done.
final class PDFCanvas {
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let path: String
    private var finished = false

    /// The font every label and manifest uses (Debian's fonts-dejavu-core).
    static let fontFamily = "DejaVu Sans"

    /// Starts a PDF at `path` whose first page is `width` × `height` points.
    convenience init(path: String, width: Double, height: Double, title: String) throws {
        guard let surface = cairo_pdf_surface_create(path, width, height) else {
            throw MuelleError(.io, "cannot create the PDF \(path)")
        }
        try self.init(surface: surface, path: path)
        setTitle(title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "muelle")
    }

    /// Starts recording one page of `width` × `height` points (`recordedPage()` takes it): drawn once,
    /// then painted onto every PDF it belongs in, without laying out or encoding anything again.
    convenience init(recordingWidth width: Double, height: Double, name: String) throws {
        var extents = cairo_rectangle_t(x: 0, y: 0, width: width, height: height)
        // Colour with alpha: cairo paints a recording without alpha onto a black background.
        guard let surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents) else {
            throw MuelleError(.io, "cannot record \(name)")
        }
        try self.init(surface: surface, path: name)
    }

    /// Takes ownership of `surface` (destroyed on failure too).
    private init(surface: OpaquePointer, path: String) throws {
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let reason = String(cString: cairo_status_to_string(cairo_surface_status(surface)))
            cairo_surface_destroy(surface)
            throw MuelleError(.io, "cannot create \(path): \(reason)")
        }
        guard let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw MuelleError(.io, "cannot draw into \(path)")
        }
        self.surface = surface
        self.context = context
        self.path = path
        Self.setOutlineMetrics(context)
    }

    /// Text is measured and placed with the font's own advances, not advances rounded for a screen: a
    /// PDF states each glyph's width itself, so hinted advances would make cairo write a correction
    /// number between almost every pair of letters (`[(E)16(U)12…]TJ`) to format and compress per label.
    private static func setOutlineMetrics(_ context: OpaquePointer) {
        guard let options = cairo_font_options_create() else { return }
        defer { cairo_font_options_destroy(options) }
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_set_font_options(context, options)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// The document's title (a PDF's metadata is written when it is finished).
    func setTitle(_ title: String) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
    }

    /// Sets the size of the page about to be drawn (before anything is drawn on it).
    func setPageSize(width: Double, height: Double) {
        cairo_pdf_surface_set_size(surface, width, height)
    }

    /// Ends the current page; drawing after it goes on a new one.
    func showPage() {
        cairo_show_page(context)
    }

    /// Writes the rest of the PDF and reports any error cairo met while drawing.
    func finish() throws {
        guard !finished else { return }
        finished = true
        cairo_surface_finish(surface)
        let status = cairo_status(context) == CAIRO_STATUS_SUCCESS ? cairo_surface_status(surface) : cairo_status(context)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw MuelleError(.io, "cannot write the PDF \(path): \(String(cString: cairo_status_to_string(status)))")
        }
    }

    /// What a recording canvas drew, to paint onto PDFs (the canvas may be dropped; the page lives on).
    func recordedPage(width: Double, height: Double) throws -> RecordedPage {
        let status = cairo_status(context) == CAIRO_STATUS_SUCCESS ? cairo_surface_status(surface) : cairo_status(context)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw MuelleError(.io, "cannot draw \(path): \(String(cString: cairo_status_to_string(status)))")
        }
        return RecordedPage(surface: cairo_surface_reference(surface), width: width, height: height)
    }

    /// Paints a recorded page onto the current page, at its top-left corner.
    func paint(_ page: RecordedPage) {
        cairo_set_source_surface(context, page.surface, 0, 0)
        cairo_paint(context)
    }

    // MARK: Shapes

    func fillRectangle(x: Double, y: Double, width: Double, height: Double, gray: Double = 0) {
        cairo_set_source_rgb(context, gray, gray, gray)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    func strokeRectangle(x: Double, y: Double, width: Double, height: Double, lineWidth: Double) {
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    func line(fromX: Double, fromY: Double, toX: Double, toY: Double, lineWidth: Double) {
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_set_line_width(context, lineWidth)
        cairo_move_to(context, fromX, fromY)
        cairo_line_to(context, toX, toY)
        cairo_stroke(context)
    }

    /// Fills the dark cells of a `columns` × `rows` grid (row by row) as one 1-bit image, each cell
    /// `cellWidth` × `cellHeight` points, drawn without smoothing: a PDF stencil mask of a few hundred bytes
    /// where a QR code or a Code 128 as rectangles is hundreds of numbers to format, compress and read back.
    func fillCells(_ dark: [Bool], columns: Int, rows: Int, x: Double, y: Double, cellWidth: Double, cellHeight: Double) throws {
        guard columns > 0, rows > 0, dark.count == columns * rows else { return }
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_A1, Int32(columns), Int32(rows)) else {
            throw MuelleError(.io, "cannot draw a barcode into \(path)")
        }
        defer { cairo_surface_destroy(image) }
        guard cairo_surface_status(image) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(image) else {
            throw MuelleError(.io, "cannot draw a barcode into \(path)")
        }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        // A1 packs pixels into 32-bit words in the machine's bit order: first pixel in the low bit on little-endian.
        data.withMemoryRebound(to: UInt32.self, capacity: stride / 4 * rows) { words in
            for row in 0..<rows {
                for column in 0..<columns where dark[row * columns + column] {
                    #if _endian(little)
                    let bit = UInt32(1) << UInt32(column % 32)
                    #else
                    let bit = UInt32(1) << UInt32(31 - column % 32)
                    #endif
                    words[row * stride / 4 + column / 32] |= bit
                }
            }
        }
        cairo_surface_mark_dirty(image)
        guard let pattern = cairo_pattern_create_for_surface(image) else { throw MuelleError(.io, "cannot draw a barcode into \(path)") }
        defer { cairo_pattern_destroy(pattern) }
        cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST)
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, cellWidth, cellHeight)
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_mask(context, pattern)
        cairo_restore(context)
    }

    // MARK: Text

    func setFont(size: Double, bold: Bool) {
        if let faces = LabelFontFaces.shared {
            cairo_set_font_face(context, bold ? faces.bold : faces.regular)
        } else {
            cairo_select_font_face(context, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        }
        cairo_set_font_size(context, size)
    }

    /// How far `text` advances in `size` points (bold or not).
    func textWidth(_ text: String, size: Double, bold: Bool) -> Double {
        setFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` with its baseline at `baseline`, starting at `x`.
    func showText(_ text: String, x: Double, baseline: Double, size: Double, bold: Bool) {
        setFont(size: size, bold: bold)
        cairo_set_source_rgb(context, 0, 0, 0)
        cairo_move_to(context, x, baseline)
        cairo_show_text(context, text)
    }
}

/// One page as cairo recorded it: drawn once, painted onto any number of PDFs. Holds its own
/// reference to the recording, released in `deinit`.
final class RecordedPage {
    fileprivate let surface: OpaquePointer
    let width: Double
    let height: Double

    fileprivate init(surface: OpaquePointer, width: Double, height: Double) {
        self.surface = surface
        self.width = width
        self.height = height
    }

    deinit { cairo_surface_destroy(surface) }
}

/// The labels' font, regular and bold, loaded once per process without its hinting instructions
/// (`UnhintedFont`): cairo embeds and deflates a subset of each face in every label's PDF, and the
/// instructions were more than half of it. The same DejaVu Sans files cairo's toy font API finds, the same
/// outlines and advances. Nil when the font cannot be read that way: canvases then use the toy API as it is.
final class LabelFontFaces: @unchecked Sendable {
    // @unchecked: made once and never changed; cairo font faces are reference-counted and may be used by
    // several threads (cairo locks the FreeType face under them).
    let regular: OpaquePointer
    let bold: OpaquePointer

    private init(regular: OpaquePointer, bold: OpaquePointer) {
        self.regular = regular
        self.bold = bold
    }

    static let shared: LabelFontFaces? = {
        // One FreeType library for the process, like the faces it holds: neither is ever freed.
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library,
              let regular = unhinted(bold: false, library: library), let bold = unhinted(bold: true, library: library) else { return nil }
        return LabelFontFaces(regular: regular, bold: bold)
    }()

    /// The face the toy API picks for the label font, read back whole from FreeType, stripped, reloaded.
    private static func unhinted(bold: Bool, library: FT_Library) -> OpaquePointer? {
        guard let toy = cairo_toy_font_face_create(PDFCanvas.fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL) else { return nil }
        defer { cairo_font_face_destroy(toy) }
        var matrix = cairo_matrix_t(), identity = cairo_matrix_t()
        cairo_matrix_init_identity(&matrix)
        cairo_matrix_init_identity(&identity)
        guard let options = cairo_font_options_create() else { return nil }
        defer { cairo_font_options_destroy(options) }
        guard let scaled = cairo_scaled_font_create(toy, &matrix, &identity, options) else { return nil }
        defer { cairo_scaled_font_destroy(scaled) }
        guard cairo_scaled_font_status(scaled) == CAIRO_STATUS_SUCCESS, cairo_scaled_font_get_type(scaled) == CAIRO_FONT_TYPE_FT,
              let face = cairo_ft_scaled_font_lock_face(scaled) else { return nil }
        var font: [UInt8] = []
        do {
            defer { cairo_ft_scaled_font_unlock_face(scaled) }
            // Tag 0: the whole font file.
            var length: FT_ULong = 0
            guard FT_Load_Sfnt_Table(face, 0, 0, nil, &length) == 0, length > 0 else { return nil }
            font = [UInt8](repeating: 0, count: Int(length))
            guard FT_Load_Sfnt_Table(face, 0, 0, &font, &length) == 0 else { return nil }
        }
        guard let stripped = try? UnhintedFont.strip(font) else { return nil }
        // FreeType reads the font from this memory for as long as the face lives: the whole process.
        let memory = UnsafeMutablePointer<UInt8>.allocate(capacity: stripped.count)
        memory.initialize(from: stripped, count: stripped.count)
        var unhinted: FT_Face?
        guard FT_New_Memory_Face(library, memory, FT_Long(stripped.count), 0, &unhinted) == 0, let unhinted,
              let cairoFace = cairo_ft_font_face_create_for_ft_face(unhinted, 0) else {
            memory.deallocate()
            return nil
        }
        guard cairo_font_face_status(cairoFace) == CAIRO_STATUS_SUCCESS else {
            cairo_font_face_destroy(cairoFace)
            return nil
        }
        return cairoFace
    }
}

/// A rectangle in points, top-left origin.
struct Rectangle: Sendable, Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
}
