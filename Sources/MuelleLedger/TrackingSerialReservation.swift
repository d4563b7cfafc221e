import MuelleCore

/// The arithmetic both ledgers share around a tracking-serial reservation. Serials are kept as signed 64-bit
/// integers (SQLite's and PostgreSQL's), so a reservation must stay below `Int64.max`.
public enum TrackingSerialReservation {
    /// `first` and `count` as the database keeps them, or an error a merchant can act on.
    public static func checked(count: Int, first: UInt64) throws -> (first: Int64, count: Int64) {
        guard count > 0 else { throw MuelleError(.ledger, "a tracking-serial reservation needs at least one serial") }
        guard let start = Int64(exactly: first), start <= Int64.max - Int64(count) else {
            throw MuelleError(.ledger, "tracking serial \(first) is beyond what the ledger keeps (\(Int64.max)); give the agreement a lower range")
        }
        return (start, Int64(count))
    }

    /// The serials a reservation of `count` ending at `last` handed out.
    public static func range(last: Int64, count: Int64) throws -> ClosedRange<UInt64> {
        guard count > 0, last - count + 1 >= 0 else {
            throw MuelleError(.ledger, "the ledger's last tracking serial \(last) is out of the range it keeps")
        }
        return UInt64(last - count + 1)...UInt64(last)
    }
}
