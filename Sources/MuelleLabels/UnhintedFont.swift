/// A TrueType font without its hinting instructions: the same outlines, advances and names, less than half
/// the bytes per glyph. cairo embeds a subset of the font in every PDF it writes, instructions included
/// (DejaVu Sans's Latin glyphs are 58 % instructions), and deflates it again for every label; hinting only
/// snaps outlines to a screen's pixel grid, which a PDF printed at 203 dpi, with hinting off, never uses.
///
/// Pure bytes in, bytes out: every glyph's instructions dropped (composite glyphs lose the flag saying
/// they have some), the tables only instructions use (`fpgm`, `prep`, `cvt `) left out, `loca` rewritten
/// in its long form. Any other table is copied as it is.
enum UnhintedFont {
    struct Malformed: Error {}

    static func strip(_ font: [UInt8]) throws -> [UInt8] {
        var tables = try Self.tables(font)
        guard let head = tables["head"], head.count >= 54, let maxp = tables["maxp"], maxp.count >= 6,
              let loca = tables["loca"], let glyf = tables["glyf"] else { throw Malformed() }
        let glyphs = Int(read16(maxp, 4))
        let longOffsets = read16(head, 50) != 0
        func offset(_ glyph: Int) throws -> Int {
            let value = longOffsets ? (glyph * 4 + 4 <= loca.count ? Int(read32(loca, glyph * 4)) : -1)
                                    : (glyph * 2 + 2 <= loca.count ? Int(read16(loca, glyph * 2)) * 2 : -1)
            guard value >= 0, value <= glyf.count else { throw Malformed() }
            return value
        }
        var newGlyf: [UInt8] = []
        newGlyf.reserveCapacity(glyf.count)
        var newLoca: [UInt8] = []
        newLoca.reserveCapacity((glyphs + 1) * 4)
        for glyph in 0..<glyphs {
            append32(&newLoca, UInt32(newGlyf.count))
            let start = try offset(glyph), end = try offset(glyph + 1)
            guard start < end else { continue }
            try appendWithoutInstructions(glyf[start..<end], to: &newGlyf)
            while newGlyf.count % 4 != 0 { newGlyf.append(0) }
        }
        append32(&newLoca, UInt32(newGlyf.count))
        var newHead = head
        newHead[50] = 0
        newHead[51] = 1
        tables["head"] = newHead
        tables["loca"] = newLoca
        tables["glyf"] = newGlyf
        for tag in ["fpgm", "prep", "cvt "] { tables[tag] = nil }
        return assemble(tables, version: Array(font[0..<4]))
    }

    /// One glyph's data without its instructions.
    private static func appendWithoutInstructions(_ glyph: ArraySlice<UInt8>, to out: inout [UInt8]) throws {
        let data = Array(glyph)
        guard data.count >= 10 else { throw Malformed() }
        let contours = Int(Int16(bitPattern: read16(data, 0)))
        if contours >= 0 {
            // Header, the contours' end points, the instructions' length and the instructions, then the points.
            let lengthAt = 10 + 2 * contours
            guard lengthAt + 2 <= data.count else { throw Malformed() }
            let pointsAt = lengthAt + 2 + Int(read16(data, lengthAt))
            guard pointsAt <= data.count else { throw Malformed() }
            out += data[0..<lengthAt]
            out += [0, 0]
            out += data[pointsAt...]
            return
        }
        // A composite glyph: components until one lacks MORE_COMPONENTS; the instructions, if any, follow them.
        out += data[0..<10]
        var at = 10
        while true {
            guard at + 4 <= data.count else { throw Malformed() }
            let flags = read16(data, at)
            var size = 4 + (flags & 0x0001 != 0 ? 4 : 2)
            if flags & 0x0008 != 0 { size += 2 } else if flags & 0x0040 != 0 { size += 4 } else if flags & 0x0080 != 0 { size += 8 }
            guard at + size <= data.count else { throw Malformed() }
            append16(&out, flags & ~0x0100)
            out += data[(at + 2)..<(at + size)]
            at += size
            if flags & 0x0020 == 0 { return }
        }
    }

    private static func tables(_ font: [UInt8]) throws -> [String: [UInt8]] {
        // One TrueType font (0x00010000 or "true"), not a collection or a CFF-flavoured OpenType font.
        guard font.count >= 12, font[0..<4].elementsEqual([0, 1, 0, 0]) || font[0..<4].elementsEqual(Array("true".utf8)) else { throw Malformed() }
        let count = Int(read16(font, 4))
        guard 12 + 16 * count <= font.count else { throw Malformed() }
        var tables: [String: [UInt8]] = [:]
        for index in 0..<count {
            let entry = 12 + 16 * index
            let tag = String(decoding: font[entry..<(entry + 4)], as: UTF8.self)
            let offset = Int(read32(font, entry + 8)), length = Int(read32(font, entry + 12))
            guard offset + length <= font.count else { throw Malformed() }
            tables[tag] = Array(font[offset..<(offset + length)])
        }
        return tables
    }

    /// A font file of `tables` in tag order, each on a 4-byte boundary. Checksums are left at zero: FreeType
    /// does not check them, and cairo computes its own for the subsets it embeds.
    private static func assemble(_ tables: [String: [UInt8]], version: [UInt8]) -> [UInt8] {
        let tags = tables.keys.sorted()
        var out = version
        append16(&out, UInt16(tags.count))
        let power = tags.isEmpty ? 0 : Int.bitWidth - tags.count.leadingZeroBitCount - 1
        append16(&out, UInt16((1 << power) * 16))
        append16(&out, UInt16(power))
        append16(&out, UInt16(tags.count * 16 - (1 << power) * 16))
        var body: [UInt8] = []
        let bodyStart = 12 + 16 * tags.count
        for tag in tags {
            let data = tables[tag] ?? []
            out += Array(tag.utf8)
            append32(&out, 0)
            append32(&out, UInt32(bodyStart + body.count))
            append32(&out, UInt32(data.count))
            body += data
            while body.count % 4 != 0 { body.append(0) }
        }
        return out + body
    }

    private static func read16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(read16(bytes, at)) << 16 | UInt32(read16(bytes, at + 2))
    }

    private static func append16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    private static func append32(_ bytes: inout [UInt8], _ value: UInt32) {
        append16(&bytes, UInt16(value >> 16))
        append16(&bytes, UInt16(value & 0xFFFF))
    }
}
