import MirrorGuardCore

/// One position in a host's path tree. Literal children keep their segment; variable segments fold into the
/// single `parameter` child, whose formats are the intersection over every segment folded into it. The
/// endpoints (one per method) live at the node their path ends at, so folding a subtree merges its endpoints.
public struct PathNode: Sendable, Hashable, Codable {
    /// Literal children by segment.
    public var literals: [String: PathNode] = [:]
    /// The parameter child: empty or one node (an array gives the recursion its indirection).
    public var parameter: [PathNode] = []
    /// Formats every segment folded into this node (as a parameter child) had.
    public var formats: ValueFormats = .all
    /// Requests whose path went through this node.
    public var requests = 0
    /// Endpoints ending here, by method.
    public var methods: [String: EndpointStats] = [:]

    public init() {}

    /// Number of nodes in this subtree, itself included.
    public var nodeCount: Int {
        literals.values.reduce(1) { $0 + $1.nodeCount } + parameter.reduce(0) { $0 + $1.nodeCount }
    }

    /// Number of endpoints in this subtree.
    public var endpointCount: Int {
        literals.values.reduce(methods.count) { $0 + $1.endpointCount } + parameter.reduce(0) { $0 + $1.endpointCount }
    }

    /// Merges another subtree into this one (both describe the same path position).
    public mutating func merge(_ other: PathNode) {
        requests += other.requests
        formats.formIntersection(other.formats)
        for (method, stats) in other.methods {
            if methods[method] != nil { methods[method]?.merge(stats) } else { methods[method] = stats }
        }
        for (segment, child) in other.literals {
            if literals[segment] != nil { literals[segment]?.merge(child) } else { literals[segment] = child }
        }
        if let otherParameter = other.parameter.first {
            if parameter.isEmpty { parameter = [otherParameter] } else { parameter[0].merge(otherParameter) }
        }
    }

    /// Moves the literal children `shouldFold` picks into the parameter child.
    mutating func foldLiterals(where shouldFold: (String, PathNode) -> Bool) {
        let picked = literals.filter { shouldFold($0.key, $0.value) }
        guard !picked.isEmpty else { return }
        var folded = parameter.first ?? PathNode()
        for (segment, child) in picked.sorted(by: { $0.key < $1.key }) {
            literals[segment] = nil
            var moved = child
            moved.formats = ValueShape.formats(Array(segment.utf8))
            folded.merge(moved)
        }
        parameter = [folded]
    }
}
