import Foundation
import Hummingbird
import MirrorGuardCore
import NIOCore
import Prometheus
import Storage

/// What the admin side reads from the running node.
struct AdminState: Sendable {
    let store: (any EventStore)?
    let registry: PrometheusCollectorRegistry
    let token: String
    let isReady: @Sendable () -> Bool
    let counts: @Sendable () -> PipelineCounts
    /// The learned API, when discovery is on.
    var discovery: APIDiscovery? = nil
    /// The last copies' identities, newest first.
    var recentCopies: @Sendable () -> [RecentCopy] = { [] }
}

/// The admin application (Hummingbird): `/healthz`, `/readyz`, `/metrics`, the REST API under `/api/v1`
/// (bearer token) and a minimal console page at `/`.
enum AdminAPI {
    static func router(_ state: AdminState) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in plain("ok\n") }
        router.get("readyz") { _, _ in
            state.isReady() ? plain("ready\n") : plain("not ready\n", status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: state.registry.emitToBuffer())))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: consolePage)))
        }
        let api = router.group("api/v1").add(middleware: BearerTokenMiddleware(token: state.token))
        api.get("status") { _, _ in
            let counts = state.counts()
            var writer = JSONWriter()
            writer.raw("{")
            writer.key("received"); writer.integer(counts.received); writer.comma()
            writer.key("analyzed"); writer.integer(counts.analysed); writer.comma()
            writer.key("dropped"); writer.integer(counts.dropped); writer.comma()
            writer.key("queued"); writer.integer(counts.queued); writer.comma()
            writer.key("with_attacks"); writer.integer(counts.withAttacks); writer.comma()
            writer.key("with_deviations"); writer.integer(counts.withDeviations)
            writer.raw("}")
            return json(writer)
        }
        api.get("attacks") { request, _ in
            guard let store = state.store else { return problem(.serviceUnavailable, "no event store configured") }
            var query = AttackQuery()
            let parameters = request.uri.queryParameters
            if let type = parameters["type"] {
                guard let attackType = AttackType(rawValue: String(type)) else { return problem(.badRequest, "unknown attack type \"\(type)\"") }
                query.type = attackType
            }
            query.host = parameters["host"].map(String.init)
            query.endpoint = parameters["endpoint"].map(String.init)
            query.clientAddress = parameters["client"].map(String.init)
            if let since = parameters["since"] {
                guard let time = ISO8601.parse(String(since)) else { return problem(.badRequest, "since: expected RFC 3339 time or Unix seconds") }
                query.since = time
            }
            if let until = parameters["until"] {
                guard let time = ISO8601.parse(String(until)) else { return problem(.badRequest, "until: expected RFC 3339 time or Unix seconds") }
                query.until = time
            }
            if let limit = parameters["limit"] {
                guard let value = Int(limit), (1...500).contains(value) else { return problem(.badRequest, "limit: expected 1…500") }
                query.limit = value
            }
            if let cursor = parameters["cursor"] {
                guard let value = Int64(cursor) else { return problem(.badRequest, "cursor: expected the next_cursor of a previous page") }
                query.before = value
            }
            let attacks = try store.attacks(query)
            var writer = JSONWriter(capacity: 4096)
            writer.raw("{"); writer.key("attacks"); writer.raw("[")
            for (index, attack) in attacks.enumerated() {
                if index > 0 { writer.comma() }
                write(attack, to: &writer)
            }
            writer.raw("]"); writer.comma(); writer.key("next_cursor")
            if attacks.count == query.limit, let last = attacks.last { writer.string(String(last.id)) } else { writer.raw("null") }
            writer.raw("}")
            return json(writer)
        }
        api.get("attacks/:id") { _, context in
            guard let store = state.store else { return problem(.serviceUnavailable, "no event store configured") }
            guard let id = context.parameters.get("id", as: Int64.self) else { return problem(.badRequest, "id: expected an attack id") }
            guard let attack = try store.attack(id: id) else { return problem(.notFound, "no attack \(id)") }
            let hits = try store.hits(attackID: id, limit: 100)
            var writer = JSONWriter(capacity: 8192)
            writer.raw("{"); writer.key("attack"); write(attack, to: &writer); writer.comma()
            writer.key("hits"); writer.raw("[")
            for (index, hit) in hits.enumerated() {
                if index > 0 { writer.comma() }
                write(hit, to: &writer)
            }
            writer.raw("]}")
            return json(writer)
        }
        api.get("hits") { request, _ in
            guard let store = state.store else { return problem(.serviceUnavailable, "no event store configured") }
            guard let requestID = request.uri.queryParameters["request_id"], !requestID.isEmpty else {
                return problem(.badRequest, "request_id is required")
            }
            let hits = try store.hits(requestID: String(requestID))
            var writer = JSONWriter(capacity: 4096)
            writer.raw("{"); writer.key("hits"); writer.raw("[")
            for (index, hit) in hits.enumerated() {
                if index > 0 { writer.comma() }
                write(hit, to: &writer)
            }
            writer.raw("]}")
            return json(writer)
        }
        api.get("stats") { request, _ in
            guard let store = state.store else { return problem(.serviceUnavailable, "no event store configured") }
            let parameters = request.uri.queryParameters
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            var since = Timestamp(nanosecondsSinceEpoch: now - 24 * 3600 * 1_000_000_000)
            if let text = parameters["since"] {
                guard let time = ISO8601.parse(String(text)) else { return problem(.badRequest, "since: expected RFC 3339 time or Unix seconds") }
                since = time
            }
            var bucket: Int64 = 3600
            if let text = parameters["bucket"] {
                guard let seconds = Int64(text), (60...86_400 * 31).contains(seconds) else { return problem(.badRequest, "bucket: expected seconds 60…2678400") }
                bucket = seconds
            }
            let statistics = try store.statistics(since: since, bucketSeconds: bucket)
            var writer = JSONWriter(capacity: 2048)
            writer.raw("{"); writer.key("since"); writer.string(ISO8601.format(since)); writer.comma()
            writer.key("hits_by_type"); writer.raw("{")
            for (index, entry) in statistics.hitsByType.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { writer.comma() }
                writer.string(entry.key.rawValue); writer.raw(":"); writer.integer(entry.value)
            }
            writer.raw("}"); writer.comma(); writer.key("attacks_by_type"); writer.raw("{")
            for (index, entry) in statistics.attacksByType.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { writer.comma() }
                writer.string(entry.key.rawValue); writer.raw(":"); writer.integer(entry.value)
            }
            writer.raw("}"); writer.comma(); writer.key("hits_over_time"); writer.raw("[")
            for (index, entry) in statistics.hitsOverTime.enumerated() {
                if index > 0 { writer.comma() }
                writer.raw("{"); writer.key("time"); writer.string(ISO8601.format(entry.0)); writer.comma()
                writer.key("hits"); writer.integer(entry.1); writer.raw("}")
            }
            writer.raw("]}")
            return json(writer)
        }
        api.get("sources/recent") { _, _ in
            var writer = JSONWriter()
            writer.raw("{"); writer.key("copies"); writer.raw("[")
            for (index, copy) in state.recentCopies().enumerated() {
                if index > 0 { writer.comma() }
                writer.raw("{")
                writer.key("time"); writer.string(ISO8601.format(copy.time)); writer.comma()
                writer.key("sender"); writer.string(copy.sender); writer.comma()
                writer.key("sender_trusted"); writer.bool(copy.senderTrusted); writer.comma()
                writer.key("client"); writer.string(copy.client); writer.comma()
                writer.key("client_from"); writer.string(copy.clientSource); writer.comma()
                writer.key("host"); writer.string(copy.host); writer.comma()
                writer.key("host_header"); writer.string(copy.hostHeader); writer.comma()
                writer.key("request_id"); writer.optionalString(copy.requestID); writer.comma()
                writer.key("scheme"); writer.optionalString(copy.scheme); writer.comma()
                writer.key("server"); writer.optionalString(copy.server); writer.comma()
                writer.key("method"); writer.string(copy.method); writer.comma()
                writer.key("target"); writer.string(copy.target)
                writer.raw("}")
            }
            writer.raw("]}")
            return json(writer)
        }
        addDiscoveryRoutes(to: api, state: state)
        return router
    }

    static func write(_ attack: AttackRecord, to writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("id"); writer.integer(Int(attack.id)); writer.comma()
        writer.key("type"); writer.string(attack.type.rawValue); writer.comma()
        writer.key("host"); writer.string(attack.host); writer.comma()
        writer.key("endpoint"); writer.string(attack.endpoint); writer.comma()
        writer.key("point"); writer.string(attack.point); writer.comma()
        writer.key("first_seen"); writer.string(ISO8601.format(attack.firstSeen)); writer.comma()
        writer.key("last_seen"); writer.string(ISO8601.format(attack.lastSeen)); writer.comma()
        writer.key("hits"); writer.integer(attack.hitCount); writer.comma()
        writer.key("sources"); writer.integer(attack.sourceCount); writer.comma()
        writer.key("stored_hits"); writer.integer(attack.storedHits); writer.comma()
        writer.key("fragment"); writer.string(attack.fragment); writer.comma()
        writer.key("detector"); writer.string(attack.detector)
        writer.raw("}")
    }

    static func write(_ hit: HitEvent, to writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("id"); writer.optionalInteger(hit.id.map(Int.init)); writer.comma()
        writer.key("attack_id"); writer.optionalInteger(hit.attackID.map(Int.init)); writer.comma()
        writer.key("time"); writer.string(ISO8601.format(hit.time)); writer.comma()
        writer.key("request_id"); writer.optionalString(hit.requestID); writer.comma()
        writer.key("client"); writer.optionalString(hit.clientAddress); writer.comma()
        writer.key("host"); writer.string(hit.host); writer.comma()
        writer.key("method"); writer.string(hit.method); writer.comma()
        writer.key("target"); writer.string(hit.target); writer.comma()
        writer.key("type"); writer.string(hit.hit.type.rawValue); writer.comma()
        writer.key("point"); writer.string(hit.hit.point); writer.comma()
        writer.key("fragment"); writer.string(hit.hit.fragment); writer.comma()
        writer.key("detector"); writer.string(hit.hit.detector); writer.comma()
        writer.key("context"); writer.string(hit.hit.context); writer.comma()
        writer.key("reason"); writer.string(hit.hit.reason); writer.comma()
        writer.key("request"); writer.string(hit.request)
        writer.raw("}")
    }

    static func json(_ writer: JSONWriter) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    static func plain(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var writer = JSONWriter()
        writer.raw("{"); writer.key("error"); writer.string(message); writer.raw("}")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    static let consolePage = """
    <!doctype html><html><head><meta charset="utf-8"><title>MirrorGuard</title></head><body>
    <h1>MirrorGuard</h1>
    <p>Admin endpoints: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a>.
    The REST API lives under <code>/api/v1</code> (attacks, attacks/{id}, hits?request_id=, stats, status,
    discovery/hosts, discovery/endpoints, discovery/openapi, discovery/compare) and needs
    <code>Authorization: Bearer &lt;token&gt;</code>.</p>
    </body></html>
    """
}

/// `Authorization: Bearer <token>` on every API route; the comparison does not leak the token's length or prefix.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let expected = Array(("Bearer " + token).utf8)
        let given = Array(header.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in 0..<expected.count { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        guard difference == 0 else {
            return Response(status: .unauthorized, headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"a valid Authorization: Bearer token is required\"}")))
        }
        return try await next(request, context)
    }
}
