import Foundation
import Logging
import MirrorGuardCore
import Prometheus
import Storage
import Testing
@testable import Node

/// Starts an in-process node on ephemeral ports in a temporary folder.
func startNode(_ adjust: (inout NodeConfiguration) -> Void = { _ in }) async throws -> (MirrorNode, MemorySink, String) {
    var configuration = NodeConfiguration()
    let folder = NSTemporaryDirectory() + "mirrorguard-node-\(UUID().uuidString)"
    configuration.dataDirectory = folder
    configuration.mirrorListen = HostPort(host: "127.0.0.1", port: 0)
    configuration.adminListen = HostPort(host: "127.0.0.1", port: 0)
    configuration.adminToken = "test-token"
    configuration.eventLog = "stdout"
    configuration.flushIntervalMilliseconds = 20
    configuration.workers = 2
    adjust(&configuration)
    let registry = PrometheusCollectorRegistry()
    let sink = MemorySink()
    var logger = Logger(label: "test")
    logger.logLevel = .error
    let node = MirrorNode(configuration: configuration, registry: registry, metricsFactory: PrometheusMetricsFactory(registry: registry),
                          logger: logger, eventSink: sink)
    try await node.start()
    return (node, sink, folder)
}

@Suite("Mirror node", .serialized)
struct MirrorNodeTests {
    @Test("every copy is answered at once; attacks are stored with client, host and point; the event log has them")
    func endToEnd() async throws {
        let (node, sink, folder) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let json = "{\"text\":\"<svg onload=alert(document.domain)>\"}"
        let requests = [
            "GET /search?q=shoes HTTP/1.1\r\nHost: shop.example-shadow\r\nX-Real-IP: 203.0.113.10\r\nX-Request-ID: ok-1\r\n\r\n",
            "GET /item?id=5%20UNION%20SELECT%20password%20FROM%20users HTTP/1.1\r\nHost: shop.example-shadow\r\nX-Real-IP: 203.0.113.11\r\nX-Request-ID: atk-1\r\n\r\n",
            "POST /comment HTTP/1.1\r\nHost: shop.example\r\nX-Real-IP: 203.0.113.12\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nX-Request-ID: atk-2\r\n\r\n" + json,
        ].joined()
        let responses = try RawHTTP.exchange(port: node.mirrorPort, bytes: Array(requests.utf8), responses: 3)
        #expect(responses.count == 3)
        #expect(responses.allSatisfy { $0.response?.status == 200 && $0.body.bytes.isEmpty })
        let store = try #require(node.eventStore)
        #expect(try eventually { try store.attacks(AttackQuery()).count == 2 })
        let sqli = try #require(try store.hits(requestID: "atk-1").first)
        #expect(sqli.hit.type == .sqli)
        #expect(sqli.hit.point == "query.id")
        #expect(sqli.clientAddress == "203.0.113.11")
        #expect(sqli.host == "shop.example")
        #expect(sqli.endpoint == "GET /item")
        let xss = try #require(try store.hits(requestID: "atk-2").first)
        #expect(xss.hit.point == "body.json.text")
        #expect(try store.hits(requestID: "ok-1").isEmpty)
        await node.shutdown()
        let log = sink.lines
        #expect(log.count == 2)
        #expect(log.contains { $0.contains("\"request_id\":\"atk-1\"") && $0.contains("\"type\":\"sqli\"") && $0.contains("\"client\":\"203.0.113.11\"") })
        #expect(node.counts.received == 3)
        #expect(node.counts.analysed == 3)
    }

    @Test("admin: health, readiness, metrics, and the API behind its token")
    func admin() async throws {
        let (node, _, folder) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try RawHTTP.exchange(port: node.mirrorPort, bytes: Array("GET /x?id=1%27%20OR%20%271%27=%271 HTTP/1.1\r\nX-Request-ID: m1\r\n\r\n".utf8), responses: 1)
        let store = try #require(node.eventStore)
        #expect(try eventually { try !store.attacks(AttackQuery()).isEmpty })
        #expect(try RawHTTP.get(port: node.adminPort, path: "/healthz") == (200, "ok\n"))
        #expect(try RawHTTP.get(port: node.adminPort, path: "/readyz").status == 200)
        let metrics = try RawHTTP.get(port: node.adminPort, path: "/metrics").body
        #expect(metrics.contains("mirrorguard_requests_received_total 1"))
        #expect(metrics.contains("mirrorguard_hits_total{type=\"sqli\"} 1"))
        #expect(metrics.contains("mirrorguard_analysis_duration_seconds"))
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks").status == 401)
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks", headers: ["Authorization": "Bearer wrong"]).status == 401)
        let auth = ["Authorization": "Bearer test-token"]
        let attacks = try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks?type=sqli", headers: auth)
        #expect(attacks.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(attacks.body.utf8)) as? [String: Any])
        let first = try #require((json["attacks"] as? [[String: Any]])?.first)
        #expect(first["type"] as? String == "sqli")
        #expect(first["point"] as? String == "query.id")
        let id = try #require(first["id"] as? Int)
        let detail = try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks/\(id)", headers: auth)
        #expect(detail.body.contains("\"hits\":[{"))
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/hits?request_id=m1", headers: auth).body.contains("sqli.grammar"))
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/stats", headers: auth).body.contains("\"sqli\":1"))
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks?type=nope", headers: auth).status == 400)
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/attacks/99999", headers: auth).status == 404)
        await node.shutdown()
    }

    @Test("overload: the node keeps answering, received = analysed + dropped exactly, memory stays bounded")
    func overload() async throws {
        let (node, _, folder) = try await startNode { configuration in
            configuration.queueSize = 8
            configuration.workers = 1
            configuration.eventLog = "off"
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let body = String(repeating: "a=1&", count: 2_500)
        let one = "POST /form HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let batch = Array(String(repeating: one, count: 500).utf8)
        let before = RawHTTP.residentBytes()
        var answered = 0
        for _ in 0..<8 {
            answered += try RawHTTP.exchange(port: node.mirrorPort, bytes: batch, responses: 500).filter { $0.response?.status == 200 }.count
        }
        let grown = RawHTTP.residentBytes() - before
        await node.shutdown(drainSeconds: 30)
        let counts = node.counts
        #expect(answered == 4000)
        #expect(counts.received == 4000)
        #expect(counts.received == counts.analysed + counts.dropped)
        #expect(counts.dropped > 0)
        // 4,000 copies of 10 KB (40 MB) passed through; a queue of 8 must not hold them.
        #expect(grown < 30_000_000, "resident memory grew by \(grown) bytes")
    }
}

extension MirrorNodeTests {
    @Test("webhook: each new attack is POSTed as JSON, retried after a failure; a dead hook is counted and never blocks")
    func webhook() async throws {
        let receiver = try HookReceiver(statuses: [500, 200])
        defer { receiver.stop() }
        let (node, _, folder) = try await startNode {
            $0.webhookURL = "http://127.0.0.1:\(receiver.port)/hook"
            $0.webhookAttempts = 3
            $0.webhookTimeoutSeconds = 2
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let attack = "GET /item?id=1%27%20OR%20%271%27=%271 HTTP/1.1\r\nHost: shop.example\r\nX-Request-ID: w1\r\n\r\n"
        _ = try RawHTTP.exchange(port: node.mirrorPort, bytes: Array((attack + attack).utf8), responses: 2)
        #expect(eventually { receiver.received.count == 2 })
        let body = try #require(receiver.received.last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["event"] as? String == "attack.new")
        #expect((json["attack"] as? [String: Any])?["type"] as? String == "sqli")
        #expect((json["first_hit"] as? [String: Any])?["request_id"] as? String == "w1")
        #expect(receiver.received[0] == receiver.received[1], "the retry sends the same notification")
        // The second copy joined the same attack: no second notification.
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(receiver.received.count == 2)
        let metrics = try RawHTTP.get(port: node.adminPort, path: "/metrics").body
        #expect(metrics.contains("mirrorguard_webhook_failures_total 0"))
        await node.shutdown()

        // A hook that is down: delivery fails after its attempts, is counted, and copies are still answered.
        let deadPort = RawHTTP.freePort()
        let (dead, _, deadFolder) = try await startNode {
            $0.webhookURL = "http://127.0.0.1:\(deadPort)/hook"
            $0.webhookAttempts = 2
            $0.webhookTimeoutSeconds = 1
        }
        defer { try? FileManager.default.removeItem(atPath: deadFolder) }
        let responses = try RawHTTP.exchange(port: dead.mirrorPort, bytes: Array((attack + attack + attack).utf8), responses: 3)
        #expect(responses.count == 3)
        #expect(try eventually { try RawHTTP.get(port: dead.adminPort, path: "/metrics").body.contains("mirrorguard_webhook_failures_total 1") })
        await dead.shutdown()
    }
}
