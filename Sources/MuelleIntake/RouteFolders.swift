import MuelleSystem

/// Which route folders exist now and, when inotify is in use, which watch reports on each of them.
/// Turns raw inotify events into `PendingWork` for the watch loop.
struct RouteFolders {
    /// The inbox itself may be a link placed by the administrator (configuration, not a drop), so it is
    /// followed, as listing it follows it; route folders and their entries never are.
    static let inboxEvents: Inotify.Events = [
        .create, .movedTo, .movedFrom, .delete, .deleteSelf, .moveSelf, .onlyDirectory,
    ]
    static let routeEvents: Inotify.Events = [
        .closeWrite, .movedTo, .create, .modify, .attributes,
        // Departures too, so a file taken away is forgotten at once rather than at the next rescan.
        .movedFrom, .delete, .deleteSelf, .moveSelf, .onlyDirectory, .dontFollow,
    ]
    private static let folderGone: Inotify.Events = [.deleteSelf, .moveSelf, .watchRemoved]
    private static let departure: Inotify.Events = [.delete, .movedFrom]

    let scanner: InboxScanner
    /// `nil`: every folder of the inbox is a route.
    let configuredRoutes: [String]?
    let inotify: Inotify?
    private(set) var liveRoutes: Set<String> = []
    private var inboxWatch: Int32?
    private var watchOfRoute: [String: Int32] = [:]
    private var routeOfWatch: [Int32: String] = [:]

    init(scanner: InboxScanner, configuredRoutes: [String]?, inotify: Inotify?) {
        self.scanner = scanner
        self.configuredRoutes = configuredRoutes
        self.inotify = inotify
    }

    /// Looks at which route folders exist, (re)watches them, and says which ones must be scanned
    /// (new, or replaced by another folder of the same name) and which ones are gone.
    mutating func reconcile() -> (appeared: Set<String>, vanished: Set<String>) {
        guard let candidates = existingRouteFolders() else { return ([], []) }
        if let inotify {
            // Adding again is harmless (same descriptor back) and heals a watch lost with a recreated inbox.
            let watch = inotify.addWatch(scanner.inboxPath, for: Self.inboxEvents)
            if let old = inboxWatch, old != watch { inotify.removeWatch(old) }
            inboxWatch = watch
        }
        var live: Set<String> = []
        var appeared: Set<String> = []
        for route in candidates {
            // A folder that cannot be watched (past the per-user watch limit) still counts: rescans cover it.
            live.insert(route)
            guard let watch = inotify?.addWatch(scanner.folderPath(route: route), for: Self.routeEvents),
                  watchOfRoute[route] != watch else { continue }
            // A new descriptor for a known route means another folder now has its name: look at it afresh.
            dropWatch(of: route)
            watchOfRoute[route] = watch
            routeOfWatch[watch] = route
            appeared.insert(route)
        }
        let vanished = liveRoutes.subtracting(live)
        for route in vanished { dropWatch(of: route) }
        appeared.formUnion(live.subtracting(liveRoutes))
        liveRoutes = live
        return (appeared, vanished)
    }

    /// The route folders there now; `nil` when the inbox cannot be listed (keep what we have, retry later).
    private func existingRouteFolders() -> [String]? {
        guard let configuredRoutes else { return try? scanner.routeNames() }
        return configuredRoutes.filter { route in
            (try? FileStatus.of(scanner.folderPath(route: route)))??.kind == .directory
        }
    }

    private mutating func dropWatch(of route: String) {
        guard let watch = watchOfRoute.removeValue(forKey: route) else { return }
        routeOfWatch[watch] = nil
        // A folder moved out of the inbox would otherwise go on reporting from wherever it went.
        inotify?.removeWatch(watch)
    }

    /// What `event` asks the loop to look at.
    mutating func classify(_ event: Inotify.Event, into work: inout PendingWork) {
        if event.events.contains(.queueOverflow) {
            work.fullRescan = true
        } else if event.watch == inboxWatch {
            // Only folders matter here: files dropped straight into inbox/ belong to no route.
            if event.events.contains(.isDirectory) || !event.events.isDisjoint(with: Self.folderGone) {
                work.reconcileRoutes = true
            }
            if event.events.contains(.watchRemoved) { inboxWatch = nil }
        } else if let route = routeOfWatch[event.watch] {
            if !event.events.isDisjoint(with: Self.folderGone) {
                if event.events.contains(.watchRemoved) {
                    routeOfWatch[event.watch] = nil
                    watchOfRoute[route] = nil
                }
                work.reconcileRoutes = true
            } else if let name = event.name, !event.events.contains(.isDirectory) {
                let reference = PendingWork.FileReference(route: route, name: name)
                work.files.insert(reference)
                if !event.events.isDisjoint(with: Self.departure) { work.departed.insert(reference) }
                if event.events.contains(.closeWrite) { work.closedAfterWriting.insert(reference) }
            }
        }
    }
}

/// What the watch loop has to look at on its next turn.
struct PendingWork {
    struct FileReference: Hashable {
        var route: String
        var name: String
    }

    /// List the inbox and every route again.
    var fullRescan = false
    /// Route folders may have appeared or gone.
    var reconcileRoutes = false
    /// Single files to look at again.
    var files: Set<FileReference> = []
    /// Files that left (deleted or moved away) since the last turn, even if something is back under
    /// the same name already: whatever is there now is a new arrival.
    var departed: Set<FileReference> = []
    /// Files a writer closed since the last turn: a held file may be ready now.
    var closedAfterWriting: Set<FileReference> = []
}
