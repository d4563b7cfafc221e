import Foundation
import MuelleCore

/// Where a carrier credential lives: profiles name an environment variable or a file, never the secret.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    /// `{ env: COORDINADORA_PASSWORD }`
    case environment(String)
    /// `{ file: /run/secrets/coordinadora-password }` (relative paths are read from the workspace root).
    case file(String)

    /// Names the reference, never the value, so it is safe in logs and `muelle check` output.
    public var description: String {
        switch self {
        case .environment(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }

    /// Reads the secret now, at use time, so rotating it needs no reload of the profile.
    /// - Parameters:
    ///   - environment: the process environment (tests pass their own).
    ///   - baseDirectory: where relative file paths start (the workspace root).
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment, baseDirectory: String = ".") throws -> Secret {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw MuelleError(.configuration, "the carrier secret is read from the environment variable \(name), which is not set; export it before running muelle")
            }
            return Secret(value)
        case .file(let path):
            let fullPath = path.hasPrefix("/") ? path : baseDirectory + "/" + path
            guard let data = FileManager.default.contents(atPath: fullPath) else {
                throw MuelleError(.configuration, "the carrier secret is read from the file \(path), which cannot be read; create it (readable by muelle only)")
            }
            // A trailing newline is what `echo secret > file` leaves; it is never part of the secret.
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !value.isEmpty else {
                throw MuelleError(.configuration, "the carrier secret file \(path) is empty")
            }
            return Secret(value)
        }
    }
}
