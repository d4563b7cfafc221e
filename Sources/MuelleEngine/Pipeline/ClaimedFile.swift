import MuelleCore
import MuelleIntake
import MuelleLedger

/// One input file in hand between its claim and its release (`FileProcessor.release`): its lease, what it
/// was when fingerprinted, its lifecycle, and what must be undone when it is let go (its staging folder,
/// its counted read attempt). Used on the route's one thread only.
final class ClaimedFile {
    let claim: FileClaim
    /// The file as it was fingerprinted: a read that sees other bytes must not be committed.
    let before: FileSnapshot
    let file: SettlingFile
    /// Its ledger row as it stands before mapping.
    let entry: InputEntry
    var life: InputLifecycle
    /// What the ledger knew of this content when it was fingerprinted.
    let recollection: InputLifecycle.Recollection
    /// A read attempt is counted in the ledger and must be cleared.
    var attemptOpen = false
    /// Its staging folder, once it is being mapped.
    var staging: String?
    var released = false

    init(claim: FileClaim, before: FileSnapshot, file: SettlingFile, entry: InputEntry, life: InputLifecycle,
         recollection: InputLifecycle.Recollection) {
        self.claim = claim
        self.before = before
        self.file = file
        self.entry = entry
        self.life = life
        self.recollection = recollection
    }
}

/// A claimed file read and mapped: how it settles, with its row's counts and what it staged.
struct MappedFile {
    let settlement: InputLifecycle.Settlement
    let entry: InputEntry
    let reading: Reading
    /// Nil when it settles without its records (refused while mapping).
    let staged: StagedOrders?
}
