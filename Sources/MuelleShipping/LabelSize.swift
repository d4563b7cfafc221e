/// The page of one label, in PDF points (1/72 in), as a carrier profile's `label_size` names it.
public struct LabelSize: Sendable, Equatable, CustomStringConvertible {
    /// How the profile wrote it ("10x15cm", "A6", "4x6in").
    public var name: String
    public var widthPoints: Double
    public var heightPoints: Double

    public init(name: String, widthPoints: Double, heightPoints: Double) {
        self.name = name
        self.widthPoints = widthPoints
        self.heightPoints = heightPoints
    }

    /// 4×6 in thermal labels, the norm in the Americas: 288 × 432 pt.
    public static let fourBySixInches = LabelSize(name: "4x6in", widthPoints: 288, heightPoints: 432)
    /// A6 (105 × 148 mm), usual in Europe: 297.64 × 419.53 pt.
    public static let a6 = LabelSize(name: "A6", widthPoints: 105 * pointsPerMillimetre, heightPoints: 148 * pointsPerMillimetre)
    /// 10 × 15 cm thermal labels: 283.46 × 425.20 pt.
    public static let tenByFifteenCentimetres = LabelSize(name: "10x15cm", widthPoints: 100 * pointsPerMillimetre, heightPoints: 150 * pointsPerMillimetre)

    static let pointsPerMillimetre = 72.0 / 25.4

    /// Parses `A6`, `A4`, or `<width>x<height><unit>` with unit `in`, `cm` or `mm` (portrait: width first).
    public init?(parsing text: String) {
        let compact = text.lowercased().replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "×", with: "x")
        switch compact {
        case "a6": self = .a6; return
        case "a4": self = LabelSize(name: "A4", widthPoints: 210 * Self.pointsPerMillimetre, heightPoints: 297 * Self.pointsPerMillimetre); return
        default: break
        }
        let units: [(suffix: String, points: Double)] = [("in", 72), ("cm", 10 * Self.pointsPerMillimetre), ("mm", Self.pointsPerMillimetre)]
        guard let unit = units.first(where: { compact.hasSuffix($0.suffix) }) else { return nil }
        let sides = compact.dropLast(unit.suffix.count).split(separator: "x", omittingEmptySubsequences: false)
        // Geometry, not money: Double is the right type for page sizes.
        guard sides.count == 2, let width = Double(sides[0]), let height = Double(sides[1]),
              width > 0, height > 0, width <= height else { return nil }
        self.init(name: text, widthPoints: width * unit.points, heightPoints: height * unit.points)
    }

    public var description: String { name }
}
