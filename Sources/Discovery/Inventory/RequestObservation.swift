import MirrorGuardCore

/// What learning needs from one request, read outside any lock: host, method, path segments, each parameter
/// with its value formats, the authentication used and the body's media type.
public struct RequestObservation: Sendable {
    /// One value that may be a parameter: identified by the fingerprint of its index-folded point name, so
    /// a known parameter costs no string at all; the name is built only the first time an endpoint sees it.
    public struct Parameter: Sendable {
        /// `LazyPointName.fingerprint(foldingIndices: true)` of the point.
        public var fingerprint: UInt64
        /// Index of the point in `points`.
        public var pointIndex: Int
        public var value: ArraySlice<UInt8>
    }

    public var host: String
    public var method: String
    /// Path segments, empty ones dropped (`/a//b/` → `a`, `b`).
    public var segments: [ArraySlice<UInt8>]
    public var parameters: [Parameter]
    /// The request's points (parameter names are read from them only when needed).
    public var points: [Point]
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

    /// Cookie names that carry a session (`session`, `sid`, `PHPSESSID`, `connect.sid`, `*_sess`, `*_token`, `auth`).
    static func isSessionCookie(_ name: String) -> Bool { isSessionCookie(Array(name.utf8)[...]) }

    /// `isSessionCookie` over a cookie name's bytes, compared case-insensitively in place (no copy).
    static func isSessionCookie(_ name: ArraySlice<UInt8>) -> Bool {
        let count = min(name.count, 64)
        let base = name.startIndex
        func matches(_ word: StaticString, at offset: Int) -> Bool {
            word.withUTF8Buffer { bytes in
                guard offset >= 0, offset + bytes.count <= count else { return false }
                for index in 0..<bytes.count where ASCII.lower(name[base + offset + index]) != bytes[index] { return false }
                return true
            }
        }
        func equals(_ word: StaticString) -> Bool { word.utf8CodeUnitCount == count && matches(word, at: 0) }
        func hasSuffix(_ word: StaticString) -> Bool { matches(word, at: count - word.utf8CodeUnitCount) }
        if equals("sid") || equals("auth") || equals("token") || equals("connect.sid") || hasSuffix("sessid")
            || hasSuffix("_sess") || hasSuffix("_token") {
            return true
        }
        var offset = 0
        while offset + 7 <= count {
            if matches("session", at: offset) { return true }
            offset += 1
        }
        return false
    }

    /// Reads an exchange and its extracted points.
    public init(exchange: Exchange, points: [Point]) {
        let request = exchange.request
        host = String(decoding: exchange.originalHost, as: UTF8.self)
        method = String(decoding: request.method.prefix(16).map(ASCII.upper), as: UTF8.self)
        let target = request.target
        let pathEnd = target.firstIndex(where: { $0 == ASCII.question || $0 == ASCII.hash }) ?? target.endIndex
        segments = target[..<pathEnd].split(separator: ASCII.slash, omittingEmptySubsequences: true)
        if let first = segments.first, ASCII.hasPrefixIgnoringCase(first, "http:") || ASCII.hasPrefixIgnoringCase(first, "https:") {
            // Absolute-form target: drop the scheme and authority.
            segments.removeFirst(min(2, segments.count))
        }
        time = exchange.receivedAt?.nanosecondsSinceEpoch ?? 0
        mediaType = nil
        if !request.body.bytes.isEmpty, let contentType = request.headers.first(lowercase: "content-type") {
            let end = contentType.firstIndex(of: ASCII.semicolon) ?? contentType.endIndex
            let type = contentType[..<end].filter { $0 != ASCII.space && $0 != ASCII.tab }.prefix(64).map(ASCII.lower)
            mediaType = String(decoding: type, as: UTF8.self)
        }
        var auth: AuthSchemes = []
        if let authorization = request.headers.first(lowercase: "authorization") {
            if ASCII.hasPrefixIgnoringCase(authorization[...], "bearer ") {
                auth.insert(ValueShape.formats(authorization.dropFirst(7)).contains(.jwt) ? .jwt : .bearer)
            } else if ASCII.hasPrefixIgnoringCase(authorization[...], "basic ") {
                auth.insert(.basic)
            } else {
                auth.insert(.apiKey)
            }
        }
        var parameters: [Parameter] = []
        parameters.reserveCapacity(points.count)
        for index in points.indices {
            let location = points[index].location
            guard points[index].role == .value, location != .path, location != .trailer,
                  points[index].decoders.allSatisfy({ $0 == .gzip || $0 == .deflate }) else { continue }
            switch (location, points[index].lazyName.tail) {
            case (.header, .none):
                // Common header names arrive pre-built (RequestParsing interns them): transport headers, except
                // the few that carry API credentials.
                let name = points[index].lazyName.prefix
                guard name == "header.x-api-key" || name == "header.x-csrf-token" || name == "header.x-csrftoken" else { continue }
                if name == "header.x-api-key" { auth.insert(.apiKey) }
            case let (.header, .key(key, _, false)):
                if ASCII.equalsIgnoringCase(key, "api-key") || ASCII.equalsIgnoringCase(key, "x-auth-token") { auth.insert(.apiKey) }
            case let (.cookie, .key(key, _, false)):
                if Self.isSessionCookie(key) { auth.insert(.cookieSession) }
            case let (.query, .key(key, _, false)):
                if ASCII.equalsIgnoringCase(key, "api_key") || ASCII.equalsIgnoringCase(key, "apikey") { auth.insert(.apiKey) }
            default:
                break
            }
            parameters.append(Parameter(fingerprint: points[index].lazyName.fingerprint(foldingIndices: true), pointIndex: index,
                                        value: points[index].value[...]))
        }
        self.parameters = parameters
        self.points = points
        self.auth = auth.isEmpty ? .none : auth
    }

    /// The parameter behind `parameter`, or nil when its point is not one (transport headers, raw bodies,
    /// multipart part headers): the slow path, run once per endpoint and name.
    public func key(of parameter: Parameter) -> (ParameterKey, Bool)? {
        guard points.indices.contains(parameter.pointIndex) else { return nil }
        let point = points[parameter.pointIndex]
        return Self.parameterKey(point.name, location: point.location)
    }

    /// The point name of `parameter`, for deviation hits.
    public func pointName(of parameter: Parameter) -> String {
        points.indices.contains(parameter.pointIndex) ? points[parameter.pointIndex].name : ""
    }

    /// The parameter a point names, with array indices folded (`user.emails[0]` → `user.emails[]`). Works on
    /// the name's UTF-8 bytes: this runs for every point of every learned request.
    static func parameterKey(_ pointName: String, location pointLocation: PointLocation) -> (ParameterKey, Bool)? {
        var name = pointName
        return name.withUTF8 { bytes -> (ParameterKey, Bool)? in
            let location: ParameterLocation
            var start: Int
            switch pointLocation {
            case .query:
                guard hasPrefix(bytes, "query.") else { return nil }
                location = .query
                start = 6
            case .header:
                guard hasPrefix(bytes, "header.") else { return nil }
                location = .header
                start = 7
            case .cookie:
                guard hasPrefix(bytes, "cookie.") else { return nil }
                location = .cookie
                start = 7
            case .body:
                if hasPrefix(bytes, "body.form.") {
                    location = .form
                    start = 10
                } else if hasPrefix(bytes, "body.json") {
                    location = .json
                    start = bytes.count > 9 && bytes[9] == ASCII.dot ? 10 : 9
                } else if hasPrefix(bytes, "body.graphql.") {
                    guard !hasPrefix(bytes, "body.graphql.arguments.") else { return nil }
                    location = .json
                    start = 13
                } else if hasPrefix(bytes, "body.multipart.") {
                    location = .multipart
                    start = 15
                } else {
                    return nil
                }
            case .path, .trailer:
                return nil
            }
            guard start < bytes.count else { return nil }
            let rest = UnsafeBufferPointer(rebasing: bytes[start...])
            var folded = false
            let key = String(unsafeUninitializedCapacity: rest.count) { buffer in
                var written = 0
                var index = 0
                while index < rest.count {
                    let byte = rest[index]
                    if byte == ASCII.leftBracket {
                        var close = index + 1
                        while close < rest.count, rest[close] &- 0x30 < 10 { close += 1 }
                        if close < rest.count, rest[close] == ASCII.rightBracket {
                            buffer[written] = ASCII.leftBracket
                            buffer[written + 1] = ASCII.rightBracket
                            written += 2
                            folded = true
                            index = close + 1
                            continue
                        }
                    }
                    buffer[written] = byte
                    written += 1
                    index += 1
                }
                return written
            }
            switch location {
            case .header:
                // Repeated headers are indexed; the header is one parameter.
                let header = folded ? String(decoding: key.utf8.prefix { $0 != ASCII.leftBracket }, as: UTF8.self) : key
                guard isAPIHeader(header) else { return nil }
                return (ParameterKey(.header, header), false)
            case .multipart:
                if key.contains(".header.") { return nil }
            default:
                break
            }
            return (ParameterKey(location, key), folded)
        }
    }

    /// Whether a (lowercase) header describes the API rather than the transport, the client or the mirror.
    static func isAPIHeader(_ name: String) -> Bool {
        if transportHeaders.contains(name) { return false }
        for prefix in ["sec-", "x-envoy-", "x-forwarded-", "accept-"] where name.utf8.starts(with: prefix.utf8) { return false }
        return true
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { p in
            for index in 0..<p.count where bytes[index] != p[index] { return false }
            return true
        }
    }
}
