import MuelleCore

/// Lists what is in the inbox right now: the route folders, and the candidate files of a route
/// in arrival order. Looks only (`lstat`, never `stat`): symbolic links are reported, never followed.
public struct InboxScanner: Sendable {
    /// The `inbox/` folder of the workspace.
    public let inboxPath: String

    public init(inboxPath: String) {
        // A trailing slash would double up in every path built from it.
        var trimmed = inboxPath
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.inboxPath = trimmed
    }

    /// Route folders: real subdirectories of the inbox (not symbolic links, not dot-prefixed), sorted by name.
    /// An inbox that does not exist has no routes.
    public func routeNames() throws(MuelleError) -> [String] {
        guard let entries = try DirectoryListing.entries(of: inboxPath) else { return [] }
        var routes: [String] = []
        for entry in entries {
            guard let name = entry.name, !name.hasPrefix(".") else { continue }
            if try FileStatus.of(folderPath(route: name))?.kind == .directory { routes.append(name) }
        }
        return routes.sorted()
    }

    /// The candidate files of `inbox/<route>/`, oldest first, and the entries ignored for a reason worth
    /// reporting. A route folder that does not exist (yet) holds no files.
    ///
    /// `oldest` bounds the list to the oldest files (`left` counts the rest), so a backlog of 50,000 files
    /// costs the memory of `oldest` of them: the folder is read entry by entry and the list cut back as it
    /// grows. Names for which `excluding` is true are neither looked at nor counted (the caller knows them).
    public func scan(route: String, oldest limit: Int = .max,
                     excluding excluded: (String) -> Bool = { _ in false }) throws(MuelleError) -> InboxScan {
        try Self.validate(route: route)
        var scan = InboxScan()
        var seen = 0
        let folder = folderPath(route: route)
        _ = try DirectoryListing.forEach(in: folder) { entry throws(MuelleError) in
            guard let name = entry.name else {
                scan.ignored.append(IgnoredInboxEntry(route: route, name: entry.displayName, reason: .undecodableName))
                return
            }
            if excluded(name) { return }
            switch try look(route: route, name: name) {
            case .candidate(let file):
                seen += 1
                scan.files.append(file)
                // Cut back to the oldest `limit` whenever twice that many are held: n log(limit) in all.
                if limit < .max / 2, scan.files.count >= max(2 * limit, 64) { keepOldest(limit, of: &scan.files) }
            case .ignored(let reason): scan.ignored.append(IgnoredInboxEntry(route: route, name: name, reason: reason))
            case .skipped: break
            }
        }
        keepOldest(limit, of: &scan.files)
        scan.left = seen - scan.files.count
        return scan
    }

    private func keepOldest(_ limit: Int, of files: inout [InboxFile]) {
        files.sort(by: InboxFile.arrivesBefore)
        if files.count > limit { files.removeLast(files.count - limit) }
    }

    /// `file` as it is now (one `lstat`), or nil when it is no longer a candidate (gone, replaced by a link
    /// or a folder): a caller working through one scan's list re-checks each file, not the whole folder.
    public func recheck(_ file: InboxFile) throws(MuelleError) -> InboxFile? {
        if case .candidate(let now) = try look(route: file.route, name: file.name) { return now }
        return nil
    }

    /// What one entry of a route folder is now; the watcher uses it to re-check a single file.
    func look(route: String, name: String) throws(MuelleError) -> Verdict {
        if Self.isTemporaryName(name) { return .skipped }
        let path = filePath(route: route, name: name)
        guard let status = try FileStatus.of(path) else { return .skipped }
        switch status.kind {
        case .regular:
            return .candidate(InboxFile(route: route, name: name, path: path, size: status.size,
                                        modificationTime: status.modificationTime, inode: status.inode))
        case .directory: return .skipped
        case .symbolicLink: return .ignored(.symbolicLink)
        case .other(let kind): return .ignored(.notRegularFile(kind: kind))
        }
    }

    enum Verdict: Equatable {
        case candidate(InboxFile)
        case ignored(IgnoredInboxEntry.Reason)
        /// Gone, temporary or a subfolder: nothing to process and nothing to report.
        case skipped
    }

    func folderPath(route: String) -> String { inboxPath + "/" + route }

    func filePath(route: String, name: String) -> String { inboxPath + "/" + route + "/" + name }

    /// Names an uploader or editor uses while a file is still being written: dot-prefixed (rsync, vim, most
    /// SFTP servers' temporary files), `.part`/`.filepart`/`.partial`/`.crdownload`/`.tmp` (browsers, WinSCP,
    /// FileZilla) and a trailing `~` (editor backups). Compared case-insensitively: Windows tools shout `.TMP`.
    public static func isTemporaryName(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasSuffix("~") { return true }
        let lowered = name.lowercased()
        return temporarySuffixes.contains { lowered.hasSuffix($0) }
    }

    private static let temporarySuffixes = [".part", ".filepart", ".tmp", ".crdownload", ".partial"]

    /// A route name is one folder name: it must not reach outside the inbox.
    static func validate(route: String) throws(MuelleError) {
        if route.isEmpty || route == "." || route == ".." || route.contains("/") || route.contains("\0") {
            throw MuelleError(.configuration,
                              "\"\(route)\" is not a route name: it must be a single folder name inside the inbox")
        }
    }
}

/// The result of scanning one route folder.
public struct InboxScan: Sendable, Equatable {
    /// Regular files with non-temporary names, in arrival order.
    public var files: [InboxFile] = []
    /// Symbolic links, special files and undecodable names, in listing order.
    public var ignored: [IgnoredInboxEntry] = []
    /// Candidates left out of `files` by the scan's limit: newer than every file listed.
    public var left = 0

    public init(files: [InboxFile] = [], ignored: [IgnoredInboxEntry] = []) {
        self.files = files
        self.ignored = ignored
    }
}
