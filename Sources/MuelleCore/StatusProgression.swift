/// How an order's status may move. Statuses progress — pending_payment → on_hold / ready_to_ship →
/// shipped → delivered — and cancelled and refunded end an order. Evidence that moves an order
/// forward is always taken; a move back is taken only when the platform really makes it (the table
/// below) and the evidence is newer, by the source's own clock, than what set the current status.
public enum StatusProgression {
    public enum Move: Sendable, Equatable {
        /// The status does not change.
        case same
        /// Progress: taken whenever it arrives, whatever its time.
        case forward
        /// A move back that platforms really make: taken only from newer evidence.
        case reversible
        /// Never taken: a delivered, cancelled or refunded order does not come back.
        case never
    }

    /// Statuses that end an order.
    public static let final: Set<String> = ["cancelled", "refunded"]

    /// The moves back that happen: an order put on hold and released (both ways); a shipment
    /// returned to the warehouse or its label withdrawn (shipped → ready_to_ship); a carrier's
    /// incident on a parcel in transit (shipped → on_hold). Everything else that goes back never
    /// happens on the platforms muelle reads, so it is stale evidence, not news.
    static let reversible: Set<Pair> = [
        Pair("on_hold", "ready_to_ship"), Pair("ready_to_ship", "on_hold"),
        Pair("shipped", "ready_to_ship"), Pair("shipped", "on_hold"),
    ]

    struct Pair: Hashable {
        let from: String
        let to: String
        init(_ from: String, _ to: String) { (self.from, self.to) = (from, to) }
    }

    /// Rank along the progression; on_hold and ready_to_ship stand side by side.
    static let rank: [String: Int] = ["pending_payment": 0, "on_hold": 1, "ready_to_ship": 1, "shipped": 2, "delivered": 3]

    public static func move(from: String, to: String) -> Move {
        if from == to { return .same }
        if final.contains(from) { return .never }
        // A refund after delivery happens (a return); a cancellation after delivery does not.
        if from == "delivered" { return to == "refunded" ? .forward : .never }
        if final.contains(to) { return .forward }
        if reversible.contains(Pair(from, to)) { return .reversible }
        guard let a = rank[from], let b = rank[to] else { return .never }
        return b > a ? .forward : .never
    }
}
