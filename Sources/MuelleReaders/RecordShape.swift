/// The parts of each record a route's mapping reads: the members (CSV columns, JSON keys) it names,
/// and below each what it reads of that.
///
/// A reader builds only these; what the mapping never reads is still checked (a CSV field's encoding,
/// a JSON value's syntax) but not decoded, and reads as null. Keys stay in their objects, so what a
/// record has is still seen whole (missing-field suggestions name every key). A key read from a list
/// is read from each of its elements, as mapping paths do.
public final class RecordShape: Sendable {
    /// The value is read whole: everything below it is built.
    public let whole: Bool
    private let members: [String: RecordShape]

    /// Every part of every record (readers used without a mapping, and mappings that read records whole).
    public static let everything = RecordShape(whole: true, members: [:])

    public init(whole: Bool, members: [String: RecordShape]) {
        self.whole = whole
        self.members = members
    }

    /// What is read of the member `name`; nil when it is not read at all.
    @inline(__always)
    public func member(_ name: String) -> RecordShape? {
        whole ? self : members[name]
    }
}
