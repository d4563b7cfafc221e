/// An entry of a route folder that is not a candidate input and deserves a word in the logs
/// (temporary names and subfolders are normal and are skipped without a report).
public struct IgnoredInboxEntry: Sendable, Hashable, CustomStringConvertible {
    /// Why the entry is not a candidate.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// Symbolic links are never followed: one could point anywhere outside the inbox.
        case symbolicLink
        /// A FIFO, socket or device node: reading it could block or make no sense.
        case notRegularFile(kind: String)
        /// The name is not valid UTF-8, so it cannot be named in reports or outputs faithfully.
        case undecodableName

        public var description: String {
            switch self {
            case .symbolicLink: "symbolic link (links are never followed)"
            case .notRegularFile(let kind): "not a regular file (\(kind))"
            case .undecodableName: "file name is not valid UTF-8"
            }
        }
    }

    public var route: String
    /// The name as listed; for `.undecodableName`, with invalid bytes replaced by U+FFFD.
    public var name: String
    public var reason: Reason

    public init(route: String, name: String, reason: Reason) {
        self.route = route
        self.name = name
        self.reason = reason
    }

    public var description: String { "\(route)/\(name): ignored, \(reason)" }
}
