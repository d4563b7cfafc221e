import MuelleCore
import MuelleSystem

extension MuelleError.Code {
    /// No host key is pinned for the server: muelle refuses to connect and shows the one offered.
    public static let sftpHostKeyUnknown = MuelleError.Code(rawValue: "sftp_host_key_unknown")
    /// The server offered a host key other than the pinned one: muelle refuses to connect.
    public static let sftpHostKeyChanged = MuelleError.Code(rawValue: "sftp_host_key_changed")
    /// The server refused the password or the key.
    public static let sftpAuthentication = MuelleError.Code(rawValue: "sftp_authentication")
    /// The secret or private key could not be read on muelle's side.
    public static let sftpCredential = MuelleError.Code(rawValue: "sftp_credential")
    /// A remote file or folder does not exist.
    public static let sftpNotFound = MuelleError.Code(rawValue: "sftp_not_found")
    /// The server denied access to a remote file or folder.
    public static let sftpPermissionDenied = MuelleError.Code(rawValue: "sftp_permission_denied")
    /// The server could not be reached: refused, unreachable, unknown host, failed handshake.
    public static let sftpConnection = MuelleError.Code(rawValue: "sftp_connection")
    /// The server did not answer in time.
    public static let sftpTimeout = MuelleError.Code(rawValue: "sftp_timeout")
    /// The connection broke during the work.
    public static let sftpInterrupted = MuelleError.Code(rawValue: "sftp_interrupted")
    /// A transferred file does not have the size it should.
    public static let sftpSizeMismatch = MuelleError.Code(rawValue: "sftp_size_mismatch")
    /// The server refused an operation for another reason (a full disk, a name already taken, ...).
    public static let sftpFailure = MuelleError.Code(rawValue: "sftp_failure")
    /// The task doing the work was cancelled (shutdown).
    public static let sftpCancelled = MuelleError.Code(rawValue: "sftp_cancelled")
}

extension MuelleError {
    /// Whether the same work may succeed later without anyone changing anything: the server was down or
    /// slow, the connection broke, or a file changed under the transfer. Authentication, host keys,
    /// permissions and missing folders need a person, so retrying them only hammers the partner's server.
    public var isTransientSFTPFailure: Bool {
        [.sftpConnection, .sftpTimeout, .sftpInterrupted, .sftpSizeMismatch].contains(code)
    }
}

/// What muelle was doing on the server when something failed, for the message.
enum RemoteAction {
    case list, download, upload, remove, rename(to: String), makeFolder, inspect

    var phrase: String {
        switch self {
        case .list: "list the folder"
        case .download: "download"
        case .upload: "upload"
        case .remove: "remove"
        case .rename(let destination): "rename to \"\(destination)\""
        case .makeFolder: "create the folder"
        case .inspect: "look at"
        }
    }
}

/// The merchant-readable messages of every SFTP failure. Each says what happened, on which server, and
/// what to do; none contains a secret.
enum SFTPFailures {
    static func cancelled(_ endpoint: SFTPEndpoint) -> MuelleError {
        MuelleError(.sftpCancelled, "the work with \(endpoint) was cancelled (muelle is stopping)")
    }

    static func connectFailed(_ endpoint: SFTPEndpoint, _ error: SystemError) -> MuelleError {
        if error.isConnectionRefused {
            return MuelleError(.sftpConnection, "\(endpoint) refused the connection: no SFTP server is listening on port "
                               + "\(endpoint.port) (is the server down, or is the port wrong?)")
        }
        if error.isTimedOut {
            return MuelleError(.sftpTimeout, "\(endpoint) did not accept the connection within \(endpoint.timeout) "
                               + "(is the host up, and does a firewall let muelle through?)")
        }
        return MuelleError(.sftpConnection, "cannot connect to \(endpoint): \(error.reason)")
    }

    static func hostKeyUnknown(_ endpoint: SFTPEndpoint, offered: String, type: String) -> MuelleError {
        MuelleError(.sftpHostKeyUnknown,
                    "muelle does not know the host key of \(endpoint.host):\(endpoint.port) yet, so it refused to "
                    + "connect. The server offered the \(type) key \(offered). Check this fingerprint with the "
                    + "partner (for example `ssh-keyscan -p \(endpoint.port) \(endpoint.host) | ssh-keygen -lf -`), "
                    + "then pin it as host_key: \"\(offered)\" in the route's SFTP settings.")
    }

    static func hostKeyChanged(_ endpoint: SFTPEndpoint, offered: String, pinned: String, type: String) -> MuelleError {
        MuelleError(.sftpHostKeyChanged,
                    "the host key of \(endpoint.host):\(endpoint.port) is not the pinned one, so muelle refused to "
                    + "connect: the server offered the \(type) key \(offered), but \(pinned) is pinned. This "
                    + "happens when the partner replaces their server or its keys, and also when someone "
                    + "intercepts the connection. Confirm the new fingerprint with the partner before replacing "
                    + "host_key in the route's SFTP settings.")
    }

    static func handshake(_ endpoint: SFTPEndpoint, _ failure: LibSSH2Failure) -> MuelleError {
        switch failure.kind {
        case .timeout:
            MuelleError(.sftpTimeout, "\(endpoint) accepted the connection but did not complete the SSH handshake "
                        + "within \(endpoint.timeout)")
        case .negotiation:
            MuelleError(.sftpConnection, "muelle and \(endpoint) share no SSH algorithm they both accept "
                        + "(\(failure.detail)); the partner's server may be very old or very strict")
        default:
            MuelleError(.sftpConnection, "the SSH handshake with \(endpoint) failed: is it an SSH server? "
                        + "(\(describe(failure)))")
        }
    }

    static func authentication(_ endpoint: SFTPEndpoint, _ failure: LibSSH2Failure, methods: [String]) -> MuelleError {
        let credential = endpoint.credential
        switch failure.kind {
        case .keyFileUnusable:
            return MuelleError(.sftpCredential, "the private key could not be used (\(credential)): the file is "
                               + "missing or unreadable, the passphrase is wrong, or the key format is not "
                               + "supported (OpenSSH and PEM keys are)")
        case .authenticationRejected:
            let accepted = methods.isEmpty ? "" : " The server accepts: \(methods.joined(separator: ", "))."
            return MuelleError(.sftpAuthentication, "\(endpoint) refused to log in \(endpoint.user) with the "
                               + "\(credential): authentication failed. Check the user name and the secret, "
                               + "or ask the partner whether the account is enabled.\(accepted)")
        case .disconnected, .timeout:
            return interrupted(endpoint, failure, while: "logging in")
        default:
            return MuelleError(.sftpAuthentication, "logging in to \(endpoint) failed: \(describe(failure))")
        }
    }

    static func operation(_ failure: LibSSH2Failure, _ action: RemoteAction, path: String,
                          endpoint: SFTPEndpoint) -> MuelleError {
        let target = "\"\(path)\""
        switch failure.kind {
        case .server(.noSuchFile):
            if case .list = action {
                return MuelleError(.sftpNotFound, "the folder \(target) does not exist on \(endpoint); check the "
                                   + "remote folder in the route's SFTP settings")
            }
            return MuelleError(.sftpNotFound, "\(target) does not exist on \(endpoint) (while trying to "
                               + "\(action.phrase) it); check the remote folder, or it was moved meanwhile")
        case .server(.permissionDenied):
            return MuelleError(.sftpPermissionDenied, "permission denied: \(endpoint.user) may not \(action.phrase) "
                               + "\(target) on \(endpoint.host):\(endpoint.port); ask the partner to grant access")
        case .server(.noSpace):
            return MuelleError(.sftpFailure, "\(endpoint) is out of disk space or over its quota (while trying "
                               + "to \(action.phrase) \(target))")
        case .server(.notAFolder):
            return MuelleError(.sftpNotFound, "part of \(target) on \(endpoint) is a file, not a folder")
        case .server:
            return MuelleError(.sftpFailure, "\(endpoint) could not \(action.phrase) \(target): "
                               + describe(failure))
        case .disconnected, .timeout:
            return interrupted(endpoint, failure, while: "trying to \(action.phrase) \(target)")
        default:
            return MuelleError(.sftpFailure, "could not \(action.phrase) \(target) on \(endpoint): "
                               + describe(failure))
        }
    }

    static func interrupted(_ endpoint: SFTPEndpoint, _ failure: LibSSH2Failure, while doing: String) -> MuelleError {
        if failure.kind == .timeout {
            return MuelleError(.sftpTimeout, "\(endpoint) stopped answering for \(endpoint.timeout) while muelle "
                               + "was \(doing); the connection was given up")
        }
        return MuelleError(.sftpInterrupted, "the connection to \(endpoint) was lost while muelle was \(doing) "
                           + "(\(describe(failure)))")
    }

    static func describe(_ failure: LibSSH2Failure) -> String {
        let detail = failure.detail.isEmpty ? "no details" : failure.detail
        if case .server(.other(let status)) = failure.kind { return "\(detail), SFTP status \(status)" }
        return "\(detail), libssh2 error \(failure.code)"
    }
}
