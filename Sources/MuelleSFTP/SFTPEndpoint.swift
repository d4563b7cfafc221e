import MuelleCore

/// A partner's SFTP server and how muelle logs in to it: everything needed to connect, and no secret.
///
/// Secrets are held by reference (`SecretReference`) and read only when connecting, so an endpoint can be
/// logged, compared and kept in configuration without ever carrying a password.
public struct SFTPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address of the server.
    public var host: String
    /// TCP port, 22 unless the partner says otherwise.
    public var port: Int
    /// The account muelle logs in as.
    public var user: String
    /// How muelle proves who it is.
    public var credential: SFTPCredential
    /// The server's host key fingerprint as OpenSSH prints it (`SHA256:` and unpadded base64). `nil` refuses
    /// every connection with a message showing the fingerprint the server offered, ready to be pinned.
    public var hostKey: String?
    /// How long to wait for the connection, and for each answer from the server once connected.
    public var timeout: Duration

    public init(host: String, port: Int = 22, user: String, credential: SFTPCredential,
                hostKey: String?, timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.user = user
        self.credential = credential
        self.hostKey = hostKey
        self.timeout = timeout
    }

    /// `user@host:port`, as shown in messages and logs.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(user)@\(shownHost):\(port)"
    }

    /// `sftp://user@host:port`: a stable name for this account on this server, the prefix of the keys under
    /// which pulls and deliveries are remembered.
    public var address: String { "sftp://\(description)" }
}

/// How muelle authenticates to an SFTP server.
public enum SFTPCredential: Sendable, Hashable, CustomStringConvertible {
    /// Password authentication; the password itself is read from the reference when connecting.
    case password(SecretReference)
    /// Public-key authentication with a private key file (OpenSSH or PEM format), optionally protected by
    /// a passphrase read from the reference when connecting.
    case privateKey(path: String, passphrase: SecretReference?)

    public var description: String {
        switch self {
        case .password(let secret): "password from \(secret)"
        case .privateKey(let path, nil): "private key \(path)"
        case .privateKey(let path, let passphrase?): "private key \(path) (passphrase from \(passphrase))"
        }
    }
}

/// Where a secret lives: never the secret itself. Its description names the place only, so printing an
/// endpoint or a credential can never leak a password.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable of the muelle process.
    case environment(String)
    /// A file holding the secret (one trailing line break is ignored), e.g. a mounted container secret.
    case file(String)

    /// Reads `env:NAME` or `file:PATH`, the spelling used in configuration files.
    public init(parsing text: String) throws(MuelleError) {
        if text.hasPrefix("env:"), text.count > 4 {
            self = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            // The text may be a password pasted by mistake: never repeat it.
            throw MuelleError(.configuration,
                              "a secret must be given by reference, as env:VARIABLE or file:PATH, never inline")
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }
}
