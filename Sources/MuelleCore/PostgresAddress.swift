/// Where a PostgreSQL ledger lives: `postgres://user@host:port/database?password=env:PGPASS` (or
/// `password=file:/run/secrets/pg`, or `password_file=/run/secrets/pg`). The password is named, never written in
/// the address: an address is shown in logs, `ps` and shell histories, a secret must not be.
///
/// Its `description` never holds the password's value (there is none in it), only where it is read from.
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    /// Where the password is read from when the ledger connects.
    public enum Password: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var password: Password?

    public init(user: String, host: String, port: Int = 5432, database: String, password: Password? = nil) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.password = password
    }

    /// Whether `text` is meant as a PostgreSQL address (and so must parse as one).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses an address; the error says what to write instead.
    public init(parsing text: String) throws(MuelleError) {
        let form = "postgres://USER@HOST:PORT/DATABASE?password=env:NAME (or password=file:PATH)"
        guard let schemeEnd = text.range(of: "://"), Self.isPostgres(text) else {
            throw MuelleError(.configuration, "a PostgreSQL ledger is given as \(form)")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw MuelleError(.configuration, "the PostgreSQL ledger's address names no user: \(form)")
        }
        let userPart = rest[..<at]
        if userPart.contains(":") {
            throw MuelleError(.configuration, """
                the PostgreSQL ledger's address holds a password: addresses end up in logs and shell histories, so muelle \
                reads the password from an environment variable or a file instead: \(form)
                """)
        }
        var hostPart = rest[rest.index(after: at)...]
        guard let slash = hostPart.firstIndex(of: "/") else {
            throw MuelleError(.configuration, "the PostgreSQL ledger's address names no database: \(form)")
        }
        let database = String(hostPart[hostPart.index(after: slash)...])
        hostPart = hostPart[..<slash]
        var port = 5432
        var host = String(hostPart)
        if let colon = hostPart.lastIndex(of: ":"), !hostPart.hasSuffix("]") {
            guard let number = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(number) else {
                throw MuelleError(.configuration, "the PostgreSQL ledger's port is a number from 1 to 65535: \(form)")
            }
            port = number
            host = String(hostPart[..<colon])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !userPart.isEmpty, !host.isEmpty, !database.isEmpty else {
            throw MuelleError(.configuration, "the PostgreSQL ledger's address needs a user, a host and a database: \(form)")
        }
        self.init(user: String(userPart), host: host, port: port, database: database)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch key {
            case "password" where value.hasPrefix("env:") && value.count > 4:
                password = .environment(String(value.dropFirst(4)))
            case "password" where value.hasPrefix("file:") && value.count > 5:
                password = .file(String(value.dropFirst(5)))
            case "password":
                throw MuelleError(.configuration, "the PostgreSQL ledger's password is read from env:NAME or file:PATH, never written in the address")
            case "password_file" where !value.isEmpty:
                password = .file(value)
            default:
                throw MuelleError(.configuration, "unknown setting \(QuotedInput.quote(key)) in the PostgreSQL ledger's address; settings are password, password_file")
            }
        }
    }

    /// The address as given, with the password's source but never its value.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let source: String
        switch password {
        case .environment(let name): source = "?password=env:\(name)"
        case .file(let path): source = "?password=file:\(path)"
        case nil: source = ""
        }
        return "postgres://\(user)@\(hostText):\(port)/\(database)\(source)"
    }
}
