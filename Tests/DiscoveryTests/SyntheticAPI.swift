import Detection
import Discovery
import MirrorGuardCore
import RequestParsing

/// A deterministic generator of a shop's REST API traffic: users, orders, search, uploads, a GraphQL endpoint,
/// a login form, products by slug, static assets — and, on request, attacks and scanners mixed in.
struct SyntheticAPI {
    /// xorshift64*: the same traffic on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2685821657736338717
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
        mutating func hex(_ count: Int) -> String {
            String((0..<count).map { _ in Array("0123456789abcdef")[int(0...15)] })
        }
        mutating func uuid() -> String { "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))" }
    }

    static let host = "shop.test"
    static let start: Int64 = 1_780_000_000_000_000_000
    var random = Random(state: 0x9E37_79B9_7F4A_7C15)
    let analyzer = Analyzer()
    /// Request number, for timestamps one second apart.
    var sequence: Int64 = 0

    static let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFsaWNlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    static let slugs = ["iphone-15-pro", "galaxy-s24-ultra", "pixel-8a", "thinkpad-x1-gen11", "kindle-2024", "airpods-pro-2"]
    static let words = ["shoes", "red dress", "laptop", "coffee", "garden chair", "headphones", "lamp"]

    /// One benign request of the shop, chosen at random.
    mutating func benign() -> HTTPRequest {
        let bearer: (String, String) = ("Authorization", "Bearer \(Self.jwt)")
        switch random.int(0...12) {
        case 0: return request("GET", "/users/\(random.int(1...90_000))", [bearer])
        case 1: return request("GET", "/users/me", [bearer])
        case 2:
            return request("GET", "/users/\(random.int(1...90_000))/orders?status=\(random.pick(["open", "paid", "shipped"]))&page=\(random.int(1...20))",
                           [bearer])
        case 3: return request("GET", "/orders/\(random.uuid())", [bearer, ("X-Tenant", "t\(random.int(1...3))")])
        case 4:
            let body = """
            {"customer":{"email":"user\(random.int(1...999))@example.com","phone":"+4915\(random.int(10_000_000...99_999_999))"},\
            "items":[{"sku":"SKU-\(random.int(100...999))","qty":\(random.int(1...5))}],"card":"4111 1111 1111 1111",\
            "total":\(random.int(1...500)).\(random.int(10...99)),"gift":\(random.int(0...1) == 1 ? "true" : "false")}
            """
            return request("POST", "/orders", [bearer, ("Content-Type", "application/json")], body)
        case 5:
            let q = random.pick(Self.words).replacing(" ", with: "+")
            return request("GET", "/search?q=\(q)&limit=\(random.pick([10, 20, 50]))", [("Cookie", "session=\(random.hex(32)); theme=dark")])
        case 6:
            let boundary = "XyZ\(random.int(1000...9999))"
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nholiday photo \(random.int(1...99))\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me\(random.int(1...9)).png\"\r\nContent-Type: image/png\r\n\r\n\u{89}PNG\r\n--\(boundary)--\r\n"
            return request("POST", "/uploads", [bearer, ("Content-Type", "multipart/form-data; boundary=\(boundary)")], body)
        case 7:
            let body = #"{"query":"query Order($id: Int!) { order(id: $id) { id total } }","variables":{"id":\#(random.int(1...5000))}}"#
            return request("POST", "/graphql", [bearer, ("Content-Type", "application/json")], body)
        case 8:
            return request("POST", "/login", [("Content-Type", "application/x-www-form-urlencoded")],
                           "username=user\(random.int(1...500))&password=Secret\(random.int(1000...9999))")
        case 9: return request("GET", "/products/\(random.pick(Self.slugs))")
        case 10: return request("GET", "/api/v\(random.int(1...2))/health", [("X-API-Key", "key-\(random.hex(24))")])
        case 11: return request("GET", "/static/app.\(random.hex(8)).js")
        default: return request("GET", "/users/\(random.int(1...90_000))", [bearer])
        }
    }

    /// One attack or scanner request aimed at the same endpoints.
    mutating func attack() -> HTTPRequest {
        switch random.int(0...4) {
        case 0: return request("GET", "/users/1%20union%20select%20password%20from%20users--")
        case 1: return request("GET", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E&limit=10&debug=1")
        case 2: return request("GET", "/users/\(random.int(1...9))/orders?status=../../etc/passwd&page=1")
        case 3: return request("GET", "/admin/\(random.hex(6))?cmd=;cat%20/etc/passwd", [("User-Agent", "sqlmap/1.7")])
        default:
            return request("POST", "/orders", [("Content-Type", "application/json")],
                           #"{"customer":{"email":{"$ne":null}},"items":"' OR 1=1--","total":"x"}"#)
        }
    }

    func request(_ method: String, _ target: String, _ headers: [(String, String)] = [], _ body: String = "") -> HTTPRequest {
        var fields = HeaderFields()
        fields.append(HeaderField(name: "Host", value: Self.host))
        fields.append(HeaderField(name: "User-Agent", value: "Mozilla/5.0 (X11; Linux x86_64)"))
        fields.append(HeaderField(name: "Accept", value: "application/json"))
        for (name, value) in headers { fields.append(HeaderField(name: name, value: value)) }
        if !body.isEmpty { fields.append(HeaderField(name: "Content-Length", value: String(body.utf8.count))) }
        return HTTPRequest(method: method, target: target, headers: fields, body: Array(body.utf8))
    }

    /// Analyses `request` like the node does and learns it into `inventory`; returns the deviations.
    mutating func learn(_ request: HTTPRequest, into inventory: inout Inventory, configuration: DiscoveryConfiguration) -> [Hit] {
        sequence += 1
        let exchange = Exchange(request: request, receivedAt: Timestamp(nanosecondsSinceEpoch: Self.start + sequence * 1_000_000_000))
        let analysis = analyzer.analyze(exchange)
        return inventory.learn(exchange, points: analysis.points, hits: analysis.hits, configuration: configuration)
    }
}
