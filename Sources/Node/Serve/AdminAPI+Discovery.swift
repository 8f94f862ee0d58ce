import Discovery
import Foundation
import Hummingbird
import MirrorGuardCore
import NIOCore

extension AdminAPI {
    /// The largest spec `discovery/compare` accepts.
    static let maxSpecBytes = 16 << 20

    /// `/api/v1/discovery/…`: hosts, endpoints, the OpenAPI export and comparison with a posted spec.
    static func addDiscoveryRoutes(to api: RouterGroup<BasicRequestContext>, state: AdminState) {
        api.get("discovery/hosts") { _, _ in
            guard let discovery = state.discovery else { return problem(.notFound, "API discovery is off (discovery.enabled)") }
            return document(InventoryReport.hosts(discovery.snapshot))
        }
        api.get("discovery/endpoints") { request, _ in
            guard let discovery = state.discovery else { return problem(.notFound, "API discovery is off (discovery.enabled)") }
            let host = request.uri.queryParameters["host"].map(String.init)
            return document(InventoryReport.endpoints(discovery.snapshot.endpoints(host: host)))
        }
        api.get("discovery/openapi") { request, _ in
            guard let discovery = state.discovery else { return problem(.notFound, "API discovery is off (discovery.enabled)") }
            guard let host = request.uri.queryParameters["host"].map(String.init) else { return problem(.badRequest, "host: required") }
            let inventory = discovery.snapshot
            guard inventory.hosts[host] != nil else { return problem(.notFound, "no endpoints learned for host \"\(host)\"") }
            return document(OpenAPIExporter.document(host: host, endpoints: inventory.endpoints(host: host),
                                                     generatedAt: ISO8601.format(Timestamp(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9)))))
        }
        api.post("discovery/compare") { request, _ in
            guard let discovery = state.discovery else { return problem(.notFound, "API discovery is off (discovery.enabled)") }
            guard let host = request.uri.queryParameters["host"].map(String.init) else { return problem(.badRequest, "host: required") }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxSpecBytes)
            } catch {
                return problem(.contentTooLarge, "the spec is larger than \(maxSpecBytes) bytes")
            }
            let spec: JSONValue
            do {
                spec = try SpecDocument.parse(String(buffer: body), source: "request body")
            } catch {
                return problem(.badRequest, "\(error)")
            }
            let findings = SpecComparison.compare(spec: spec, endpoints: discovery.snapshot.endpoints(host: host))
            return document(InventoryReport.findings(findings))
        }
    }

    static func document(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: value.serialized(indent: 0))))
    }
}
