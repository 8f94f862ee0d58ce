import Foundation
import MirrorGuardCore
import Testing
@testable import Node

@Suite("Mirror identity")
struct MirrorIdentityTests {
    let identity = MirrorIdentity()

    func request(_ headers: HeaderFields) -> HTTPRequest { HTTPRequest(method: "GET", target: "/a", headers: headers) }

    @Test("trusted senders: X-Real-IP, server address and port, scheme, request id; mirror headers not analysed")
    func trusted() {
        let exchange = identity.exchange(for: request([("Host", "shop.example-shadow"), ("X-Real-IP", "203.0.113.9"), ("X-Server-Addr", "10.0.0.5"),
                                                       ("X-Server-Port", "443"), ("X-Forwarded-Proto", "HTTPS"), ("X-Request-ID", "abc"), ("User-Agent", "ua")]),
                                         peerAddress: "127.0.0.1", peerPort: 5000, anomalies: [], receivedAt: nil)
        #expect(exchange.connection.clientAddress == "203.0.113.9")
        #expect(exchange.connection.host == "shop.example")
        #expect(exchange.connection.serverAddress == "10.0.0.5")
        #expect(exchange.connection.serverPort == 443)
        #expect(exchange.connection.scheme == "https")
        #expect(exchange.connection.requestID == "abc")
        #expect(exchange.source == .mirror)
        #expect(!exchange.request.headers.contains("x-real-ip"))
        #expect(!exchange.request.headers.contains("x-server-addr"))
        #expect(exchange.request.headers.contains("user-agent"))
    }

    @Test("X-Forwarded-For: the right-most address that is not a trusted proxy")
    func forwardedFor() {
        let exchange = identity.exchange(for: request([("X-Forwarded-For", "198.51.100.1, 203.0.113.5, 10.1.1.1")]),
                                         peerAddress: "10.0.0.2", peerPort: nil, anomalies: [], receivedAt: nil)
        #expect(exchange.connection.clientAddress == "203.0.113.5")
    }

    @Test("Envoy's x-envoy-external-address wins over its shadow copy's placeholder X-Forwarded-For")
    func envoyExternalAddress() {
        let exchange = identity.exchange(for: request([("X-Forwarded-For", "192.0.2.2,192.0.2.2"), ("X-Envoy-External-Address", "203.0.113.9")]),
                                         peerAddress: "127.0.0.1", peerPort: nil, anomalies: [], receivedAt: nil)
        #expect(exchange.connection.clientAddress == "203.0.113.9")
        let untrusted = identity.exchange(for: request([("X-Envoy-External-Address", "203.0.113.9")]),
                                          peerAddress: "198.51.100.77", peerPort: 1, anomalies: [], receivedAt: nil)
        #expect(untrusted.connection.clientAddress == "198.51.100.77")
    }

    @Test("untrusted senders: forwarding headers ignored and analysed as client input")
    func untrusted() {
        let exchange = identity.exchange(for: request([("X-Real-IP", "1.2.3.4"), ("X-Forwarded-Host", "evil.test"), ("Host", "a.test")]),
                                         peerAddress: "198.51.100.77", peerPort: 1234, anomalies: [], receivedAt: nil)
        #expect(exchange.connection.clientAddress == "198.51.100.77")
        #expect(exchange.connection.clientPort == 1234)
        #expect(exchange.connection.host == "a.test")
        #expect(exchange.request.headers.contains("x-real-ip"))
    }

    @Test("the -shadow suffix is removed with or without a port", arguments: [
        ("app.example-shadow", "app.example"), ("app.example-shadow:8080", "app.example:8080"), ("APP.example", "app.example"), ("[::1]:80", "[::1]:80"),
    ])
    func shadow(input: String, expected: String) {
        #expect(MirrorIdentity.originalHost(input) == expected)
    }

    @Test("networks: CIDR matching for IPv4 and IPv6, malformed input refused")
    func networks() {
        let trusted = TrustedNetworks.defaults
        #expect(trusted.contains("127.0.0.1"))
        #expect(trusted.contains("10.200.3.4"))
        #expect(trusted.contains("172.31.255.255"))
        #expect(!trusted.contains("172.32.0.1"))
        #expect(trusted.contains("::1"))
        #expect(trusted.contains("fd00::1"))
        #expect(!trusted.contains("2001:db8::1"))
        #expect(!trusted.contains("not an ip"))
        #expect(!trusted.contains("999.1.1.1"))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPAddress.parse("::ffff:127.0.0.1") == IPAddress.parse("127.0.0.1"))
    }
}

@Suite("Node configuration")
struct NodeConfigurationTests {
    @Test("YAML overrides defaults; lists and scalars")
    func yaml() throws {
        var configuration = NodeConfiguration()
        try configuration.apply(yaml: """
        mirror:
          listen: "127.0.0.1:9000"
          trusted_networks: [10.0.0.0/8]
        analysis:
          workers: 2
          disabled_detectors: [xss]
          clean_value_cache: 0
        limits:
          max_body_bytes: 4096
        storage:
          data_dir: /tmp/x
        """, file: "test.yaml")
        #expect(configuration.mirrorListen == HostPort(host: "127.0.0.1", port: 9000))
        #expect(configuration.trustedNetworks.networks.map(\.description) == ["10.0.0.0/8"])
        #expect(configuration.workers == 2)
        #expect(configuration.disabledDetectors == ["xss"])
        #expect(configuration.cleanValueCacheEntries == 0 && NodeConfiguration().cleanValueCacheEntries == 4096)
        #expect(configuration.limits.maxBodyBytes == 4096)
        #expect(configuration.databasePath == "/tmp/x/mirrorguard.sqlite")
    }

    @Test("errors name the file, line and key", arguments: [
        ("mirror:\n  listen: nowhere\n", "test.yaml:2:", "mirror.listen"),
        ("mirror:\n  lisen: \"1.2.3.4:5\"\n", "test.yaml:2:", "unknown key \"lisen\""),
        ("mirrors:\n  listen: x\n", "test.yaml:1:", "unknown section"),
        ("analysis:\n  workers: -1\n", "test.yaml:2:", "analysis.workers"),
        ("analysis:\n  clean_value_cache: 100000\n", "test.yaml:2:", "analysis.clean_value_cache"),
        ("mirror: [1, 2\n", "test.yaml", "YAML"),
    ])
    func errors(yaml: String, location: String, mention: String) {
        var configuration = NodeConfiguration()
        do {
            try configuration.apply(yaml: yaml, file: "test.yaml")
            Issue.record("no error for \(yaml)")
        } catch let error as ConfigurationError {
            #expect(error.description.hasPrefix(location), "\(error)")
            #expect(error.description.contains(mention), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("environment overrides, and their errors")
    func environment() throws {
        var configuration = NodeConfiguration()
        try configuration.applyEnvironment(["MIRRORGUARD_ADMIN_LISTEN": "0.0.0.0:1", "MIRRORGUARD_ADMIN_TOKEN": "t"])
        #expect(configuration.adminListen.port == 1)
        #expect(configuration.adminToken == "t")
        #expect(throws: ConfigurationError.self) { try configuration.applyEnvironment(["MIRRORGUARD_ANALYSIS_QUEUE_SIZE": "many"]) }
    }

    @Test("the documented defaults parse back to the defaults")
    func defaultsRoundTrip() throws {
        var configuration = NodeConfiguration()
        try configuration.apply(yaml: NodeConfiguration.documentedDefaults(), file: "defaults.yaml")
        let defaults = NodeConfiguration()
        #expect(configuration.mirrorListen == defaults.mirrorListen)
        #expect(configuration.adminListen == defaults.adminListen)
        #expect(configuration.limits == defaults.limits)
        #expect(configuration.queueSize == defaults.queueSize)
        #expect(configuration.trustedNetworks == defaults.trustedNetworks)
    }
}

@Suite("Request masking")
struct RequestMaskingTests {
    @Test("credentials, cookies and password-like fields are masked")
    func masking() {
        let form = HTTPRequest(method: "POST", target: "/login", headers: [("Authorization", "Bearer abc.def"), ("Cookie", "session=s3cr3t"), ("X-Other", "v")],
                               body: Array("user=bob&password=hunter2&api_token=xyz&q=1".utf8))
        let text = RequestMasking.render(form)
        #expect(!text.contains("abc.def"))
        #expect(!text.contains("s3cr3t"))
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("xyz"))
        #expect(text.contains("user=bob"))
        #expect(text.contains("X-Other: v"))
        let json = RequestMasking.maskSecrets(in: #"{"name":"a","newPassword": "p@ss", "nested":{"client_secret":"zz"}}"#)
        #expect(!json.contains("p@ss"))
        #expect(!json.contains("zz"))
        #expect(json.contains(#""name":"a""#))
    }

    @Test("stored requests are bounded")
    func bounded() {
        let request = HTTPRequest(method: "POST", target: "/", body: Array(repeating: 0x41, count: 100_000))
        #expect(RequestMasking.render(request).utf8.count <= RequestMasking.maxBytes)
    }
}

@Suite("Recent copies ring")
struct RecentCopiesTests {
    @Test("keeps the last 32, newest first")
    func bounded() {
        let ring = RecentCopies()
        for index in 0..<40 {
            ring.record(RecentCopy(time: Timestamp(nanosecondsSinceEpoch: Int64(index)), sender: "s", senderTrusted: true, client: "c",
                                   clientSource: "x-real-ip", host: "h", hostHeader: "h", requestID: nil, scheme: nil, server: nil,
                                   method: "GET", target: "/\(index)"))
        }
        let copies = ring.newestFirst
        #expect(copies.count == RecentCopies.capacity)
        #expect(copies.map(\.target) == (8..<40).reversed().map { "/\($0)" })
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("strings with every ASCII byte and invalid UTF-8 read back as written, escapes and all")
    func stringsRoundTrip() throws {
        // Every ASCII byte at the start, the middle and the end of a run of plain text, then each in pairs.
        var values: [[UInt8]] = []
        for byte in UInt8(0)...0x7F {
            values.append([byte])
            values.append(Array("plain \(byte) text".utf8) + [byte] + Array(" more".utf8))
            values.append([byte, byte] + Array("tail".utf8))
        }
        values.append(Array("é ü 😀 \"quoted\" \\ back".utf8))
        values.append([0x61, 0xFF, 0x62])  // invalid UTF-8: written as U+FFFD
        for value in values {
            var writer = JSONWriter()
            writer.raw("[")
            writer.string(bytes: value)
            writer.raw("]")
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String])
            #expect(decoded == [String(decoding: value, as: UTF8.self)], "\(value)")
            // Nothing below 0x20 (nor DEL) is left raw in the output.
            #expect(!writer.bytes.contains { $0 < 0x20 || $0 == 0x7F })
        }
    }
}
