import MirrorGuardCore

/// Turns a mirrored request into an exchange with the original client's identity: forwarding headers are
/// believed only from trusted senders, the `-shadow` suffix Envoy/Istio add to the host is removed, and the
/// headers the mirror itself added are taken out of what is analysed.
public struct MirrorIdentity: Sendable {
    /// Senders whose forwarding headers are believed.
    public var trusted: TrustedNetworks

    /// Headers the mirror configuration adds (never client input); removed before analysis when the sender is trusted.
    public static let mirrorHeaders: [String] = ["x-real-ip", "x-server-addr", "x-server-port", "x-forwarded-proto", "x-scheme", "x-mirrorguard-source", "x-envoy-external-address"]

    public init(trusted: TrustedNetworks = .defaults) {
        self.trusted = trusted
    }

    /// How an exchange's identity was read: whether the sender was believed, and where the client came from.
    struct Provenance: Sendable, Hashable {
        var senderTrusted = false
        /// `x-real-ip`, `x-envoy-external-address`, `x-forwarded-for` or `connection`.
        var clientSource = "connection"
    }

    /// Builds the exchange for `request` received from `peer` (address and port of the sender).
    public func exchange(for request: HTTPRequest, peerAddress: String?, peerPort: Int?, anomalies: [Anomaly], receivedAt: Timestamp?) -> Exchange {
        identify(request, peerAddress: peerAddress, peerPort: peerPort, anomalies: anomalies, receivedAt: receivedAt).exchange
    }

    /// `exchange(for:…)` with how its identity was read (for `config test`).
    func identify(_ request: HTTPRequest, peerAddress: String?, peerPort: Int?, anomalies: [Anomaly],
                  receivedAt: Timestamp?) -> (exchange: Exchange, provenance: Provenance) {
        var provenance = Provenance()
        var connection = ConnectionInfo()
        var analysed = request
        let headers = request.headers
        let believed = peerAddress.map(trusted.contains) ?? false
        provenance.senderTrusted = believed
        connection.clientAddress = peerAddress
        connection.clientPort = peerPort
        if believed {
            if let real = headers.firstString(lowercase: "x-real-ip").map({ $0.trimmingCharactersInSpaces() }), IPAddress.parse(real) != nil {
                connection.clientAddress = real
                connection.clientPort = nil
                provenance.clientSource = "x-real-ip"
            } else if let external = headers.firstString(lowercase: "x-envoy-external-address").map({ $0.trimmingCharactersInSpaces() }),
                      IPAddress.parse(external) != nil {
                // Envoy (and Istio) record the external client here; on shadow copies Envoy 1.40 fills
                // X-Forwarded-For with a placeholder address (192.0.2.2), so this header comes first.
                connection.clientAddress = external
                connection.clientPort = nil
                provenance.clientSource = "x-envoy-external-address"
            } else if let forwarded = headers.values(lowercase: "x-forwarded-for").last.map({ String(lossyUTF8: $0) }),
                      let client = Self.clientFromForwardedFor(forwarded, trusted: trusted) {
                connection.clientAddress = client
                connection.clientPort = nil
                provenance.clientSource = "x-forwarded-for"
            }
            connection.serverAddress = headers.firstString(lowercase: "x-server-addr")
            connection.serverPort = headers.firstString(lowercase: "x-server-port").flatMap { Int($0.trimmingCharactersInSpaces()) }.flatMap { (1...65535).contains($0) ? $0 : nil }
            connection.scheme = (headers.firstString(lowercase: "x-forwarded-proto") ?? headers.firstString(lowercase: "x-scheme")).map { $0.lowercased() }
            for name in Self.mirrorHeaders { analysed.headers.removeAll(named: name) }
        }
        let host = (believed ? headers.firstString(lowercase: "x-forwarded-host") : nil) ?? headers.firstString(lowercase: "host") ?? connection.serverAddress ?? ""
        connection.host = Self.originalHost(host)
        connection.requestID = headers.firstString(lowercase: "x-request-id")
        return (Exchange(request: analysed, connection: connection, source: .mirror, receivedAt: receivedAt, anomalies: anomalies),
                provenance)
    }

    /// The original client in `X-Forwarded-For`: the right-most address that is not a trusted proxy.
    static func clientFromForwardedFor(_ value: String, trusted: TrustedNetworks) -> String? {
        let addresses = value.split(separator: ",").map { String($0).trimmingCharactersInSpaces() }.filter { IPAddress.parse($0) != nil }
        for address in addresses.reversed() where !trusted.contains(address) { return address }
        return addresses.first
    }

    /// `shop.example-shadow:8080` → `shop.example:8080`; lowercase, bounded.
    static func originalHost(_ host: String) -> String {
        var value = host.trimmingCharactersInSpaces().lowercased()
        if value.count > 255 { value = String(value.prefix(255)) }
        if let colon = value.lastIndex(of: ":"), !value.hasPrefix("[") || value.hasSuffix("]") == false {
            let name = value[..<colon]
            let port = value[colon...]
            if name.hasSuffix("-shadow") { value = String(name.dropLast(7)) + port }
        } else if value.hasSuffix("-shadow") {
            value = String(value.dropLast(7))
        }
        return value
    }
}
