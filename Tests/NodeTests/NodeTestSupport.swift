import Foundation
import MirrorGuardCore
import RequestParsing
#if canImport(Glibc)
import Glibc
#endif

/// Minimal blocking TCP client for tests: sends bytes, reads until `responses` HTTP responses arrived
/// (parsed with MirrorGuard's own parser) or the timeout passes.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func connect(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw Failure(description: "connect to \(port) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    /// Sends `bytes` and returns the parsed responses (at least `responses` unless the timeout hits).
    static func exchange(port: Int, bytes: [UInt8], responses: Int) throws -> [ParsedMessage] {
        let descriptor = try connect(port: port)
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
        var parser = HTTPStreamParser(mode: .responses)
        for _ in 0..<responses { parser.expectResponse(toMethod: Array("GET".utf8)) }
        var messages: [ParsedMessage] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while messages.count < responses {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            for event in parser.feed(buffer[0..<count]) {
                if case let .message(message) = event { messages.append(message) }
            }
        }
        return messages
    }

    /// A GET through a real HTTP server, returning status and body.
    static func get(port: Int, path: String, headers: [String: String] = [:]) throws -> (status: Int, body: String) {
        try request(port: port, method: "GET", path: path, headers: headers)
    }

    /// One request with an optional body through a real HTTP server, returning status and body.
    static func request(port: Int, method: String, path: String, headers: [String: String] = [:], body: String = "") throws -> (status: Int, body: String) {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + body
        guard let response = try exchange(port: port, bytes: Array(text.utf8), responses: 1).first else {
            throw Failure(description: "no response from port \(port) for \(path)")
        }
        return (response.response?.status ?? 0, String(decoding: response.body.bytes, as: UTF8.self))
    }

    /// A free TCP port on loopback.
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Resident memory of this process in bytes.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return (digits.first ?? 0) * 1024
        }
        return 0
    }
}

/// Waits (polling) until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// A real HTTP receiver on loopback for webhook tests: answers each request with the next scripted status
/// (the last one repeats) and keeps the bodies it received.
final class HookReceiver: @unchecked Sendable {
    private let listener: Int32
    private let lock = NSLock()
    private var bodies: [String] = []
    private var statuses: [Int]
    let port: Int

    init(statuses: [Int]) throws {
        self.statuses = statuses
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = descriptor
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw RawHTTP.Failure(description: "hook receiver: bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Bodies received so far.
    var received: [String] { lock.withLock { bodies } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var bodyStart: Int?
            var expected = 0
            while true {
                let count = recv(connection, &buffer, buffer.count, 0)
                if count <= 0 { break }
                data += buffer[0..<count]
                if bodyStart == nil, let end = Bytes.firstRange(of: Array("\r\n\r\n".utf8), in: data) {
                    bodyStart = end + 4
                    let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                    for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                        expected = Int(line.dropFirst(15).trimmingCharacters(in: CharacterSet.whitespaces)) ?? 0
                    }
                }
                if let start = bodyStart, data.count - start >= expected { break }
            }
            let body = bodyStart.map { String(decoding: data[$0...], as: UTF8.self) } ?? ""
            let status = lock.withLock { () -> Int in
                bodies.append(body)
                return statuses.count > 1 ? statuses.removeFirst() : (statuses.first ?? 200)
            }
            let response = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = response.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(connection)
        }
    }
}
