import MirrorGuardCore

/// The first line of a message: a request line or a status line.
public enum StartLine: Sendable, Hashable {
    /// `METHOD SP target SP HTTP/x.y`.
    case request(method: [UInt8], target: [UInt8], version: HTTPVersion)
    /// `HTTP/x.y SP code SP reason`.
    case status(version: HTTPVersion, code: Int, reason: [UInt8])
}

/// One message framed out of a byte stream, with everything unusual about its framing.
public struct ParsedMessage: Sendable, Hashable {
    /// The request or status line.
    public var startLine: StartLine
    /// Header fields in order.
    public var headers: HeaderFields
    /// The de-chunked body as kept.
    public var body: Body
    /// Trailer fields (chunked bodies).
    public var trailers: HeaderFields
    /// Framing and syntax anomalies, in the order noticed.
    public var anomalies: [Anomaly]
    /// Absolute offset of the message's first byte in the stream.
    public var offset: Int
    /// Bytes of the stream this message occupied.
    public var length: Int
    /// False when the stream ended before the message did.
    public var isComplete: Bool

    /// The message as a request, if it is one.
    public var request: HTTPRequest? {
        guard case let .request(method, target, version) = startLine else { return nil }
        return HTTPRequest(method: method, target: target, version: version, headers: headers, body: body, trailers: trailers)
    }

    /// `request`, taking the message's buffers over instead of copying them.
    public consuming func takeRequest() -> HTTPRequest? {
        guard case let .request(method, target, version) = startLine else { return nil }
        return HTTPRequest(method: method, target: target, version: version, headers: headers, body: body, trailers: trailers)
    }

    /// The message as a response, if it is one.
    public var response: HTTPResponse? {
        guard case let .status(version, code, reason) = startLine else { return nil }
        return HTTPResponse(version: version, status: code, reason: reason, headers: headers, body: body, trailers: trailers)
    }
}

/// What the stream parser hands out: messages, and byte ranges it had to skip to find them.
public enum HTTPStreamEvent: Sendable, Hashable {
    /// A framed message.
    case message(ParsedMessage)
    /// Bytes that were not a message, skipped to resynchronise.
    case skipped(offset: Int, length: Int, reason: String)
}
