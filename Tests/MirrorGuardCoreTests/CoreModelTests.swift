import Testing
@testable import MirrorGuardCore

@Suite("Core model")
struct CoreModelTests {
    @Test("HeaderFields keep order, duplicates and case; lookups ignore case")
    func headerFields() {
        var headers: HeaderFields = [("Content-Type", "text/html"), ("X-A", "1")]
        headers.append(name: "x-a", value: Array("2".utf8))
        #expect(headers.map(\.name) == ["Content-Type", "X-A", "x-a"])
        #expect(headers.firstString("content-type") == "text/html")
        #expect(headers.values("X-a").count == 2)
        #expect(headers.contains("CONTENT-TYPE"))
        #expect(!headers.contains("Content-Typ"))
        headers.removeAll(named: "x-A")
        #expect(headers.count == 1)
    }

    @Test("a field name matches a lowercase literal ignoring case, as it matches the same name as a string", arguments: [
        "Cookie", "COOKIE", "cookie", "coOkIe", "cookies", "cooki", "cookie ", "Cöokie", "", "Content-Length", "content-lengtH",
        "Content_Length", "cookie\u{0}", "Set-Cookie",
    ])
    func fieldNameLiteral(_ name: String) {
        let field = HeaderField(name: name, value: "x")
        #expect(field.hasName(lowercase: "cookie") == field.hasName("cookie"))
        #expect(field.hasName(lowercase: "content-length") == field.hasName("content-length"))
        #expect(field.hasName(lowercase: "cookie") == (name.lowercased() == "cookie"))
    }

    @Test("UTF-8 validation rejects overlongs, surrogates and truncation", arguments: [
        ([0x41, 0xC3, 0xA9], true),
        ([0xF0, 0x9F, 0x98, 0x80], true),
        ([0xC0, 0xAF], false),
        ([0xED, 0xA0, 0x80], false),
        ([0xE2, 0x82], false),
        ([0xFF], false),
        ([0xF4, 0x90, 0x80, 0x80], false),
    ] as [([UInt8], Bool)])
    func utf8(bytes: [UInt8], valid: Bool) {
        #expect(Bytes.isValidUTF8(bytes) == valid)
    }

    @Test("byte equality eight at a time agrees with the arrays' own, for every length and every differing position")
    func bytesEqual() {
        for length in 0...40 {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            base.withUnsafeBufferPointer { left in
                #expect(Array(base).withUnsafeBufferPointer { Bytes.equal(left, $0) })
                for position in 0..<length {
                    var changed = base
                    changed[position] ^= 0x20
                    #expect(!changed.withUnsafeBufferPointer { Bytes.equal(left, $0) }, "length \(length), byte \(position)")
                }
                #expect(!(base + [0]).withUnsafeBufferPointer { Bytes.equal(left, $0) })
            }
        }
    }

    @Test("substring search agrees with a naive search from every start")
    func substringSearch() {
        func naive(_ needle: [UInt8], _ haystack: [UInt8], _ from: Int) -> Int? {
            guard !needle.isEmpty, haystack.count >= needle.count, max(from, 0) <= haystack.count - needle.count else { return nil }
            for index in max(from, 0)...(haystack.count - needle.count) where Array(haystack[index..<(index + needle.count)]) == needle { return index }
            return nil
        }
        var state: UInt64 = 0x5EED
        func draw(_ bound: UInt64) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % bound)
        }
        for _ in 0..<2000 {
            let haystack = (0..<draw(60)).map { _ in UInt8(0x61 + draw(3)) }
            let needle = (0..<(1 + draw(4))).map { _ in UInt8(0x61 + draw(3)) }
            let from = draw(20) - 2
            #expect(Bytes.firstRange(of: needle, in: haystack, from: from) == naive(needle, haystack, from), "\(needle) in \(haystack) from \(from)")
        }
    }

    @Test("header lookups by literal agree with lookups by string, whatever the case sent")
    func literalHeaderLookups() {
        let headers: HeaderFields = [("HOST", "a.test"), ("X-Forwarded-For", "1.1.1.1"), ("x-forwarded-for", "2.2.2.2"), ("Content-Typ", "x"), ("Content-Type", "text/plain")]
        #expect(headers.first(lowercase: "host") == headers.first("host") && headers.first(lowercase: "host") == Array("a.test".utf8))
        #expect(headers.first(lowercase: "content-type") == Array("text/plain".utf8))
        #expect(headers.firstString(lowercase: "x-forwarded-for") == "1.1.1.1")
        #expect(headers.values(lowercase: "x-forwarded-for") == headers.values("x-forwarded-for") && headers.values(lowercase: "x-forwarded-for").count == 2)
        #expect(headers.contains(lowercase: "content-typ") && !headers.contains(lowercase: "content-encoding"))
        #expect(headers.first(lowercase: "x-real-ip") == nil)
    }

    @Test("the original host is lowercased and loses its port, from the connection or the Host header")
    func originalHost() {
        func host(_ header: String?, connection: String? = nil) -> String {
            var exchange = Exchange(request: HTTPRequest(method: "GET", target: "/", headers: HeaderFields(header.map { [HeaderField(name: "Host", value: $0)] } ?? [])))
            exchange.connection.host = connection
            return String(decoding: exchange.originalHost, as: UTF8.self)
        }
        #expect(host("Example.COM:8080") == "example.com")
        #expect(host("shop.test") == "shop.test")
        #expect(host("shop.test:443") == "shop.test")
        #expect(host("[::1]:80") == "[::1]")
        #expect(host("[::1]") == "[::1]")
        #expect(host("SHOP.test", connection: "Api.Test") == "api.test")
        #expect(host(nil) == "")
    }

    @Test("decimal parsing refuses overflow and non-digits")
    func decimal() {
        #expect(Bytes.decimalValue(Array("12345".utf8)) == 12345)
        #expect(Bytes.decimalValue(Array("99999999999999999999".utf8)) == nil)
        #expect(Bytes.decimalValue(Array("-1".utf8)) == nil)
        #expect(Bytes.decimalValue([UInt8]()) == nil)
    }

    @Test("lazy point names build the same string as eager ones, and fingerprint it exactly")
    func lazyNames() {
        let key = Array("a.b c".utf8)[...]
        let lazy = LazyPointName(prefix: "query", tail: .key(key, lowercase: false, isKeyPoint: false), limit: 64)
        #expect(lazy.string == "query.a%2Eb%20c")
        #expect(lazy.fingerprint == LazyPointName("query.a%2Eb%20c").fingerprint)
        #expect(lazy.isSameName(as: LazyPointName("query.a%2Eb%20c")))
        let indexed = LazyPointName(prefix: "path", tail: .index(12), limit: 64)
        #expect(indexed.string == "path[12]")
        #expect(indexed.fingerprint == LazyPointName("path[12]").fingerprint)
        let keyPoint = LazyPointName(prefix: "body.json", tail: .key(Array("$Where".utf8)[...], lowercase: true, isKeyPoint: true), limit: 3)
        #expect(keyPoint.string == "body.json.$wh~~#key")
        #expect(keyPoint.fingerprint == LazyPointName("body.json.$wh~~#key").fingerprint)
        #expect(!lazy.isSameName(as: indexed))
    }

    @Test("one pass over the bytes finds any of several needles, ignoring case", arguments: [
        ("width: EXPRESSION(alert(1))", true), ("-moz-Binding:url(x)", true), ("a/*b*/c", true), ("xx scrip", false),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0)", false), ("", false), ("behaviour", true), ("/", false),
    ])
    func containsAny(text: String, expected: Bool) {
        let needles: [StaticString] = ["/*", "expression", "behavio", "binding", "script"]
        let found = Array(text.utf8).withUnsafeBufferPointer { ASCII.containsAnyIgnoringCase($0, needles) }
        let onePerNeedle = Array(text.utf8).withUnsafeBufferPointer { bytes in needles.contains { ASCII.containsIgnoringCase(bytes, $0) } }
        #expect(found == expected)
        #expect(found == onePerNeedle)
    }

    @Test("word-at-a-time scans agree with a byte loop at every length and position")
    func wordScans() {
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                var bytes = [UInt8](repeating: 0x61, count: length)
                if position < length { bytes[position] = ASCII.dot }
                bytes.withUnsafeBufferPointer { buffer in
                    for start in 0...length {
                        let expected = buffer.indices.first { $0 >= start && buffer[$0] == ASCII.dot }
                        #expect(ASCII.firstIndex(of: ASCII.dot, in: buffer, from: start) == expected)
                    }
                }
                if position < length { bytes[position] = 0xC3 }
                bytes.withUnsafeBufferPointer { buffer in
                    #expect(ASCII.containsNonASCII(buffer) == (position < length))
                }
                if position < length { bytes[position] = ASCII.cr }
                bytes.withUnsafeBufferPointer { buffer in
                    let stop = ASCII.skipWordsWithoutLowControls(buffer, from: 0, to: length)
                    // It never passes a low control byte, and stops only at one or before the last partial word.
                    #expect(!buffer[0..<stop].contains(ASCII.cr))
                    #expect(stop + 8 > length || buffer[stop..<(stop + 8)].contains(ASCII.cr))
                }
            }
        }
    }

    @Test("the parameter name is the last component, without indices or decoders, lowercased", arguments: [
        ("body.json.auth.redirect_uri[0]|percent", "redirect_uri"), ("body.json.items[].sku", "sku"), ("query.Next", "next"),
        ("query.a[b][c]", "a"), ("query.ids[]|base64|json.x", "ids"), ("plain", "plain"), ("", ""), ("query.x]", "x]"),
        ("cookie.%C3%A9t%C3%A9", "%c3%a9t%c3%a9"),
    ])
    func parameterName(name: String, expected: String) {
        #expect(PointNames.parameterName(name) == expected)
    }

    @Test("anomaly details are bounded")
    func anomalyDetail() {
        let anomaly = Anomaly(.invalidHeader, String(repeating: "é", count: 500))
        #expect(anomaly.detail.utf8.count <= Anomaly.maxDetailBytes)
        #expect(anomaly.detail.hasSuffix("..."))
    }
}
