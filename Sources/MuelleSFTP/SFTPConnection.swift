import MuelleCore

/// An open, authenticated SFTP connection, lent to the body of `SFTPClient.withConnection`.
///
/// Not `Sendable`: it lives on the client's queue for the duration of the body. Once the body returns the
/// connection is closed and every method throws, so a connection smuggled out cannot touch freed memory.
/// Paths are the server's (`/`-separated, absolute or relative to the login folder).
public final class SFTPConnection {
    /// The server and account.
    public let endpoint: SFTPEndpoint
    /// The fingerprint of the host key the server proved it holds (the pinned one).
    public let hostKeyFingerprint: String
    private var channel: SFTPChannel?
    private let cancel: CancelSwitch

    private init(endpoint: SFTPEndpoint, hostKeyFingerprint: String, channel: SFTPChannel, cancel: CancelSwitch) {
        self.endpoint = endpoint
        self.hostKeyFingerprint = hostKeyFingerprint
        self.channel = channel
        self.cancel = cancel
    }

    /// Connects, checks the host key before anything is sent, resolves the secret and logs in.
    static func open(_ endpoint: SFTPEndpoint, cancel: CancelSwitch) throws(MuelleError) -> SFTPConnection {
        let socket = try SocketConnector.connect(to: endpoint, cancel: cancel)
        let session: SSHSession
        do {
            session = try SSHSession(socket: socket, timeout: endpoint.timeout)
        } catch {
            throw SFTPFailures.handshake(endpoint, error)
        }
        let fingerprint = try HostKeyFingerprint.verify(session.offeredHostKey, for: endpoint)
        do {
            switch endpoint.credential {
            case .password(let reference):
                try session.authenticate(user: endpoint.user, password: try reference.resolve())
            case .privateKey(let path, let passphrase):
                try LocalFile.checkReadable(path, what: "private key file")
                try session.authenticate(user: endpoint.user, privateKey: path, passphrase: try passphrase?.resolve())
            }
        } catch let failure as LibSSH2Failure {
            throw SFTPFailures.authentication(endpoint, failure, methods: session.authenticationMethods(user: endpoint.user))
        } catch let error as MuelleError {
            throw error
        } catch {
            throw MuelleError(.sftpAuthentication, "logging in to \(endpoint) failed: \(error)")
        }
        let channel: SFTPChannel
        do {
            channel = try session.openSFTP()
        } catch {
            if error.kind == .disconnected || error.kind == .timeout {
                throw SFTPFailures.interrupted(endpoint, error, while: "starting SFTP")
            }
            throw MuelleError(.sftpConnection, "\(endpoint) accepted the login but not SFTP (is the sftp "
                              + "subsystem enabled for \(endpoint.user)?): \(SFTPFailures.describe(error))")
        }
        return SFTPConnection(endpoint: endpoint, hostKeyFingerprint: fingerprint, channel: channel, cancel: cancel)
    }

    /// Ends the SFTP session and the SSH connection.
    func close() {
        channel = nil
    }

    /// The entries of `folder`, without `.` and `..`, in the server's order. Names that are not UTF-8 or
    /// could reach outside the folder are left out.
    public func list(_ folder: String) throws(MuelleError) -> [RemoteFile] {
        let handle = try perform(.list, folder) { channel throws(LibSSH2Failure) in try channel.openFolder(folder) }
        var files: [RemoteFile] = []
        while let entry = try perform(.list, folder, { _ throws(LibSSH2Failure) in try handle.next() }) {
            guard let name = String(validating: entry.name, as: UTF8.self), RemotePath.isPlainName(name) else {
                continue
            }
            var file = entry.attributes
            file.name = name
            files.append(file)
        }
        return files
    }

    /// What `path` is (a link is reported, not followed), or `nil` when nothing has that name.
    public func attributes(of path: String) throws(MuelleError) -> RemoteFile? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return try perform(.inspect, path) { channel throws(LibSSH2Failure) in try channel.attributes(path, name: name) }
    }

    /// Removes a remote file.
    public func remove(_ path: String) throws(MuelleError) {
        try perform(.remove, path) { channel throws(LibSSH2Failure) in try channel.remove(path) }
    }

    /// Renames or moves a remote file. Most servers (SFTP version 3) refuse to replace an existing file.
    public func rename(_ source: String, to destination: String) throws(MuelleError) {
        try perform(.rename(to: destination), source) { channel throws(LibSSH2Failure) in try channel.rename(source, to: destination) }
    }

    /// Creates a remote folder (its parent must exist).
    public func makeFolder(_ path: String) throws(MuelleError) {
        try perform(.makeFolder, path) { channel throws(LibSSH2Failure) in try channel.makeFolder(path, mode: 0o755) }
    }

    /// Creates a remote folder unless it already exists.
    public func makeFolderIfMissing(_ path: String) throws(MuelleError) {
        if let existing = try attributes(of: path) {
            guard existing.kind == .folder else {
                throw MuelleError(.sftpFailure, "\"\(path)\" on \(endpoint) exists but is not a folder")
            }
            return
        }
        try makeFolder(path)
    }

    /// Runs one libssh2 step, turning its failure into a merchant-readable error about `path`.
    func perform<T>(_ action: RemoteAction, _ path: String,
                    _ work: (SFTPChannel) throws(LibSSH2Failure) -> T) throws(MuelleError) -> T {
        guard let channel else {
            throw MuelleError(.sftpFailure, "the connection to \(endpoint) was already closed: SFTP work must "
                              + "stay inside withConnection")
        }
        do {
            return try work(channel)
        } catch {
            if cancel.isTripped { throw SFTPFailures.cancelled(endpoint) }
            throw SFTPFailures.operation(error, action, path: path, endpoint: endpoint)
        }
    }
}
