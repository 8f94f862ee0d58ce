import Discovery
import Foundation
import MirrorGuardCore
import Storage
import Testing
@testable import Node

/// API discovery in the node. An extension of the serialized node suite on purpose: these tests make blocking
/// socket calls from async tests, and two suites doing so at once can occupy every cooperative thread of a
/// 2-core machine, starving the admin server's handlers.
extension MirrorNodeTests {
    /// Mirror copies of an orders API: `count` benign requests on `api.test`.
    static func copies(_ count: Int, start: Int = 0) -> String {
        (start..<(start + count)).map { index in
            "GET /users/\(1000 + index * 7)/orders?page=\(index % 9 + 1)&status=\(index % 2 == 0 ? "open" : "paid") HTTP/1.1\r\n"
                + "Host: api.test\r\nX-Real-IP: 198.51.100.\(index % 200)\r\nAuthorization: Bearer t0k3n\r\nX-Request-ID: ok-\(index)\r\n\r\n"
        }.joined()
    }

    @Test("serve learns from copies, serves inventory and OpenAPI, reports deviations once learned, keeps learning across restarts")
    func learnServeRestart() async throws {
        let adjust: (inout NodeConfiguration) -> Void = {
            $0.discovery.learnedAfterRequests = 40
            $0.discovery.learnedAfterSeconds = 0
            $0.discoverySaveIntervalSeconds = 3_600
        }
        let (node, _, folder) = try await startNode(adjust)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let attack = "GET /users/5/orders?page=1%20union%20select%20password%20from%20users&status=open HTTP/1.1\r\nHost: api.test\r\n\r\n"
        let batch = Self.copies(60) + attack
        #expect(try RawHTTP.exchange(port: node.mirrorPort, bytes: Array(batch.utf8), responses: 61).count == 61)
        #expect(eventually { node.counts.analysed == 61 })

        let auth = ["Authorization": "Bearer test-token"]
        let endpoints = try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/endpoints?host=api.test", headers: auth)
        #expect(endpoints.status == 200)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(endpoints.body.utf8)) as? [[String: Any]])
        #expect(list.map { $0["template"] as? String } == ["/users/{id:int}/orders"])
        #expect(list.first?["requests"] as? Int == 60)
        #expect(list.first?["learned"] as? Bool == true)
        #expect(list.first?["auth"] as? [String] == ["bearer"])
        let hosts = try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/hosts", headers: auth).body
        #expect(hosts.contains("\"host\":\"api.test\""))

        let openapi = try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/openapi?host=api.test", headers: auth)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(openapi.body.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        #expect((document["paths"] as? [String: Any])?.keys.sorted() == ["/users/{id}/orders"])
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/openapi", headers: auth).status == 400)
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/openapi?host=nope", headers: auth).status == 404)
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/hosts").status == 401)

        let spec = """
        openapi: 3.1.0
        info: {title: orders, version: "1"}
        paths:
          /users/{userId}/orders:
            get:
              parameters:
                - {name: page, in: query, schema: {type: integer}}
          /users/{userId}:
            delete: {}
        """
        let compared = try RawHTTP.request(port: node.adminPort, method: "POST", path: "/api/v1/discovery/compare?host=api.test",
                                           headers: auth.merging(["Content-Type": "application/yaml"]) { $1 }, body: spec)
        #expect(compared.status == 200)
        #expect(compared.body.contains(#""kind":"undocumented_parameter","method":"GET","path":"/users/{id}/orders","parameter":"query.status""#))
        #expect(compared.body.contains(#""kind":"orphan_endpoint","method":"DELETE","path":"/users/{userId}""#))
        let broken = try RawHTTP.request(port: node.adminPort, method: "POST", path: "/api/v1/discovery/compare?host=api.test",
                                         headers: auth, body: "{not: [valid")
        #expect(broken.status == 400)

        // Learned: a new parameter is a deviation, stored like a hit and counted in metrics; normal copies are not.
        let deviation = "GET /users/77/orders?page=2&status=open&debug=true HTTP/1.1\r\nHost: api.test\r\nX-Request-ID: dev-1\r\n\r\n"
            + Self.copies(1, start: 500)
        _ = try RawHTTP.exchange(port: node.mirrorPort, bytes: Array(deviation.utf8), responses: 2)
        let store = try #require(node.eventStore)
        #expect(try eventually { try !store.hits(requestID: "dev-1").isEmpty })
        let hit = try #require(try store.hits(requestID: "dev-1").first)
        #expect(hit.hit.type == .anomalyNewParameter)
        #expect(hit.hit.point == "query.debug")
        #expect(hit.hit.context == "GET /users/{id:int}/orders")
        #expect(try store.hits(requestID: "ok-500").isEmpty)
        #expect(node.counts.withDeviations == 1)
        let metrics = try RawHTTP.get(port: node.adminPort, path: "/metrics").body
        #expect(metrics.contains("mirrorguard_hits_total{type=\"anomaly.new_parameter\"} 1"))
        await node.shutdown()

        // A restart with the same data folder resumes from the saved inventory.
        let (again, _, _) = try await startNode { adjust(&$0); $0.dataDirectory = folder }
        let restored = try #require(again.apiDiscovery?.snapshot.endpoints(host: "api.test").first)
        #expect(restored.template.text == "/users/{id:int}/orders")
        #expect(restored.stats.requests == 62)
        #expect(restored.stats.isLearned)
        let gauges = try RawHTTP.get(port: again.adminPort, path: "/metrics").body
        #expect(gauges.contains("mirrorguard_discovery_endpoints 1"))
        await again.shutdown()
    }

    @Test("discovery off: nothing is learned and the API says so")
    func off() async throws {
        let (node, _, folder) = try await startNode { $0.discoveryEnabled = false }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try RawHTTP.exchange(port: node.mirrorPort, bytes: Array(Self.copies(3).utf8), responses: 3)
        #expect(eventually { node.counts.analysed == 3 })
        #expect(node.apiDiscovery == nil)
        #expect(try RawHTTP.get(port: node.adminPort, path: "/api/v1/discovery/hosts", headers: ["Authorization": "Bearer test-token"]).status == 404)
        await node.shutdown()
    }
}

extension BinaryTests {
    @Test("scan --learn, then discovery list / export / compare from the data folder")
    func learnOffline() throws {
        let folder = NSTemporaryDirectory() + "mirrorguard-learn-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let stream = MirrorNodeTests.copies(30) + "GET /users/1/orders?page=1%27%20or%20%271%27=%271&status=open HTTP/1.1\r\nHost: api.test\r\n\r\n"
        let learned = try Self.run(["scan", "--learn", "--data-dir", folder, "-"], stdin: Array(stream.utf8))
        #expect(learned.status == 1, "one attack in the input")
        #expect(learned.stderr.contains("1 endpoints, 2 parameters on 1 hosts (1 requests with attacks"))

        let list = try Self.run(["discovery", "list", "--data-dir", folder], stdin: [])
        #expect(list.status == 0)
        #expect(list.stdout.contains("GET     /users/{id:int}/orders  30 requests"))
        #expect(list.stdout.contains("query.page:integer"))

        let export = try Self.run(["discovery", "export", "--data-dir", folder, "--host", "api.test"], stdin: [])
        #expect(export.status == 0)
        let specFile = folder + "/learned.json"
        try export.stdout.write(toFile: specFile, atomically: true, encoding: .utf8)
        let same = try Self.run(["discovery", "compare", "--data-dir", folder, "--host", "api.test", "--spec", specFile], stdin: [])
        #expect(same.status == 0)
        #expect(same.stdout.contains("no differences"))

        try "{\"openapi\":\"3.1.0\",\"paths\":{\"/health\":{\"get\":{}}}}".write(toFile: specFile, atomically: true, encoding: .utf8)
        let different = try Self.run(["discovery", "compare", "--data-dir", folder, "--host", "api.test", "--spec", specFile, "--json"], stdin: [])
        #expect(different.status == 1)
        #expect(different.stdout.contains("\"kind\": \"shadow_endpoint\""))
        #expect(different.stdout.contains("\"kind\": \"orphan_endpoint\""))

        let missing = try Self.run(["discovery", "export", "--data-dir", folder + "/nowhere", "--host", "api.test"], stdin: [])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no store at"))
        let unknown = try Self.run(["discovery", "export", "--data-dir", folder, "--host", "other.test"], stdin: [])
        #expect(unknown.stderr.contains("known hosts: api.test"))
    }
}
