internal import CLibSSH2
import MuelleCore

// The only file that calls libssh2. Each C object is owned by one final class that frees it in `deinit`;
// children keep their parent alive (handle → SFTP channel → session → socket), so they are always freed in
// the order libssh2 requires. Every call blocks (the session is in blocking mode with a timeout), so these
// classes are only ever used on `SFTPClient`'s own serial queue, never on the cooperative pool.

/// libssh2's global set-up. `libssh2_init` is not thread-safe; a static `let` runs it exactly once.
enum LibSSH2 {
    static let initialized: Bool = libssh2_init(0) == 0
}

/// A libssh2 failure in Swift terms: its kind, libssh2's code and libssh2's own text. `SFTPFailures.swift`
/// turns it into a `MuelleError` a merchant can act on.
struct LibSSH2Failure: Error {
    enum Kind: Equatable {
        /// The connection broke: reset, closed by the server, or shut down by cancellation.
        case disconnected
        case timeout
        /// The server refused the password or key.
        case authenticationRejected
        /// The private key file could not be read or decrypted.
        case keyFileUnusable
        /// No common algorithm, or the key exchange failed.
        case negotiation
        /// The SFTP server answered the request with an error status.
        case server(SFTPStatus)
        case other
    }

    enum SFTPStatus: Equatable {
        case noSuchFile, permissionDenied, failure, noSpace, fileExists, notAFolder, other(UInt)
    }

    var kind: Kind
    var code: Int32
    var detail: String
}

/// The host key the server offered during the handshake.
struct OfferedHostKey {
    var sha256: [UInt8]
    var type: String
}

/// Owns a `LIBSSH2_SESSION` on a connected socket: handshake, host key, authentication.
final class SSHSession {
    fileprivate let raw: OpaquePointer
    /// Held for as long as the session: libssh2 reads and writes it until `libssh2_session_free`.
    let socket: ConnectedSocket

    init(socket: ConnectedSocket, timeout: Duration) throws(LibSSH2Failure) {
        guard LibSSH2.initialized, let raw = muelle_libssh2_session_init() else {
            throw LibSSH2Failure(kind: .other, code: LIBSSH2_ERROR_ALLOC, detail: "libssh2 could not start a session")
        }
        self.raw = raw
        self.socket = socket
        libssh2_session_set_blocking(raw, 1)
        libssh2_session_set_timeout(raw, max(1, timeout.wholeMilliseconds))
        // Thrown after every stored property is set, so `deinit` frees the half-made session.
        guard libssh2_session_handshake(raw, socket.fd) == 0 else { throw lastFailure() }
    }

    deinit {
        // On a broken connection this fails at once; the session is freed either way.
        _ = muelle_libssh2_session_disconnect(raw, "muelle: done")
        libssh2_session_free(raw)
    }

    var offeredHostKey: OfferedHostKey? {
        guard let hash = libssh2_hostkey_hash(raw, LIBSSH2_HOSTKEY_HASH_SHA256) else { return nil }
        let bytes = UnsafeRawPointer(hash).withMemoryRebound(to: UInt8.self, capacity: 32) {
            Array(UnsafeBufferPointer(start: $0, count: 32))
        }
        var length = 0
        var type: Int32 = 0
        _ = libssh2_session_hostkey(raw, &length, &type)
        let names: [Int32: String] = [
            LIBSSH2_HOSTKEY_TYPE_RSA: "RSA", LIBSSH2_HOSTKEY_TYPE_DSS: "DSA",
            LIBSSH2_HOSTKEY_TYPE_ECDSA_256: "ECDSA", LIBSSH2_HOSTKEY_TYPE_ECDSA_384: "ECDSA",
            LIBSSH2_HOSTKEY_TYPE_ECDSA_521: "ECDSA", LIBSSH2_HOSTKEY_TYPE_ED25519: "ED25519",
        ]
        return OfferedHostKey(sha256: bytes, type: names[type] ?? "unknown type")
    }

    /// The methods the server accepts for `user` ("publickey", "password", ...), to explain a refusal.
    func authenticationMethods(user: String) -> [String] {
        guard let list = libssh2_userauth_list(raw, user, UInt32(user.utf8.count)) else { return [] }
        return String(cString: list).split(separator: ",").map(String.init)
    }

    func authenticate(user: String, password: Secret) throws(LibSSH2Failure) {
        guard muelle_libssh2_userauth_password(raw, user, password.reveal()) == 0 else { throw lastFailure() }
    }

    func authenticate(user: String, privateKey: String, passphrase: Secret?) throws(LibSSH2Failure) {
        guard muelle_libssh2_userauth_publickey_fromfile(raw, user, privateKey, passphrase?.reveal()) == 0 else {
            throw lastFailure()
        }
    }

    func openSFTP() throws(LibSSH2Failure) -> SFTPChannel {
        try SFTPChannel(session: self)
    }

    /// The last error of this session; for `LIBSSH2_ERROR_SFTP_PROTOCOL`, the SFTP status of `sftp`.
    fileprivate func lastFailure(sftp: OpaquePointer? = nil) -> LibSSH2Failure {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(raw, &message, &length, 0)
        let detail = message.map { String(cString: $0) } ?? ""
        return LibSSH2Failure(kind: Self.kind(of: code, sftp: sftp), code: code, detail: detail)
    }

    private static func kind(of code: Int32, sftp: OpaquePointer?) -> LibSSH2Failure.Kind {
        switch code {
        case LIBSSH2_ERROR_SFTP_PROTOCOL:
            guard let sftp else { return .other }
            switch UInt(libssh2_sftp_last_error(sftp)) {
            case UInt(LIBSSH2_FX_NO_SUCH_FILE), UInt(LIBSSH2_FX_NO_SUCH_PATH): return .server(.noSuchFile)
            case UInt(LIBSSH2_FX_PERMISSION_DENIED), UInt(LIBSSH2_FX_WRITE_PROTECT): return .server(.permissionDenied)
            case UInt(LIBSSH2_FX_FAILURE): return .server(.failure)
            case UInt(LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM), UInt(LIBSSH2_FX_QUOTA_EXCEEDED): return .server(.noSpace)
            case UInt(LIBSSH2_FX_FILE_ALREADY_EXISTS): return .server(.fileExists)
            case UInt(LIBSSH2_FX_NOT_A_DIRECTORY): return .server(.notAFolder)
            case UInt(LIBSSH2_FX_CONNECTION_LOST), UInt(LIBSSH2_FX_NO_CONNECTION): return .disconnected
            case let status: return .server(.other(status))
            }
        case LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
             LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND, LIBSSH2_ERROR_CHANNEL_CLOSED,
             LIBSSH2_ERROR_CHANNEL_EOF_SENT, LIBSSH2_ERROR_BAD_SOCKET, LIBSSH2_ERROR_CHANNEL_FAILURE:
            return .disconnected
        case LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_SOCKET_TIMEOUT:
            return .timeout
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_PASSWORD_EXPIRED:
            return .authenticationRejected
        case LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_KEYFILE_AUTH_FAILED:
            return .keyFileUnusable
        case LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE, LIBSSH2_ERROR_METHOD_NONE,
             LIBSSH2_ERROR_HOSTKEY_INIT, LIBSSH2_ERROR_HOSTKEY_SIGN:
            return .negotiation
        default:
            return .other
        }
    }
}

/// Owns a `LIBSSH2_SFTP` channel: path operations, and the handles opened through it.
final class SFTPChannel {
    let session: SSHSession
    fileprivate let raw: OpaquePointer

    fileprivate init(session: SSHSession) throws(LibSSH2Failure) {
        guard let raw = libssh2_sftp_init(session.raw) else { throw session.lastFailure() }
        self.session = session
        self.raw = raw
    }

    deinit {
        _ = libssh2_sftp_shutdown(raw)
    }

    fileprivate func failure() -> LibSSH2Failure { session.lastFailure(sftp: raw) }

    func openForReading(_ path: String) throws(LibSSH2Failure) -> SFTPFileHandle {
        try open(path, flags: UInt(LIBSSH2_FXF_READ), mode: 0)
    }

    /// Creates or truncates `path` for writing, with permissions `mode`.
    func openForWriting(_ path: String, mode: Int) throws(LibSSH2Failure) -> SFTPFileHandle {
        try open(path, flags: UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC), mode: mode)
    }

    private func open(_ path: String, flags: UInt, mode: Int) throws(LibSSH2Failure) -> SFTPFileHandle {
        guard let handle = muelle_libssh2_sftp_open(raw, path, flags, mode) else { throw failure() }
        return SFTPFileHandle(channel: self, raw: handle)
    }

    func openFolder(_ path: String) throws(LibSSH2Failure) -> SFTPFolderHandle {
        guard let handle = muelle_libssh2_sftp_opendir(raw, path) else { throw failure() }
        return SFTPFolderHandle(channel: self, raw: handle)
    }

    /// What `path` is (not following a final link), or `nil` when nothing has that name.
    func attributes(_ path: String, name: String) throws(LibSSH2Failure) -> RemoteFile? {
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        guard muelle_libssh2_sftp_lstat(raw, path, &attributes) == 0 else {
            let failure = failure()
            if failure.kind == .server(.noSuchFile) { return nil }
            throw failure
        }
        return RemoteFile(name: name, attributes)
    }

    func remove(_ path: String) throws(LibSSH2Failure) {
        guard muelle_libssh2_sftp_unlink(raw, path) == 0 else { throw failure() }
    }

    func rename(_ source: String, to destination: String) throws(LibSSH2Failure) {
        guard muelle_libssh2_sftp_rename(raw, source, destination) == 0 else { throw failure() }
    }

    func makeFolder(_ path: String, mode: Int) throws(LibSSH2Failure) {
        guard muelle_libssh2_sftp_mkdir(raw, path, mode) == 0 else { throw failure() }
    }

    func removeFolder(_ path: String) throws(LibSSH2Failure) {
        guard muelle_libssh2_sftp_rmdir(raw, path) == 0 else { throw failure() }
    }
}

/// Owns an open remote file. `close()` reports errors the server only gives when the file is closed (a
/// full disk, say); `deinit` closes a handle that was not closed explicitly, ignoring the answer.
final class SFTPFileHandle {
    private let channel: SFTPChannel
    private var raw: OpaquePointer?

    fileprivate init(channel: SFTPChannel, raw: OpaquePointer) {
        self.channel = channel
        self.raw = raw
    }

    deinit {
        if let raw { _ = muelle_libssh2_sftp_close(raw) }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file. A large buffer lets libssh2 keep many read
    /// requests in flight, which is what makes SFTP fast over a link with latency.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LibSSH2Failure) -> Int {
        guard let raw, let base = buffer.baseAddress else { return 0 }
        let count = libssh2_sftp_read(raw, base.assumingMemoryBound(to: CChar.self), buffer.count)
        guard count >= 0 else { throw channel.failure() }
        return count
    }

    /// Writes some of `bytes`; returns how many the server acknowledged (at least 1).
    func write(_ bytes: UnsafeRawBufferPointer) throws(LibSSH2Failure) -> Int {
        guard let raw, let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        let count = libssh2_sftp_write(raw, base.assumingMemoryBound(to: CChar.self), bytes.count)
        guard count > 0 else { throw channel.failure() }
        return count
    }

    /// The open file's size now, if the server says.
    func size() throws(LibSSH2Failure) -> Int64? {
        guard let raw else { return nil }
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        guard muelle_libssh2_sftp_fstat(raw, &attributes) == 0 else { throw channel.failure() }
        guard UInt(attributes.flags) & UInt(LIBSSH2_SFTP_ATTR_SIZE) != 0 else { return nil }
        return Int64(clamping: attributes.filesize)
    }

    /// Asks the server to flush the file to its disk (OpenSSH's `fsync@openssh.com`). Servers without the
    /// extension are not an error: the size check after closing still guards against a short file.
    func synchronize() {
        if let raw { _ = libssh2_sftp_fsync(raw) }
    }

    func close() throws(LibSSH2Failure) {
        guard let handle = raw else { return }
        raw = nil
        guard muelle_libssh2_sftp_close(handle) == 0 else { throw channel.failure() }
    }
}

/// Owns an open remote folder, read one entry at a time.
final class SFTPFolderHandle {
    private let channel: SFTPChannel
    private let raw: OpaquePointer

    fileprivate init(channel: SFTPChannel, raw: OpaquePointer) {
        self.channel = channel
        self.raw = raw
    }

    deinit {
        _ = muelle_libssh2_sftp_close(raw)
    }

    /// The next entry with its raw name bytes (names need not be UTF-8), or `nil` after the last one.
    func next() throws(LibSSH2Failure) -> (name: [UInt8], attributes: RemoteFile)? {
        var buffer = [CChar](repeating: 0, count: 4096)
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        let length = buffer.withUnsafeMutableBufferPointer {
            muelle_libssh2_sftp_readdir(raw, $0.baseAddress, $0.count, &attributes)
        }
        if length == 0 { return nil }
        guard length > 0 else { throw channel.failure() }
        let name = buffer[0 ..< Int(length)].map { UInt8(bitPattern: $0) }
        return (name, RemoteFile(name: "", attributes))
    }
}

extension RemoteFile {
    /// Reads the fields the server filled in; the others stay 0 (size, time) or `.other` (kind).
    fileprivate init(name: String, _ attributes: LIBSSH2_SFTP_ATTRIBUTES) {
        let flags = UInt(attributes.flags)
        let hasSize = flags & UInt(LIBSSH2_SFTP_ATTR_SIZE) != 0
        let hasTimes = flags & UInt(LIBSSH2_SFTP_ATTR_ACMODTIME) != 0
        let hasPermissions = flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0
        self.init(name: name,
                  size: hasSize ? Int64(clamping: attributes.filesize) : 0,
                  modificationTime: hasTimes ? Int64(clamping: attributes.mtime) : 0,
                  kind: RemoteFile.kind(permissions: hasPermissions ? UInt(attributes.permissions) : nil))
    }
}
