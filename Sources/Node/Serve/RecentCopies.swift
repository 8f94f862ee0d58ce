import Foundation
import MirrorGuardCore

/// How one received copy identified its request: what `mirrorguard config test` shows so a misconfigured
/// proxy (missing forwarding headers, an untrusted sender, a wrong host) is visible at once. No payload.
public struct RecentCopy: Sendable, Hashable {
    public var time: Timestamp
    /// The proxy connection the copy came on.
    public var sender: String
    /// Whether `sender` is in `mirror.trusted_networks` (forwarding headers believed).
    public var senderTrusted: Bool
    public var client: String
    /// Which header gave the client: `x-real-ip`, `x-envoy-external-address`, `x-forwarded-for`, or `connection`.
    public var clientSource: String
    public var host: String
    /// The Host header as received (with Envoy's `-shadow`).
    public var hostHeader: String
    public var requestID: String?
    public var scheme: String?
    public var server: String?
    public var method: String
    /// The request target, at most 256 bytes.
    public var target: String
}

/// The last copies the workers read, in a fixed ring (32): bounded whatever the traffic.
final class RecentCopies: @unchecked Sendable {
    static let capacity = 32
    private let lock = NSLock()
    private var ring: [RecentCopy] = []
    private var next = 0

    func record(_ copy: RecentCopy) {
        lock.withLock {
            if ring.count < Self.capacity {
                ring.append(copy)
            } else {
                ring[next] = copy
            }
            next = (next + 1) % Self.capacity
        }
    }

    /// Newest first.
    var newestFirst: [RecentCopy] {
        lock.withLock {
            guard ring.count == Self.capacity else { return ring.reversed() }
            return Array((ring[..<next].reversed()) + ring[next...].reversed())
        }
    }

    /// The record of one copy: its identity as `MirrorIdentity` read it.
    static func copy(of exchange: Exchange, request: HTTPRequest, peerAddress: String?, provenance: MirrorIdentity.Provenance) -> RecentCopy {
        let server = exchange.connection.serverAddress.map { address in
            exchange.connection.serverPort.map { "\(address):\($0)" } ?? address
        } ?? exchange.connection.serverPort.map { ":\($0)" }
        return RecentCopy(time: exchange.receivedAt ?? Timestamp(nanosecondsSinceEpoch: 0), sender: peerAddress ?? "",
                          senderTrusted: provenance.senderTrusted, client: exchange.connection.clientAddress ?? "",
                          clientSource: provenance.clientSource, host: exchange.connection.host ?? "",
                          hostHeader: request.headers.firstString(lowercase: "host") ?? "", requestID: exchange.connection.requestID,
                          scheme: exchange.connection.scheme, server: server, method: request.methodString,
                          target: String(lossyUTF8: Array(request.target.prefix(256))))
    }
}
