import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Just enough of a WebSocket client (RFC 6455, text frames, no extensions) to speak Chromium's DevTools
/// protocol on loopback: the test drives a real browser without a WebSocket library.
final class WebSocketClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(url: URL) throws {
        guard let host = url.host, let port = url.port else { throw Failure("no host or port in \(url)") }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure("cannot connect to \(url)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let path = url.path + (url.query.map { "?" + $0 } ?? "")
        try write(Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
        while !buffer.containsHeaderEnd { try fill() }
        let end = buffer.headerEnd
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        guard head.hasPrefix("HTTP/1.1 101") else { throw Failure("no WebSocket upgrade: \(head)") }
    }

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

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw Failure("the WebSocket connection ended (or timed out)") }
        buffer += chunk[..<n]
    }

    private func write(_ bytes: [UInt8]) throws {
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

private extension [UInt8] {
    var headerEnd: Int {
        guard count >= 4 else { return -1 }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return i }
        return -1
    }
    var containsHeaderEnd: Bool { headerEnd >= 0 }
}
