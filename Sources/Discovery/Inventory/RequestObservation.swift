import MirrorGuardCore

/// What learning needs from one request, read outside any lock: host, method, path segments, each parameter
/// with its value formats, the authentication used and the body's media type.
public struct RequestObservation: Sendable {
    /// One parameter value.
    public struct Parameter: Sendable {
        public var key: ParameterKey
        /// The point it came from (for deviation hits).
        public var pointName: String
        public var value: ArraySlice<UInt8>
        public var formats: ValueFormats
        public var isArrayElement: Bool
    }

    public var host: String
    public var method: String
    /// Path segments, empty ones dropped (`/a//b/` → `a`, `b`).
    public var segments: [ArraySlice<UInt8>]
    public var parameters: [Parameter]
    public var auth: AuthSchemes
    /// Lowercased body media type without parameters, when there is a body.
    public var mediaType: String?
    /// Nanoseconds since the epoch.
    public var time: Int64

    /// Headers that describe the transport, the client software or the mirror, not the API.
    static let transportHeaders: Set<String> = [
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "accept-charset", "connection",
        "content-length", "content-type", "content-encoding", "transfer-encoding", "cookie", "authorization",
        "cache-control", "pragma", "referer", "origin", "upgrade-insecure-requests", "te", "dnt", "forwarded",
        "via", "priority", "keep-alive", "expect", "range", "upgrade", "x-forwarded-for", "x-forwarded-host",
        "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "x-request-id", "x-server-addr", "x-server-port",
        "x-scheme", "x-amzn-trace-id", "traceparent", "tracestate", "x-requested-with", "proxy-connection",
        "x-original-uri", "x-original-method", "x-mirrorguard-source", "x-envoy-expected-rq-timeout-ms",
        "x-envoy-internal", "x-envoy-original-path", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid",
        "x-b3-sampled", "x-forwarded-client-cert", "max-forwards", "if-none-match", "if-modified-since",
        "if-match", "if-unmodified-since", "if-range", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest",
        "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "content-md5", "date",
    ]

    /// Cookie names that carry a session.
    static func isSessionCookie(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("session") || lower == "sid" || lower.hasSuffix("sessid") || lower == "connect.sid"
            || lower.hasSuffix("_sess") || lower == "auth" || lower.hasSuffix("_token") || lower == "token"
    }

    /// Reads an exchange and its extracted points.
    public init(exchange: Exchange, points: [Point]) {
        let request = exchange.request
        host = String(decoding: exchange.originalHost, as: UTF8.self)
        method = String(decoding: request.method.prefix(16).map(ASCII.upper), as: UTF8.self)
        let target = request.target
        let pathEnd = target.firstIndex(where: { $0 == ASCII.question || $0 == ASCII.hash }) ?? target.endIndex
        segments = target[..<pathEnd].split(separator: ASCII.slash, omittingEmptySubsequences: true)
        if let first = segments.first, ValueShape.startsWithIgnoringCase(first, "http:") || ValueShape.startsWithIgnoringCase(first, "https:") {
            // Absolute-form target: drop the scheme and authority.
            segments.removeFirst(min(2, segments.count))
        }
        time = exchange.receivedAt?.nanosecondsSinceEpoch ?? 0
        mediaType = nil
        if !request.body.bytes.isEmpty, let contentType = request.headers.first("content-type") {
            let end = contentType.firstIndex(of: ASCII.semicolon) ?? contentType.endIndex
            let type = contentType[..<end].filter { $0 != ASCII.space && $0 != ASCII.tab }.prefix(64).map(ASCII.lower)
            mediaType = String(decoding: type, as: UTF8.self)
        }
        var auth: AuthSchemes = []
        if let authorization = request.headers.first("authorization") {
            if ValueShape.startsWithIgnoringCase(authorization[...], "bearer ") {
                auth.insert(ValueShape.formats(authorization.dropFirst(7)).contains(.jwt) ? .jwt : .bearer)
            } else if ValueShape.startsWithIgnoringCase(authorization[...], "basic ") {
                auth.insert(.basic)
            } else {
                auth.insert(.apiKey)
            }
        }
        var parameters: [Parameter] = []
        parameters.reserveCapacity(points.count)
        for point in points {
            guard point.role == .value, point.decoders.allSatisfy({ $0 == .gzip || $0 == .deflate }) else { continue }
            guard let (key, isArray) = Self.parameterKey(point) else { continue }
            if key.location == .header, key.name == "x-api-key" || key.name == "api-key" || key.name == "x-auth-token" {
                auth.insert(.apiKey)
            } else if key.location == .query, key.name == "api_key" || key.name == "apikey" {
                auth.insert(.apiKey)
            } else if key.location == .cookie, Self.isSessionCookie(key.name) {
                auth.insert(.cookieSession)
            }
            parameters.append(Parameter(key: key, pointName: point.name, value: point.value[...],
                                        formats: ValueShape.formats(point.value[...]), isArrayElement: isArray))
        }
        self.parameters = parameters
        self.auth = auth.isEmpty ? .none : auth
    }

    /// The parameter a point names, with array indices folded (`user.emails[0]` → `user.emails[]`).
    static func parameterKey(_ point: Point) -> (ParameterKey, Bool)? {
        let name = point.name
        let location: ParameterLocation
        var rest: Substring
        switch point.location {
        case .query:
            guard name.hasPrefix("query.") else { return nil }
            location = .query
            rest = name.dropFirst(6)
        case .header:
            guard name.hasPrefix("header.") else { return nil }
            rest = name.dropFirst(7)
            if let bracket = rest.firstIndex(of: "[") { rest = rest[..<bracket] }
            guard !transportHeaders.contains(String(rest)), !rest.hasPrefix("sec-"), !rest.hasPrefix("x-envoy-"),
                  !rest.hasPrefix("x-forwarded-"), !rest.hasPrefix("accept-") else { return nil }
            location = .header
        case .cookie:
            guard name.hasPrefix("cookie.") else { return nil }
            location = .cookie
            rest = name.dropFirst(7)
        case .body:
            if name.hasPrefix("body.form.") {
                location = .form
                rest = name.dropFirst(10)
            } else if name.hasPrefix("body.json") {
                location = .json
                rest = name.dropFirst(9)
                if rest.hasPrefix(".") { rest = rest.dropFirst() }
            } else if name.hasPrefix("body.graphql.") {
                location = .json
                rest = name.dropFirst(13)
                if rest.hasPrefix("arguments.") { return nil }
            } else if name.hasPrefix("body.multipart.") {
                location = .multipart
                rest = name.dropFirst(15)
                if rest.contains(".header.") { return nil }
            } else {
                return nil
            }
        case .path, .trailer:
            return nil
        }
        guard !rest.isEmpty else { return nil }
        let (folded, isArray) = foldIndices(rest)
        return (ParameterKey(location, folded), isArray)
    }

    /// `a[0].b[12]` → (`a[].b[]`, true).
    static func foldIndices(_ name: Substring) -> (String, Bool) {
        guard name.contains("[") else { return (String(name), false) }
        var result = ""
        result.reserveCapacity(name.utf8.count)
        var inIndex = false
        var folded = false
        for character in name {
            if inIndex {
                if character == "]" { inIndex = false; result.append("[]") }
                else if !character.isASCII || !character.isNumber { result.append(character) }
            } else if character == "[" {
                inIndex = true
                folded = true
            } else {
                result.append(character)
            }
        }
        return (result, folded)
    }
}
