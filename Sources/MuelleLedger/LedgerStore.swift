/// The ledger as the engine sees it: what `muelle run` asks of it while it takes files, maps them, commits
/// their effects and publishes their outputs. Today's implementation is the SQLite `Ledger`; another store
/// (PostgreSQL, for several muelle processes on one workspace) implements the same two protocols and the engine
/// does not change.
///
/// Commands that report or repair (`status`, `orders`, `quarantine`, `tokens`) also ask `LedgerReports` and
/// `LedgerRepairs`: `WorkspaceLedger` is all three, what a workspace's ledger is on either backend.
public protocol LedgerStore: Sendable {
    /// At the end of a run: what the log holds goes into the store itself, so the files at rest are whole
    /// whenever the process ends (SQLite otherwise does it only when its last connection closes, which
    /// work still queued elsewhere can delay past the exit). Best effort: a busy reader only postpones it.
    func checkpoint()

    // Inputs: exactly once, and the move after the commit.
    func processedInput(route: String, sha256: String) throws -> InputEntry?
    func unmovedInputs() throws -> [InputEntry]
    func markMoved(id: Int64) throws
    /// `markMoved` for several inputs (a group), in one write.
    func markMoved(ids: [Int64]) throws
    func lastInput(route: String, name: String) throws -> InputEntry?
    func lastInput(destination: String) throws -> InputEntry?
    func inputs(route: String?, limit: Int) throws -> [InputEntry]
    func beginAttempt(route: String, sha256: String, name: String, at: String) throws -> Int
    /// A group's read attempts in one write: a first one for each file with none on record; a file with some
    /// is left as it is (it is taken alone). Returns how many each had before.
    func beginAttempts(_ files: [AttemptedFile], at: String) throws -> [Int]
    func endAttempt(route: String, sha256: String) throws
    /// `endAttempt` for a group's files, in one write.
    func endAttempts(route: String, sha256s: [String]) throws
    func recordStuck(route: String, name: String, reason: String, at time: String) throws
    func clearStuck(route: String, name: String) throws
    func stuckInputs(route: String?) throws -> [StuckInput]

    // Orders and outputs.
    func knownOrder(id: String) throws -> OrderEntry?
    func pendingPublications() throws -> [PendingPublication]
    func clearPublications(batch: String) throws

    // Reference data.
    func referenceValues(route: String, key: String) throws -> [String: String]?
    @discardableResult
    func recordReferenceWait(route: String, name: String, referenceRoutes: [String], reason: String, at time: String, epoch: Double) throws -> Double
    func clearReferenceWait(route: String, name: String) throws
    func referenceWaits(route: String?, waitingFor reference: String?) throws -> [ReferenceWait]

    // Deliveries, manifests, SFTP pulls.
    func pendingDeliveries(route: String?) throws -> [DeliveryEntry]
    func recordDeliveryAttempt(file: String, delivered: Bool, error: String?, at: String) throws
    func hasManifest(carrier: String, date: String) throws -> Bool
    /// The shipment a tracking number or an order id names (for `muelle void`).
    func shipment(key: String) throws -> ShipmentEntry?
    func hasTakenRemote(source: String, name: String, size: Int64, mtime: Int64) throws -> Bool
    func recordTakenRemote(source: String, name: String, size: Int64, mtime: Int64, localName: String, at: String) throws

    /// The HTTP intake's named tokens (hashes only) and when each was last used.
    func tokens() throws -> [HTTPToken]
    func markTokenUsed(named name: String, at time: String) throws

    /// Quarantined inputs that still need attention (not dismissed), newest first.
    func quarantined(route: String?) throws -> [QuarantinedInput]
    /// Records that a person let a quarantined input go; false when it was already dismissed.
    @discardableResult
    func dismissQuarantined(inputID: Int64, by: String, at: String) throws -> Bool
    /// Shipments not yet on a manifest, counted by carrier (the console's "open manifests").
    func openShipmentsByCarrier() throws -> [OpenShipments]

    // Alerts: each cause once, then once more when it clears.
    func unsettledAlerts() throws -> [AlertEntry]
    func openAlert(_ entry: AlertEntry) throws
    func fireAlert(id: Int64, at: String) throws
    func resolveAlert(id: Int64, at: String) throws
    func dropUnfiredAlert(id: Int64) throws
    func markAlertSent(id: Int64, resolved: Bool) throws
    /// Shipments cancelled after their handover, with the route of their order.
    func handoverExceptions() throws -> [(shipment: ShipmentEntry, route: String)]

    /// Takes the named once-only work for this worker, or nil while another worker holds it (see `ExclusiveWorkHold`).
    /// For work whose effects reach outside the ledger (downloads, uploads, alert POSTs); work that only writes
    /// the ledger and staged files locks inside its transaction instead (`LedgerWriting.lockExclusiveWork`).
    func holdExclusiveWork(_ name: String) throws -> (any ExclusiveWorkHold)?

    /// Runs `body` in one transaction: everything it records commits together, or not at all.
    @discardableResult
    func transaction<T>(_ body: (any LedgerWriting) throws -> T) throws -> T
}

/// The ledger inside one transaction of a `LedgerStore`: what one file's commit records.
public protocol LedgerWriting {
    // Inputs and orders.
    @discardableResult
    func insert(_ entry: InputEntry) throws -> Int64
    func order(id: String) throws -> OrderEntry?
    /// The imported orders among `ids`, by id, in one query (batches of at most `LedgerTransaction.orderBatch`).
    func orders(ids: [String]) throws -> [String: OrderEntry]
    func save(_ order: OrderEntry) throws
    func deleteOrders(ids: [String]) throws -> Int
    func processedCount(route: String, sha256: String) throws -> Int
    func nextInputID() throws -> Int64
    func recordPublications(batch: String, inputID: Int64?, files: [(staged: String, final: String)]) throws

    // Catalogue.
    /// The route's known products among `keys` with their fingerprints, in one query (batches of at most `LedgerTransaction.orderBatch`).
    func productFingerprints(route: String, keys: [String]) throws -> [String: String]
    /// Records a batch of products (at most `LedgerTransaction.orderBatch`) as present in feed `inputID`.
    func saveProducts(route: String, _ products: [(key: String, fingerprint: String)], inputID: Int64) throws
    func productCount(route: String) throws -> Int
    func productsMissing(route: String, from inputID: Int64) throws -> [String]
    func deleteProducts(route: String, keys: [String]) throws

    // Reference data and deliveries.
    func saveReference(route: String, key: String, fingerprint: String, record: String, lookupValues: [String: String], inputID: Int64) throws -> Bool
    func markDeliveryPending(file: String, route: String, destination: String, at: String) throws

    // Shipping: shipments, tracking numbers, manifests.
    func shipment(orderID: String) throws -> ShipmentEntry?
    func save(_ shipment: ShipmentEntry) throws
    func lastTrackingSerial(carrier: String, agreement: String) throws -> UInt64?
    func setLastTrackingSerial(_ serial: UInt64, carrier: String, agreement: String) throws
    /// Reserves `count` consecutive serials under an agreement in one step and returns them: the next after the
    /// last one handed out, or from `first` when none was yet or the last lies below `first` (the profile's
    /// range was replaced). The reservation belongs to this transaction: a second worker reserving under the
    /// same agreement waits for its end, and a rollback gives the serials back to the next reservation.
    func reserveTrackingSerials(_ count: Int, carrier: String, agreement: String, first: UInt64) throws -> ClosedRange<UInt64>
    func openShipments(carrier: String, upTo day: String) throws -> [ShipmentEntry]
    func pendingHandoverExceptions(carrier: String) throws -> [ShipmentEntry]
    func save(_ manifest: ManifestEntry) throws
    func manifest(id: String) throws -> ManifestEntry?
    func manifestCount(carrier: String, agreement: String, date: String) throws -> Int

    // Several workers (`WorkerCoordination`).
    func confirmClaim(_ key: ClaimKey, worker: String, lease: Duration) throws -> Bool

    /// Waits until this transaction alone does the named work (a carrier's manifest close), until it commits or
    /// rolls back: for work whose effects are all in the transaction, so a worker that dies leaves nothing half
    /// done and the next one, reading after the lock, sees what the first committed.
    func lockExclusiveWork(_ name: String) throws
}

extension Ledger: LedgerStore {
    @discardableResult
    public func transaction<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        try write { tx in try body(tx) }
    }

    /// One worker per SQLite workspace (`.muelle/run.lock`): the work is always this worker's.
    public func holdExclusiveWork(_ name: String) throws -> (any ExclusiveWorkHold)? {
        SoleWorkerHold(name: name)
    }
}

extension LedgerTransaction: LedgerWriting {
    /// SQLite's write transaction already excludes every other writer.
    public func lockExclusiveWork(_ name: String) throws {}
}

/// What the commands that report read (`status`, `orders list`), on either backend.
public protocol LedgerReports: Sendable {
    func orderCount(route: String?) throws -> Int
    /// Imported orders, newest first, optionally of one route and/or status.
    func orders(route: String?, status: String?, limit: Int) throws -> [OrderEntry]
    /// Totals of one route over every input it took, for its status card.
    func totals(route: String) throws -> RouteTotals
}

extension Ledger: LedgerReports {}

/// What the commands that repair by hand change (`orders forget`, `tokens create|revoke`), on either backend.
public protocol LedgerRepairs: Sendable {
    /// Forgets the imported orders among `ids` (their inputs are released, so the files are taken again if they come
    /// again); returns those that were known, in the order given.
    func forgetOrders(ids: [String]) throws -> [String]
    /// Records a new named token; a name in use already is refused.
    func addToken(_ token: HTTPToken) throws
    /// Removes the token named `name`; false when there is none.
    func revokeToken(named name: String) throws -> Bool
}

extension Ledger: LedgerRepairs {}

/// A workspace's ledger as every command sees it, SQLite or PostgreSQL.
public typealias WorkspaceLedger = LedgerStore & LedgerReports & LedgerRepairs
