/// Where an exchange came from; stable lowercase identifiers.
public enum SourceKind: String, Sendable, Hashable, CaseIterable {
    /// Read by `mirrorguard scan` from a file or stdin.
    case scan
    /// Received as an HTTP mirror copy.
    case mirror
    /// Reassembled from a packet capture or tunnel.
    case capture
    /// Asked about by a proxy's forward-auth call (in-line).
    case forwardAuth = "forward_auth"
}

/// A wall-clock instant as nanoseconds since the Unix epoch (the pure core has no clock of its own).
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    /// Creates a timestamp.
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }
}

/// Who talked to whom: the original client and server as the source reported them.
public struct ConnectionInfo: Sendable, Hashable {
    /// The original client address (textual IPv4/IPv6).
    public var clientAddress: String?
    /// The original client port.
    public var clientPort: Int?
    /// The server address the client reached.
    public var serverAddress: String?
    /// The server port the client reached.
    public var serverPort: Int?
    /// `http` or `https` as the client used it.
    public var scheme: String?
    /// The original host name (without a mirror's `-shadow` suffix).
    public var host: String?
    /// The request id for correlation (`X-Request-ID`).
    public var requestID: String?

    /// Creates connection information; every field is optional.
    public init(clientAddress: String? = nil, clientPort: Int? = nil, serverAddress: String? = nil, serverPort: Int? = nil, scheme: String? = nil, host: String? = nil, requestID: String? = nil) {
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.serverAddress = serverAddress
        self.serverPort = serverPort
        self.scheme = scheme
        self.host = host
        self.requestID = requestID
    }
}

/// One request (and, from captures, its response): the unit every source produces and the analyser reads.
public struct Exchange: Sendable, Hashable {
    /// The request.
    public var request: HTTPRequest
    /// The response, when the source carries responses.
    public var response: HTTPResponse?
    /// Client and server identity.
    public var connection: ConnectionInfo
    /// Which source produced this exchange.
    public var source: SourceKind
    /// When the request started arriving, if the source knows.
    public var receivedAt: Timestamp?
    /// When the exchange was complete, if the source knows.
    public var completedAt: Timestamp?
    /// Byte offset of the request in its input stream (scan and capture).
    public var streamOffset: Int?
    /// Everything unusual noticed while framing and parsing.
    public var anomalies: [Anomaly]

    /// Creates an exchange.
    public init(request: HTTPRequest, response: HTTPResponse? = nil, connection: ConnectionInfo = ConnectionInfo(), source: SourceKind = .scan, receivedAt: Timestamp? = nil, completedAt: Timestamp? = nil, streamOffset: Int? = nil, anomalies: [Anomaly] = []) {
        self.request = request
        self.response = response
        self.connection = connection
        self.source = source
        self.receivedAt = receivedAt
        self.completedAt = completedAt
        self.streamOffset = streamOffset
        self.anomalies = anomalies
    }
}

extension Exchange {
    /// The original host, lowercased, without port: the connection's host, else the `Host` header; empty
    /// when unknown (`Example.COM:8080` → `example.com`, `[::1]:80` → `[::1]`).
    public var originalHost: [UInt8] {
        var host = connection.host.map { Array($0.utf8) } ?? []
        if host.isEmpty, let header = request.headers.first(lowercase: "host") { host = header }
        var end = host.endIndex
        if let colon = host.lastIndex(of: ASCII.colon), !host[colon...].contains(ASCII.rightBracket) { end = colon }
        // Usually already lowercase and without a port: the bytes as they are (no copy).
        if end == host.endIndex && host.allSatisfy({ ASCII.lower($0) == $0 }) { return host }
        return host[host.startIndex..<end].map(ASCII.lower)
    }
}
