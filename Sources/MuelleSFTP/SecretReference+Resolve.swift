import MuelleCore
import MuelleSystem

extension SecretReference {
    /// Reads the secret now. Errors name the reference, never the content.
    func resolve() throws(MuelleError) -> Secret {
        switch self {
        case .environment(let name):
            guard let text = Posix.environment(name) else {
                throw MuelleError(.sftpCredential, "the environment variable \(name) is not set; "
                                  + "muelle reads the SFTP secret from it (\(self))")
            }
            guard !text.isEmpty else {
                throw MuelleError(.sftpCredential, "the environment variable \(name) is empty; "
                                  + "muelle reads the SFTP secret from it (\(self))")
            }
            return Secret(text)
        case .file(let path):
            var text = try Self.readSmallFile(path)
            // Editors and `echo` end the file with a line break that is not part of the secret. ("\r\n" is one
            // Character in Swift, so one removeLast drops either ending.)
            if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else {
                throw MuelleError(.sftpCredential, "the secret file \(path) is empty (\(self))")
            }
            return Secret(text)
        }
    }

    /// A secret file is small: anything past 64 KiB is not a password and is refused rather than read.
    private static func readSmallFile(_ path: String) throws(MuelleError) -> String {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly)
        } catch {
            throw MuelleError(.sftpCredential, "cannot read the secret file \(path): \(error.reason)")
        }
        defer { fd.closeIgnoringErrors() }
        let limit = 64 * 1024
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try fd.read(into: buffer) } }
                .mapError { MuelleError(.sftpCredential, "cannot read the secret file \(path): \($0.reason)") }
                .get()
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< count])
            if bytes.count > limit {
                throw MuelleError(.sftpCredential, "the secret file \(path) is larger than 64 KiB: not a secret")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
