import Crypto
import Foundation
import Hummingbird
import MuelleCore
import MuelleLedger
import MuelleMapping

/// Writes a push into its route's inbox so that an answer of 202 means it is on disk: the body goes to a
/// dot-named temporary file (which the watcher never takes), is fsynced, and is linked under its final name
/// — `link` refuses a name that exists, so of three identical pushes at once exactly one makes the drop —
/// then the folder is fsynced. The final name carries the push's id, the digest of what the name says and the
/// body: the sender's retry is the same name, found in the inbox or in the ledger, and answered as a duplicate.
struct DropWriter: Sendable {
    let folder: String
    let ledger: any LedgerStore

    enum Outcome: Sendable, Equatable {
        case accepted(id: String, name: String)
        case duplicate(id: String, name: String)
    }

    /// Why a push was not written; nothing of it is left behind.
    enum Refusal: Error {
        case tooLarge(limit: Int)
        case diskFull(String)
        case io(String)
    }

    /// `parts` are the name's values besides the id (path parameters, headers), digested before the body.
    func write(_ body: RequestBody, route: String, template: String, parts: [String: String], limit: Int) async throws(Refusal) -> Outcome {
        let temporary = folder + "/.push-\(UUID().uuidString).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.refusal("cannot create \(temporary)") }
        var handedOver = false
        defer {
            if !handedOver {
                close(descriptor)
                unlink(temporary)
            }
        }
        var digest = SHA256()
        for key in parts.keys.sorted() { digest.update(data: Data("\(key)=\(parts[key] ?? "")\n".utf8)) }
        var size = 0
        do {
            // Writes into the page cache are quick; the fsyncs are what wait on the disk (below).
            for try await chunk in body {
                size += chunk.readableBytes
                if size > limit { throw Refusal.tooLarge(limit: limit) }
                try chunk.withUnsafeReadableBytes { bytes in
                    digest.update(bufferPointer: bytes)
                    try Self.writeAll(bytes, to: descriptor)
                }
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal.io("the request's body could not be read: \(error)")
        }
        let id = digest.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        var values = parts
        values["id"] = id
        let name = HTTPIntakeSettings.fill(template, with: values)
        handedOver = true
        let settled = await Self.offload { [self] in
            Result { () throws(Refusal) in try settle(descriptor: descriptor, temporary: temporary, route: route, name: name, id: id) }
        }
        return try settled.get()
    }

    /// fsyncs the body, then makes it the drop unless it is one already; the temporary file is gone either way.
    private func settle(descriptor: Int32, temporary: String, route: String, name: String, id: String) throws(Refusal) -> Outcome {
        defer { unlink(temporary) }
        let synced = fsync(descriptor) == 0
        let failure = synced ? nil : Self.refusal("cannot write the push to disk")
        close(descriptor)
        if let failure { throw failure }
        // Taken already (the inbox has moved it on): the ledger knows the name.
        do {
            if try ledger.lastInput(route: route, name: name) != nil { return .duplicate(id: id, name: name) }
        } catch {
            throw Refusal.io("the ledger could not be read: \(error)")
        }
        if link(temporary, folder + "/" + name) != 0 {
            if errno == EEXIST { return .duplicate(id: id, name: name) }
            throw Self.refusal("cannot name the push \(name)")
        }
        guard Self.syncFolder(folder) else { throw Self.refusal("cannot write the inbox folder to disk") }
        return .accepted(id: id, name: name)
    }

    /// Runs blocking file-system work (fsync) on a Dispatch thread: the concurrency pool has a thread per core,
    /// and pushes waiting on the disk there would stall every other task of the process, the inbox's included.
    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws(Refusal) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw refusal("cannot write the push")
            }
            offset += written
        }
    }

    private static func syncFolder(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }

    private static func refusal(_ what: String) -> Refusal {
        let code = errno
        let words = String(cString: strerror(code))
        return code == ENOSPC || code == EDQUOT ? .diskFull("\(what): \(words)") : .io("\(what): \(words)")
    }

    /// Temporary files a killed process left (start-up: no push is in flight yet).
    static func removeLeftovers(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".push-") && name.hasSuffix(".tmp") {
            unlink(folder + "/" + name)
        }
    }
}

/// The C `write`, out of reach of `DropWriter.write`'s name.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
