/// A password, passphrase or token, held only for the moment it is handed over (to libssh2, to a carrier).
///
/// Every way of showing it — string interpolation, `print`, `debugPrint`, `dump`, a `Logger`'s metadata
/// (which interpolates), and `Codable` encoding — gives `<secret>`, so it cannot leak into a log, a report or a
/// JSON file by accident. Decoding reads the value (a configuration may carry one); `reveal()` is the one way out.
public struct Secret: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself, for the one call that sends it where it belongs.
    public func reveal() -> String { value }

    public var description: String { Self.placeholder }
    public var debugDescription: String { Self.placeholder }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the placeholder, never the value: a secret written out is a secret leaked.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.placeholder)
    }

    private static let placeholder = "<secret>"
}
