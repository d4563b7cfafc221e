/// One value of a ledger row as either backend stores it, for copying a ledger between backends and comparing the
/// copies (`muelle ledger migrate`).
public enum LedgerCell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// What a column holds, as PostgreSQL declares it (SQLite's affinities are looser: a boolean is an integer).
    public enum Kind: Sendable, Equatable {
        case integer, real, boolean, text
    }

    /// The value as one text both backends agree on for a column of `kind`: what is copied and what the digests
    /// read. Nil for NULL.
    public func canonical(as kind: Kind) -> String? {
        switch (self, kind) {
        case (.null, _): nil
        case (.integer(let value), .boolean): value != 0 ? "1" : "0"
        case (.integer(let value), .real): String(describing: Double(value))
        case (.integer(let value), _): String(value)
        case (.real(let value), .integer) where value.rounded() == value && abs(value) < 9.2e18: String(Int64(value))
        case (.real(let value), .boolean): value != 0 ? "1" : "0"
        case (.real(let value), _): String(describing: value)
        case (.text(let value), _): value
        }
    }
}
