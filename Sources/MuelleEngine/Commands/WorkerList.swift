import MuelleCore
import MuelleLedger
import MuelleLedgerPostgres

/// `muelle status`'s workers: every `muelle run` registered in the shared ledger, with its last heartbeat and the
/// file it has in hand; one silent for longer than its lease is marked lost (its claims are taken over by others).
public enum WorkerList {
    /// The workers in the ledger muelle.yaml's `ledger:` (or `address`) names; nil with the SQLite ledger (one worker).
    public static func read(_ workspace: Workspace, address: PostgresAddress?) throws -> [WorkerEntry]? {
        guard let address = try address ?? workspace.settings().ledger else { return nil }
        return try PostgresLedger.open(address).workers()
    }

    public static func text(_ workers: [WorkerEntry]) -> String {
        guard !workers.isEmpty else { return "workers: none running" }
        return (["workers:"] + workers.map { worker in
            "  \(worker.id)  \(worker.reaped ? "LOST (its files taken over)" : worker.lost ? "LOST" : "alive")  host \(worker.host)  last heartbeat \(worker.heartbeat)"
                + "  in hand: \(worker.fileInHand ?? "nothing")"
        }).joined(separator: "\n")
    }

    /// `status --json` with the workers beside the route cards.
    public static func json(_ cards: [StatusCards.Card], workers: [WorkerEntry]) -> String {
        JSONText.pretty(.object([("routes", .array(cards.map(\.value))), ("workers", value(workers))]))
    }

    static func value(_ workers: [WorkerEntry]) -> Value {
        .array(workers.map { worker in
            .object([
                ("id", .string(worker.id)), ("host", .string(worker.host)), ("pid", .number(String(worker.pid))),
                ("started", .string(worker.started)), ("last_heartbeat", .string(worker.heartbeat)),
                ("lease_seconds", .number(String(worker.leaseMilliseconds / 1000))),
                ("file_in_hand", worker.fileInHand.map(Value.string) ?? .null), ("lost", .bool(worker.lost)), ("reaped", .bool(worker.reaped)),
            ])
        })
    }
}
