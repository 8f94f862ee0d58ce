import MirrorGuardCore

/// One step of a request's route through the path tree.
public enum RouteStep: Sendable, Hashable {
    case literal(String)
    case parameter(ValueFormats)
}

/// Everything learned about one host: the path tree with its endpoints, and what was not learned.
public struct HostInventory: Sendable, Hashable, Codable {
    /// The root of the path tree (`/`).
    public var root = PathNode()
    /// Requests learned from.
    public var requests = 0
    /// Requests not learned because a limit (endpoints, nodes) was reached.
    public var droppedRequests = 0
    /// Endpoints and nodes in the tree, kept current for the limits.
    public var endpointCount = 0
    public var nodeCount = 1

    public init() {}

    /// Learns one request; returns the deviations from learned endpoints (empty while learning).
    /// `parameterBudget`: parameters the whole inventory may still add; decreased by what this request adds.
    public mutating func learn(_ observation: RequestObservation, configuration: DiscoveryConfiguration,
                               parameterBudget: inout Int) -> [Hit] {
        var route: [RouteStep] = []
        route.reserveCapacity(observation.segments.count)
        var hits: [Hit] = []
        var dropped = false
        var budget = Budget(nodes: configuration.maxNodesPerHost - nodeCount,
                            endpoints: configuration.maxEndpointsPerHost - endpointCount, parameters: parameterBudget)
        var needsRecount = false
        Self.walk(&root, segments: observation.segments[...], depth: 0, observation: observation,
                  configuration: configuration, route: &route, hits: &hits, budget: &budget,
                  dropped: &dropped, recount: &needsRecount)
        if dropped { droppedRequests += 1 } else { requests += 1 }
        parameterBudget = budget.parameters
        if needsRecount {
            nodeCount = root.nodeCount
            endpointCount = root.endpointCount
        } else {
            nodeCount = configuration.maxNodesPerHost - budget.nodes
            endpointCount = configuration.maxEndpointsPerHost - budget.endpoints
        }
        return hits
    }

    /// Room left for new nodes and endpoints during one request.
    struct Budget {
        var nodes: Int
        var endpoints: Int
        var parameters: Int
    }

    private static func walk(_ node: inout PathNode, segments: ArraySlice<ArraySlice<UInt8>>, depth: Int,
                             observation: RequestObservation, configuration: DiscoveryConfiguration,
                             route: inout [RouteStep], hits: inout [Hit], budget: inout Budget, dropped: inout Bool,
                             recount: inout Bool) {
        node.requests += 1
        guard let segment = segments.first else {
            arrive(at: &node, observation: observation, configuration: configuration, route: route, hits: &hits,
                   budget: &budget, dropped: &dropped)
            return
        }
        var rest = segments.dropFirst()
        // Too deep, or too long to be a literal: the rest of the path is one string parameter.
        let tooDeep = depth + 1 >= configuration.maxPathDepth && !rest.isEmpty
        let key = segment.count <= 128 && !tooDeep ? String(decoding: segment, as: UTF8.self) : nil
        if tooDeep { rest = [] }
        if let key, node.literals[key] != nil {
            route.append(.literal(key))
            walk(&node.literals[key, default: PathNode()], segments: rest, depth: depth + 1, observation: observation,
                 configuration: configuration, route: &route, hits: &hits, budget: &budget, dropped: &dropped,
                 recount: &recount)
            return
        }
        let formats: ValueFormats = key == nil ? [] : ValueShape.formats(segment)
        var toParameter = key == nil || !formats.isDisjoint(with: .variableOnSight)
        if !toParameter, let parameter = node.parameter.first {
            let slugPosition = parameter.formats.contains(.mixedSlug) && formats.contains(.mixedSlug)
            let stringPosition = parameter.formats.isDisjoint(with: .variableOnSight.union(.mixedSlug))
            toParameter = slugPosition || stringPosition
        }
        if !toParameter, let key {
            guard budget.nodes > 0 else { dropped = true; return }
            budget.nodes -= 1
            node.literals[key] = PathNode()
            if fold(&node, newSegment: formats, configuration: configuration) { recount = true }
            if node.literals[key] != nil {
                route.append(.literal(key))
                walk(&node.literals[key, default: PathNode()], segments: rest, depth: depth + 1, observation: observation,
                     configuration: configuration, route: &route, hits: &hits, budget: &budget, dropped: &dropped,
                     recount: &recount)
                return
            }
        }
        if node.parameter.isEmpty {
            guard budget.nodes > 0 else { dropped = true; return }
            budget.nodes -= 1
            node.parameter = [PathNode()]
        }
        node.parameter[0].formats.formIntersection(formats)
        route.append(.parameter(node.parameter[0].formats))
        walk(&node.parameter[0], segments: rest, depth: depth + 1, observation: observation,
             configuration: configuration, route: &route, hits: &hits, budget: &budget, dropped: &dropped,
             recount: &recount)
    }

    /// Folds literal children into the parameter when the evidence says the position is variable: enough
    /// slug-like siblings, or more literal children than a position keeps. True when something folded.
    private static func fold(_ node: inout PathNode, newSegment formats: ValueFormats, configuration: DiscoveryConfiguration) -> Bool {
        var folded = false
        if formats.contains(.mixedSlug) {
            let slugs = node.literals.keys.filter { ValueShape.formats(Array($0.utf8)).contains(.mixedSlug) }
            if slugs.count >= configuration.slugFoldThreshold {
                let picked = Set(slugs)
                node.foldLiterals { segment, _ in picked.contains(segment) }
                folded = true
            }
        }
        if node.literals.count > configuration.maxLiteralChildren {
            // Keep the positions carrying at least one request in twenty; the long tail is a variable.
            let total = node.requests
            node.foldLiterals { _, child in child.requests * 20 < total || child.requests <= 1 }
            if node.literals.count > configuration.maxLiteralChildren { node.foldLiterals { _, _ in true } }
            folded = true
        }
        return folded
    }

    private static func arrive(at node: inout PathNode, observation: RequestObservation, configuration: DiscoveryConfiguration,
                               route: [RouteStep], hits: inout [Hit], budget: inout Budget, dropped: inout Bool) {
        let method = observation.method
        if node.methods[method] == nil {
            if configuration.reportDeviations, node.methods.values.contains(where: \.isLearned) {
                let known = node.methods.keys.sorted().joined(separator: ", ")
                hits.append(Self.deviation(.anomalyUnexpectedMethod, point: "method", value: Array(method.utf8)[...],
                                           observation: observation, route: route,
                                           reason: "method \(method) never seen on this learned endpoint (seen: \(known))"))
                return
            }
            guard budget.endpoints > 0 else { dropped = true; return }
            budget.endpoints -= 1
            node.methods[method] = EndpointStats()
        }
        node.methods[method, default: EndpointStats()].learn(observation, configuration: configuration, route: route, hits: &hits,
                                                                   parameterBudget: &budget.parameters)
    }

    /// A deviation hit for `observation` on the endpoint at `route`.
    static func deviation(_ type: AttackType, point: String, value: ArraySlice<UInt8>, observation: RequestObservation,
                          route: [RouteStep], reason: String) -> Hit {
        Hit(type: type, point: point, fragment: String(decoding: value.prefix(Hit.maxFragmentBytes), as: UTF8.self),
            detector: "discovery.model", context: "\(observation.method) \(PathTemplate(route: route).text)", reason: reason)
    }
}
