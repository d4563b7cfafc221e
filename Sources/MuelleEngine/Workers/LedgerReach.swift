/// Whether this worker can reach the shared ledger, as a value: each heartbeat or claim reports how it went, and
/// the answer says what to log — once when the ledger is lost, once when it is back, never per file.
struct LedgerReach: Sendable, Equatable {
    /// Why the ledger cannot be reached, while it cannot.
    private(set) var down: String?

    enum Action: Equatable {
        case none
        /// Stop taking files and say why.
        case stopTaking(String)
        /// Take files again and say so.
        case resume
    }

    var takesFiles: Bool { down == nil }

    mutating func failed(_ reason: String) -> Action {
        defer { down = reason }
        return down == nil ? .stopTaking(reason) : .none
    }

    mutating func succeeded() -> Action {
        defer { down = nil }
        return down == nil ? .none : .resume
    }
}
