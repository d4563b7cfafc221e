import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Just enough of a WebSocket client (RFC 6455, text frames, no extensions) to speak Chromium's DevTools
/// protocol on loopback: the test drives a real browser without a WebSocket library.
final class WebSocketClient {
    let fd: Int32
    var buffer: [UInt8] = []

    init(url: URL) throws {
        guard let host = url.host, let port = url.port else { throw Failure("no host or port in \(url)") }
        fd = try Self.connectTCP(host: host, port: port)
        try handshake(url: url, host: host, port: port)
    }

    /// A connected TCP socket to `host:port` (IPv4), with a 30-second read timeout.
    static func connectTCP(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure("cannot connect to \(host):\(port)")
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private func handshake(url: URL, host: String, port: Int) throws {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let path = url.path + (url.query.map { "?" + $0 } ?? "")
        try write(Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
        while !buffer.containsHeaderEnd { try fill() }
        let end = buffer.headerEnd
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        guard head.hasPrefix("HTTP/1.1 101") else { throw Failure("no WebSocket upgrade: \(head)") }
    }

    /// A socket already connected, for plain HTTP.
    init(raw fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try write(frame)
    }

    /// The next text message (continuation frames joined; pings and other control frames skipped).
    func receive() throws -> String {
        var message: [UInt8] = []
        while true {
            try need(2)
            let opcode = buffer[0] & 0x0F, final = buffer[0] & 0x80 != 0
            var length = Int(buffer[1] & 0x7F), offset = 2
            if length == 126 {
                try need(4)
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                try need(10)
                length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }
                offset = 10
            }
            try need(offset + length)
            let payload = Array(buffer[offset..<(offset + length)])
            buffer.removeFirst(offset + length)
            if opcode == 0x8 { throw Failure("the browser closed the connection") }
            if opcode == 0x1 || opcode == 0x0 {
                message += payload
                if final { return String(decoding: message, as: UTF8.self) }
            }
        }
    }

    private func need(_ count: Int) throws {
        while buffer.count < count { try fill() }
    }

    func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw Failure("the WebSocket connection ended (or timed out)") }
        buffer += chunk[..<n]
    }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("cannot write to the WebSocket") }
            sent += n
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Plain HTTP/1.1 with `Connection: close`, on the same socket code: what the tests send is exactly what
/// the console sees (no client-side redirects, caching or retries).
enum PlainHTTP {
    static func request(_ method: String, _ url: String, headers: [String: String], body: String?) throws -> (Int, String, [String: String]) {
        guard let target = URL(string: url), let host = target.host, let port = target.port else { throw WebSocketClient.Failure("bad url \(url)") }
        let socket = WebSocketClient(raw: try WebSocketClient.connectTCP(host: host, port: port))
        var head = "\(method) \(target.path.isEmpty ? "/" : target.path)\(target.query.map { "?" + $0 } ?? "") HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((body ?? "").utf8)
        if body != nil { head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(bytes.count)\r\n" }
        try socket.write(Array((head + "\r\n").utf8) + bytes)
        while (try? socket.fill()) != nil {}
        let end = socket.buffer.headerEnd
        guard end >= 0 else { throw WebSocketClient.Failure("no HTTP answer from \(url)") }
        let lines = String(decoding: socket.buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, String(decoding: socket.buffer[(end + 4)...], as: UTF8.self), fields)
    }
}

private extension [UInt8] {
    var headerEnd: Int {
        guard count >= 4 else { return -1 }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return i }
        return -1
    }
    var containsHeaderEnd: Bool { headerEnd >= 0 }
}
