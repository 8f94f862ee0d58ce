import MirrorGuardCore

/// One learned endpoint, as listed and exported.
public struct LearnedEndpoint: Sendable, Hashable {
    public var host: String
    public var method: String
    public var template: PathTemplate
    public var stats: EndpointStats
}

/// The API inventory of every host seen: what `serve` and `scan --learn` build, what exports and comparisons
/// read. A value: the node keeps it behind one lock and snapshots it to the event store.
public struct Inventory: Sendable, Hashable, Codable {
    /// Per host (lowercased, without port; `-` when a request named none).
    public var hosts: [String: HostInventory] = [:]
    /// Requests not learned because `maxHosts` hosts were known.
    public var droppedHosts = 0
    /// Requests for static assets, not learned.
    public var skippedStatic = 0
    /// Requests with attack hits (scanners included), never learned from.
    public var skippedAttacks = 0
    /// Parameters learned across every host (bounded by `maxTotalParameters`).
    public var totalParameters = 0

    public init() {}

    /// Learns one analysed request: requests carrying attack hits (scanner signatures included) never shape
    /// the inventory. Returns deviations from learned endpoints.
    public mutating func learn(_ exchange: Exchange, points: [Point], hits: [Hit], configuration: DiscoveryConfiguration) -> [Hit] {
        guard Self.learns(from: hits) else {
            skippedAttacks += 1
            return []
        }
        return learn(RequestObservation(exchange: exchange, points: points), configuration: configuration)
    }

    /// Whether a request with these analysis hits may shape the inventory: not when it carries an attack.
    public static func learns(from hits: [Hit]) -> Bool {
        !hits.contains { !$0.type.isDeviation }
    }

    /// Learns one request; returns deviations from learned endpoints.
    public mutating func learn(_ observation: RequestObservation, configuration: DiscoveryConfiguration) -> [Hit] {
        if let last = observation.segments.last, Self.isStaticAsset(last, extensions: configuration.staticExtensions) {
            skippedStatic += 1
            return []
        }
        let host = observation.host.isEmpty ? "-" : observation.host
        if hosts.index(forKey: host) == nil {
            guard hosts.count < configuration.maxHosts else { droppedHosts += 1; return [] }
        }
        var budget = configuration.maxTotalParameters - totalParameters
        let before = budget
        let hits = hosts[host, default: HostInventory()].learn(observation, configuration: configuration, parameterBudget: &budget)
        totalParameters += before - budget
        return hits
    }

    /// Every endpoint of `host` (all hosts when nil), sorted by host, path, method.
    public func endpoints(host: String? = nil) -> [LearnedEndpoint] {
        var result: [LearnedEndpoint] = []
        for (name, inventory) in hosts where host == nil || host == name {
            var route: [RouteStep] = []
            Self.collect(inventory.root, host: name, route: &route, into: &result)
        }
        return result.sorted { ($0.host, $0.template.openAPIPath, $0.method) < ($1.host, $1.template.openAPIPath, $1.method) }
    }

    /// Endpoints and parameters known, for metrics.
    public var totals: (endpoints: Int, parameters: Int) {
        let all = endpoints()
        return (all.count, all.reduce(0) { $0 + $1.stats.parameters.count })
    }

    private static func collect(_ node: PathNode, host: String, route: inout [RouteStep], into result: inout [LearnedEndpoint]) {
        if !node.methods.isEmpty {
            let template = PathTemplate(route: route)
            for (method, stats) in node.methods {
                result.append(LearnedEndpoint(host: host, method: method, template: template, stats: stats))
            }
        }
        for (segment, child) in node.literals {
            route.append(.literal(segment))
            collect(child, host: host, route: &route, into: &result)
            route.removeLast()
        }
        if let parameter = node.parameter.first {
            route.append(.parameter(parameter.formats))
            collect(parameter, host: host, route: &route, into: &result)
            route.removeLast()
        }
    }

    static func isStaticAsset(_ segment: ArraySlice<UInt8>, extensions: Set<String>) -> Bool {
        guard let dot = segment.lastIndex(of: ASCII.dot), segment.endIndex - dot <= 6 else { return false }
        return extensions.contains(String(decoding: segment[(dot + 1)...].map(ASCII.lower), as: UTF8.self))
    }
}
