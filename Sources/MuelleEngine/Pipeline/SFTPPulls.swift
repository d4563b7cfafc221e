import Foundation
import Logging
import MuelleCore
import MuelleLedger
import MuelleMapping
import MuelleSFTP

/// Fetches the files of routes with an SFTP `source:` into their inbox folders: once before a
/// `run --once`, on the route's schedule while `run` watches. What was taken is kept in the ledger,
/// so a file is fetched once (again only if it changes on the server).
enum SFTPPulls {
    static func endpoint(_ settings: SFTPSettings) throws -> SFTPEndpoint {
        let credential: SFTPCredential
        if let password = settings.password {
            credential = .password(try SecretReference(parsing: password))
        } else {
            credential = .privateKey(path: settings.privateKey ?? "", passphrase: try settings.passphrase.map { try SecretReference(parsing: $0) })
        }
        return SFTPEndpoint(host: settings.host, port: settings.port, user: settings.user, credential: credential, hostKey: settings.hostKey)
    }

    /// The once-only work of pulling one route's source: one worker at a time pulls it (`LedgerStore.holdExclusiveWork`).
    static func workName(_ route: RouteMapping) -> String { "sftp-pull:" + route.name }

    static func puller(for route: RouteMapping, settings: SFTPSettings, runner: Runner, hold: any ExclusiveWorkHold) throws -> SFTPPuller {
        let endpoint = try endpoint(settings)
        let after: SFTPAfterDownload = switch settings.afterDownload {
        case .delete: .delete
        case .leave: .leave
        case .move(let folder): .move(toFolder: folder)
        }
        let source = SFTPPullSource(remoteFolder: settings.folder, pattern: settings.pattern, afterDownload: after,
                                    inboxFolder: runner.workspace.inbox(route: route.name))
        return SFTPPuller(client: SFTPClient(endpoint: endpoint, logger: runner.logger), source: source,
                          seen: LedgerSeenStore(ledger: runner.ledger, hold: hold), logger: runner.logger)
    }

    /// One pull for every route with a source; failures are logged and the rest goes on.
    static func pullAll(_ runner: Runner) async -> [String] {
        var failures: [String] = []
        for route in runner.routes {
            guard let settings = route.sftpSource else { continue }
            do {
                let pulled = try await runner.ledger.withExclusiveWork(workName(route)) { hold in
                    try await puller(for: route, settings: settings, runner: runner, hold: hold).pull(backoff: Backoff(maximumAttempts: 2))
                }
                guard let report = pulled else {
                    runner.logger.info("another worker is pulling this route's source", metadata: ["muelle.route": "\(route.name)"])
                    continue
                }
                runner.logger.info("pulled from \(settings.user)@\(settings.host)", metadata: [
                    "muelle.route": "\(route.name)", "taken": "\(report.taken.count)", "failures": "\(report.failures.count)",
                ])
                failures += report.failures.map { "\(route.name): \($0.name): \($0.error)" }
            } catch {
                runner.logger.error("could not pull from the partner's server", metadata: ["muelle.route": "\(route.name)", "error": "\(error)"])
                failures.append("\(route.name): \(error)")
            }
        }
        return failures
    }
}

/// The ledger as the record of remote files already taken.
///
/// The pull is one worker's (`hold`) only while its ledger session lives. It asks before each file, so a worker
/// that lost its session stops and the worker that took over pulls the rest. What may still happen twice is the
/// one file in flight when the session ended: it lands in the inbox twice with the same content, and the ledger's
/// exactly-once on content (route + SHA-256) processes it once.
struct LedgerSeenStore: SFTPSeenStore {
    let ledger: any LedgerStore
    let hold: any ExclusiveWorkHold

    func hasTaken(_ file: RemoteFile, from source: String) throws(MuelleError) -> Bool {
        guard hold.isHeld else {
            throw MuelleError(.ledger, "this worker lost its session with the ledger while pulling, and with it the pull of \(source); another worker goes on with it")
        }
        do { return try ledger.hasTakenRemote(source: source, name: file.name, size: file.size, mtime: file.modificationTime) } catch {
            throw error as? MuelleError ?? MuelleError(.io, "\(error)")
        }
    }

    func recordTaken(_ file: RemoteFile, from source: String, as localName: String) throws(MuelleError) {
        do {
            try ledger.recordTakenRemote(source: source, name: file.name, size: file.size, mtime: file.modificationTime,
                                         localName: localName, at: Timestamp.now())
        } catch {
            throw error as? MuelleError ?? MuelleError(.io, "\(error)")
        }
    }
}
