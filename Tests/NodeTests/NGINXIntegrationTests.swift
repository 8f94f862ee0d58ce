import Foundation
import MirrorGuardCore
import NIOCore
import NIOPosix
import RequestParsing
import Storage
import Testing
@testable import Node

/// A small backend: answers every request `200` with `backend <method> <target> <body bytes>`.
final class TestBackend: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private(set) var port = 0

    func start() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(BackendHandler()) }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel?.close().get()
        try? await group.shutdownGracefully()
    }

    private final class BackendHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var parser = HTTPStreamParser(mode: .requests, limits: { var limits = ParsingLimits(); limits.maxBodyBytes = 16 << 20; return limits }())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            var events: [HTTPStreamEvent] = []
            buffer.withUnsafeReadableBytes { parser.feed($0, into: &events) }
            for event in events {
                guard case let .message(message) = event, let request = message.request else { continue }
                let body = "backend \(request.methodString) \(request.targetString) \(request.body.receivedLength)"
                context.write(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")), promise: nil)
            }
            context.flush()
        }
    }
}

/// A server that accepts connections and never answers: a stalled node.
final class StalledServer: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private(set) var port = 0

    func start() async throws {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel?.close().get()
        try? await group.shutdownGracefully()
    }
}

/// A real NGINX (Debian package) run on loopback with exactly the `mirrorguard config nginx` snippet.
final class NGINXProcess: @unchecked Sendable {
    let folder: String
    let port: Int
    private let process = Process()

    static var binary: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `modules`: `load_module` paths (the Lua module for the Kong test).
    init(snippet: String, modules: [String] = []) throws {
        guard let binary = Self.binary else { throw RawHTTP.Failure(description: "nginx is not installed (scripts/test installs it)") }
        folder = NSTemporaryDirectory() + "mirrorguard-nginx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
        port = Int(snippet.split(separator: "\n").first { $0.contains("listen ") }?.split(separator: " ").last?.dropLast() ?? "") ?? 0
        let user = getuid() == 0 ? "user root;\n" : ""
        let loads = modules.map { "load_module \($0);\n" }.joined()
        let configuration = """
        \(loads)\(user)worker_processes 1;
        daemon off;
        pid \(folder)/nginx.pid;
        error_log \(folder)/logs/error.log warn;
        events { worker_connections 512; }
        http {
            access_log off;
            client_body_temp_path \(folder)/body;
            proxy_temp_path \(folder)/proxy;
            fastcgi_temp_path \(folder)/fastcgi;
            uwsgi_temp_path \(folder)/uwsgi;
            scgi_temp_path \(folder)/scgi;
            client_max_body_size 4m;
        \(snippet)
        }
        """
        try configuration.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-c", folder + "/nginx.conf", "-p", folder]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = eventually(10) { (try? RawHTTP.connect(port: port)).map { close($0); return true } ?? false }
        guard started else {
            let log = (try? String(contentsOfFile: folder + "/logs/error.log", encoding: .utf8)) ?? ""
            process.terminate()
            throw RawHTTP.Failure(description: "nginx did not start: \(log)")
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Sends one request through NGINX and returns status and body.
func through(_ port: Int, _ method: String, _ target: String, host: String = "shop.test", headers: [String: String] = [:], body: String = "") throws -> (Int, String) {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "\r\n" + body
    guard let response = try RawHTTP.exchange(port: port, bytes: Array(text.utf8), responses: 1).first else {
        throw RawHTTP.Failure(description: "no answer for \(method) \(target)")
    }
    return (response.response?.status ?? 0, String(decoding: response.body.bytes, as: UTF8.self))
}

private let nginxRequired = ProcessInfo.processInfo.environment["MIRRORGUARD_REQUIRE_INTEGRATION"] == "1"

@Suite("NGINX mirror (real nginx)", .serialized, .enabled(if: NGINXProcess.binary != nil || nginxRequired, "nginx is not installed; scripts/test installs it"))
struct NGINXIntegrationTests {
    @Test("copies from NGINX arrive whole with the client's address and the original host; clients get the backend's answers")
    func mirror() async throws {
        let backend = TestBackend()
        try await backend.start()
        let (node, _, folder) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listen = RawHTTP.freePort()
        let snippet = ProxySnippets.snippet(for: "nginx", options: .init(node: HostPort(host: "127.0.0.1", port: node.mirrorPort), listenPort: listen,
                                                                            backend: HostPort(host: "127.0.0.1", port: backend.port)))!
        let nginx = try NGINXProcess(snippet: snippet)
        defer { nginx.stop() }

        let json = "{\"comment\":{\"text\":\"<img src=x onerror=alert(1)>\"}}"
        let boundary = "----mgboundary"
        let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n<script>alert(2)</script>\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--\(boundary)--\r\n"
        let large = "filler=" + String(repeating: "x", count: 900_000) + "&q=1%27%20OR%20%271%27%3D%271"
        let cases: [(String, String, [String: String], String)] = [
            ("GET", "/search?q=shoes", [:], ""),
            ("GET", "/item?id=1%20UNION%20SELECT%20password%20FROM%20users", [:], ""),
            ("POST", "/api/comments", ["Content-Type": "application/json"], json),
            ("POST", "/login", ["Content-Type": "application/x-www-form-urlencoded"], "user=admin%27--&password=x"),
            ("POST", "/profile", ["Content-Type": "multipart/form-data; boundary=\(boundary)"], multipart),
            ("POST", "/upload", ["Content-Type": "application/x-www-form-urlencoded"], large),
        ]
        for (method, target, headers, body) in cases {
            let (status, answer) = try through(nginx.port, method, target, headers: headers, body: body)
            #expect(status == 200, "\(method) \(target)")
            #expect(answer == "backend \(method) \(target) \(body.utf8.count)")
        }
        // Keep-alive: three requests on one connection, and concurrent clients.
        let pipelined = (0..<3).map { "GET /k\($0)?x=%27%20or%201=1-- HTTP/1.1\r\nHost: shop.test\r\n\r\n" }.joined()
        let kept = try RawHTTP.exchange(port: nginx.port, bytes: Array(pipelined.utf8), responses: 3)
        #expect(kept.count == 3)
        #expect(kept.allSatisfy { $0.response?.status == 200 })
        let answered = NIOLockedValueBoxForTests(0)
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for index in 0..<10 {
                if let (status, _) = try? through(nginx.port, "GET", "/c/\(worker)/\(index)?page=\(index)"), status == 200 { answered.increment() }
            }
        }
        #expect(answered.value == 160)

        let store = try #require(node.eventStore)
        let expected: [(AttackType, String, String)] = [
            (.sqli, "GET /item", "query.id"), (.xss, "POST /api/comments", "body.json.comment.text"), (.sqli, "POST /login", "body.form.user"),
            (.xss, "POST /profile", "body.multipart.bio"), (.sqli, "POST /upload", "body.form.q"),
        ]
        func attack(_ type: AttackType, _ endpoint: String, _ point: String) -> AttackRecord? {
            (try? store.attacks(AttackQuery(limit: 500)))?.first { $0.type == type && $0.endpoint == endpoint && $0.point == point }
        }
        _ = eventually(15) { expected.allSatisfy { attack($0.0, $0.1, $0.2) != nil } }
        #expect(attack(.sqli, "GET /item", "query.id") != nil)
        #expect(attack(.xss, "POST /api/comments", "body.json.comment.text") != nil)
        #expect(attack(.sqli, "POST /login", "body.form.user") != nil)
        #expect(attack(.xss, "POST /profile", "body.multipart.bio") != nil)
        #expect(attack(.sqli, "POST /upload", "body.form.q") != nil, "the attack after 900 KB of body reached the node")
        let item = try #require(attack(.sqli, "GET /item", "query.id"))
        #expect(item.host == "shop.test")
        let hit = try #require(try store.hits(attackID: item.id, limit: 1).first)
        #expect(hit.clientAddress == "127.0.0.1")
        #expect(hit.requestID?.count == 32, "NGINX's $request_id travels as X-Request-ID")
        #expect(!hit.request.contains("X-Real-IP"), "headers the mirror added are not analysed or stored as client input")
        #expect(node.counts.dropped == 0)
        let probe = await runMirrorguard(["config", "test", "nginx", "--through", "http://127.0.0.1:\(nginx.port)", "--host", "shop.test",
                                          "--admin", "127.0.0.1:\(node.adminPort)", "--token", "test-token"])
        #expect(probe.status == 0, "\(probe.stdout) \(probe.stderr)")
        #expect(probe.stdout.contains("client     127.0.0.1  (from x-real-ip)"))
        #expect(probe.stdout.contains("host       shop.test"))

        // Zero impact: with the node gone, clients still get the backend's answers.
        await node.shutdown()
        for index in 0..<5 {
            let (status, answer) = try through(nginx.port, "GET", "/after/\(index)")
            #expect(status == 200)
            #expect(answer.hasPrefix("backend GET /after/\(index)"))
        }
        await backend.stop()
    }

    @Test("a stalled node (accepts, never answers) does not stop clients getting answers")
    func stalled() async throws {
        let backend = TestBackend()
        try await backend.start()
        let stalled = StalledServer()
        try await stalled.start()
        let listen = RawHTTP.freePort()
        let snippet = ProxySnippets.snippet(for: "nginx", options: .init(node: HostPort(host: "127.0.0.1", port: stalled.port), listenPort: listen,
                                                                            backend: HostPort(host: "127.0.0.1", port: backend.port)))!
        let nginx = try NGINXProcess(snippet: snippet)
        defer { nginx.stop() }
        for index in 0..<3 {
            let (status, answer) = try through(nginx.port, "GET", "/s/\(index)?q=1")
            #expect(status == 200)
            #expect(answer.hasPrefix("backend GET /s/\(index)"))
        }
        await stalled.stop()
        await backend.stop()
    }
}

/// The Lua module of NGINX (Debian: libnginx-mod-http-lua), which runs the Kong mirror's Lua.
let luaModules = ["/usr/share/nginx/modules/ndk_http_module.so", "/usr/share/nginx/modules/ngx_http_lua_module.so"]
private let luaPresent = luaModules.allSatisfy { FileManager.default.fileExists(atPath: $0) }

@Suite("Kong mirror Lua under NGINX's Lua module", .serialized,
       .enabled(if: (NGINXProcess.binary != nil && luaPresent) || nginxRequired, "libnginx-mod-http-lua is not installed; scripts/test installs it"))
struct KongLuaTests {
    /// NGINX running exactly the access and log Lua of `mirrorguard config kong`, in front of `backend`.
    static func nginx(node: Int, backend: Int) throws -> NGINXProcess {
        let listen = RawHTTP.freePort()
        let lua = ProxySnippets.kongLua(.init(node: HostPort(host: "127.0.0.1", port: node), listenPort: listen,
                                              backend: HostPort(host: "127.0.0.1", port: backend)))
        let snippet = """
        server {
            listen \(listen);
            client_body_buffer_size 16k;
            location / {
                access_by_lua_block {
        \(lua.access)
                }
                proxy_pass http://127.0.0.1:\(backend);
                log_by_lua_block {
        \(lua.log)
                }
            }
        }
        """
        return try NGINXProcess(snippet: snippet, modules: luaModules)
    }

    @Test("the Kong post-function copies each request after the answer: client, host, body (in memory or buffered to disk)")
    func mirror() async throws {
        let backend = TestBackend()
        try await backend.start()
        let (node, _, folder) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let nginx = try Self.nginx(node: node.mirrorPort, backend: backend.port)
        defer { nginx.stop() }
        let json = "{\"comment\":{\"text\":\"<img src=x onerror=alert(1)>\"}}"
        let large = "filler=" + String(repeating: "x", count: 200_000) + "&q=1%27%20OR%20%271%27%3D%271"
        let cases: [(String, String, [String: String], String)] = [
            ("GET", "/item?id=1%20UNION%20SELECT%20password%20FROM%20users", [:], ""),
            ("POST", "/api/comments", ["Content-Type": "application/json"], json),
            ("POST", "/upload", ["Content-Type": "application/x-www-form-urlencoded"], large),
        ]
        for (method, target, headers, body) in cases {
            let (status, answer) = try through(nginx.port, method, target, headers: headers, body: body)
            #expect(status == 200)
            #expect(answer == "backend \(method) \(target) \(body.utf8.count)")
        }
        let store = try #require(node.eventStore)
        func attack(_ type: AttackType, _ endpoint: String, _ point: String) -> AttackRecord? {
            (try? store.attacks(AttackQuery(limit: 100)))?.first { $0.type == type && $0.endpoint == endpoint && $0.point == point }
        }
        _ = eventually(10) { attack(.sqli, "POST /upload", "body.form.q") != nil && attack(.xss, "POST /api/comments", "body.json.comment.text") != nil }
        let item = try #require(attack(.sqli, "GET /item", "query.id"))
        #expect(item.host == "shop.test")
        #expect(attack(.xss, "POST /api/comments", "body.json.comment.text") != nil)
        #expect(attack(.sqli, "POST /upload", "body.form.q") != nil, "a body buffered to a temporary file is copied too")
        let hit = try #require(try store.hits(attackID: item.id, limit: 1).first)
        #expect(hit.clientAddress == "127.0.0.1")
        #expect(hit.requestID?.count == 32)
        await node.shutdown()

        // The node gone: clients are answered as before.
        for index in 0..<3 {
            let (status, answer) = try through(nginx.port, "GET", "/after/\(index)")
            #expect(status == 200)
            #expect(answer.hasPrefix("backend GET /after/\(index)"))
        }
        await backend.stop()
    }
}

/// A tiny locked counter for concurrent test clients.
final class NIOLockedValueBoxForTests: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    init(_ value: Int) { count = value }
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
