/// The protocol version from a start line; anything unparsable is kept as `other`.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    /// Major version digit.
    public var major: Int
    /// Minor version digit.
    public var minor: Int

    /// HTTP/1.1.
    public static let http11 = HTTPVersion(major: 1, minor: 1)
    /// HTTP/1.0.
    public static let http10 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/0.9 (a request line without a version).
    public static let http09 = HTTPVersion(major: 0, minor: 9)

    /// Creates a version from its digits.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// One HTTP request as the node understood it.
public struct HTTPRequest: Sendable, Hashable {
    /// The method bytes exactly as sent (may be invalid; see anomalies).
    public var method: [UInt8]
    /// The request target exactly as sent (origin, absolute, authority or asterisk form).
    public var target: [UInt8]
    /// The protocol version.
    public var version: HTTPVersion
    /// The header section.
    public var headers: HeaderFields
    /// The body (de-chunked).
    public var body: Body
    /// Trailer fields of a chunked body.
    public var trailers: HeaderFields

    /// Creates a request from its parts.
    public init(method: [UInt8], target: [UInt8], version: HTTPVersion = .http11, headers: HeaderFields = [], body: Body = .empty, trailers: HeaderFields = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
    }

    /// Convenience for tests and HAR input: a request from strings.
    public init(method: String, target: String, headers: HeaderFields = [], body: [UInt8] = []) {
        self.init(method: Array(method.utf8), target: Array(target.utf8), headers: headers, body: Body(bytes: body))
    }

    /// The method for display.
    public var methodString: String { String(lossyUTF8: method) }
    /// The target for display.
    public var targetString: String { String(lossyUTF8: target) }
}

/// One HTTP response (from TCP captures), paired with the request that caused it.
public struct HTTPResponse: Sendable, Hashable {
    /// The protocol version.
    public var version: HTTPVersion
    /// The status code (0 when the status line was unparsable).
    public var status: Int
    /// The reason phrase bytes.
    public var reason: [UInt8]
    /// The header section.
    public var headers: HeaderFields
    /// The body (de-chunked).
    public var body: Body
    /// Trailer fields of a chunked body.
    public var trailers: HeaderFields

    /// Creates a response from its parts.
    public init(version: HTTPVersion = .http11, status: Int, reason: [UInt8] = [], headers: HeaderFields = [], body: Body = .empty, trailers: HeaderFields = []) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.trailers = trailers
    }
}
