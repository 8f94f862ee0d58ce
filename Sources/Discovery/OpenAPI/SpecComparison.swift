/// Compares learned endpoints with an OpenAPI 3.x document the user provides: what the traffic does that the
/// spec does not say (shadow endpoints, undocumented parameters, values of another type) and what the spec
/// says that no traffic did (orphan endpoints).
public enum SpecComparison {
    /// One difference.
    public struct Finding: Sendable, Hashable {
        /// Kinds of difference; raw values are stable API.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case shadowEndpoint = "shadow_endpoint"
            case orphanEndpoint = "orphan_endpoint"
            case undocumentedParameter = "undocumented_parameter"
            case typeMismatch = "type_mismatch"
        }

        public var kind: Kind
        public var method: String
        /// The learned template (shadow, parameter findings) or the spec's path (orphans).
        public var path: String
        /// `query.page`, `json.user.id`, … for parameter findings.
        public var parameter: String?
        public var detail: String
    }

    /// One operation of the spec, flattened.
    struct SpecOperation {
        var method: String
        var path: String
        var segments: [String?]
        /// Parameter key → declared schema types.
        var parameters: [ParameterKey: Set<String>]
    }

    /// The differences between `spec` and `endpoints`, sorted by kind, path, method, parameter.
    public static func compare(spec: JSONValue, endpoints: [LearnedEndpoint]) -> [Finding] {
        let operations = self.operations(of: spec)
        var matched = Set<Int>()
        var findings: [Finding] = []
        for endpoint in endpoints {
            let learnedPath = endpoint.template.openAPIPath
            guard let index = bestMatch(endpoint, in: operations) else {
                findings.append(Finding(kind: .shadowEndpoint, method: endpoint.method, path: learnedPath, parameter: nil,
                                        detail: "seen in \(endpoint.stats.requests) requests, not in the spec"))
                continue
            }
            matched.insert(index)
            let operation = operations[index]
            for (key, stats) in endpoint.stats.parameters.sorted(by: { $0.key < $1.key }) {
                if key.location == .multipart && key.name.hasSuffix(".filename") { continue }
                let label = "\(key.location.rawValue).\(key.name)"
                guard let declared = operation.parameters[key] else {
                    findings.append(Finding(kind: .undocumentedParameter, method: endpoint.method, path: learnedPath,
                                            parameter: label, detail: "carried by \(stats.requests) requests, not in the spec"))
                    continue
                }
                if let problem = typeProblem(learned: stats.type, declared: declared) {
                    findings.append(Finding(kind: .typeMismatch, method: endpoint.method, path: learnedPath,
                                            parameter: label, detail: problem))
                }
            }
        }
        for (index, operation) in operations.enumerated() where !matched.contains(index) {
            findings.append(Finding(kind: .orphanEndpoint, method: operation.method, path: operation.path, parameter: nil,
                                    detail: "in the spec, no traffic seen"))
        }
        return findings.sorted {
            ($0.kind.rawValue, $0.path, $0.method, $0.parameter ?? "") < ($1.kind.rawValue, $1.path, $1.method, $1.parameter ?? "")
        }
    }

    /// Declared types that the learned values contradict (a string where the spec promises a number).
    static func typeProblem(learned: LearnedType, declared: Set<String>) -> String? {
        if declared.isEmpty || declared.contains(learned.rawValue) || declared.contains("array") || declared.contains("object") { return nil }
        if learned == .integer && declared.contains("number") { return nil }
        if declared.contains("string") && learned != .string {
            // Digits and booleans are valid strings; a spec saying string is not contradicted.
            return nil
        }
        return "spec says \(declared.sorted().joined(separator: " or ")), traffic carries \(learned.rawValue)"
    }

    /// The operation whose path matches the endpoint with the most literal segments.
    private static func bestMatch(_ endpoint: LearnedEndpoint, in operations: [SpecOperation]) -> Int? {
        let steps = endpoint.template.steps
        var best: (index: Int, literals: Int)?
        for (index, operation) in operations.enumerated() where operation.method == endpoint.method.lowercased() {
            guard operation.segments.count == steps.count else { continue }
            var literals = 0
            var matches = true
            for (segment, step) in zip(operation.segments, steps) {
                switch (segment, step) {
                case (nil, _): continue
                case (let literal?, .literal(let learned)) where literal == learned: literals += 1
                default: matches = false
                }
                if !matches { break }
            }
            if matches, literals > best?.literals ?? -1 { best = (index, literals) }
        }
        return best?.index
    }

    /// Every operation of the spec, with the server's base path prefixed.
    static func operations(of spec: JSONValue) -> [SpecOperation] {
        var basePath: [String] = []
        if let url = spec["servers"]?.elements.first?["url"]?.stringValue {
            var rest = Substring(url)
            if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...]; rest = rest.drop { $0 != "/" } }
            basePath = rest.split(separator: "/").map(String.init)
        }
        var result: [SpecOperation] = []
        for (path, item) in spec["paths"]?.members ?? [] {
            let item = resolve(item, in: spec)
            let shared = item["parameters"]?.elements ?? []
            let segments: [String?] = basePath.map { $0 } + path.split(separator: "/").map { part in
                part.hasPrefix("{") && part.hasSuffix("}") ? nil : String(part)
            }
            for (method, operation) in item.members where OpenAPIExporter.methods.contains(method) {
                var parameters: [ParameterKey: Set<String>] = [:]
                for parameter in shared + (operation["parameters"]?.elements ?? []) {
                    let parameter = resolve(parameter, in: spec)
                    guard let name = parameter["name"]?.stringValue, let place = parameter["in"]?.stringValue else { continue }
                    let location: ParameterLocation
                    switch place {
                    case "query": location = .query
                    case "header": location = .header
                    case "cookie": location = .cookie
                    default: continue
                    }
                    let key = ParameterKey(location, location == .header ? name.lowercased() : name)
                    parameters[key] = types(parameter["schema"].map { resolve($0, in: spec) }, in: spec)
                }
                let body = resolve(operation["requestBody"] ?? .null, in: spec)
                for (mediaType, media) in body["content"]?.members ?? [] {
                    let location: ParameterLocation
                    if mediaType.contains("json") { location = .json }
                    else if mediaType.hasPrefix("application/x-www-form-urlencoded") { location = .form }
                    else if mediaType.hasPrefix("multipart/") { location = .multipart }
                    else { continue }
                    guard let schema = media["schema"] else { continue }
                    flatten(schema, prefix: "", location: location, spec: spec, depth: 0, into: &parameters)
                }
                result.append(SpecOperation(method: method, path: path, segments: segments, parameters: parameters))
            }
        }
        return result
    }

    /// Body properties as learned parameter names: `user.emails[]`, `[].id`.
    private static func flatten(_ schema: JSONValue, prefix: String, location: ParameterLocation, spec: JSONValue,
                                depth: Int, into parameters: inout [ParameterKey: Set<String>]) {
        guard depth < 16 else { return }
        let schema = resolve(schema, in: spec)
        let types = self.types(schema, in: spec)
        if types.contains("array"), let items = schema["items"] {
            let name = location == .json ? prefix + "[]" : prefix
            flatten(items, prefix: name, location: location, spec: spec, depth: depth + 1, into: &parameters)
            return
        }
        let properties = schema["properties"]?.members ?? []
        for composed in ["allOf", "oneOf", "anyOf"] {
            for part in schema[composed]?.elements ?? [] {
                flatten(part, prefix: prefix, location: location, spec: spec, depth: depth + 1, into: &parameters)
            }
        }
        if properties.isEmpty {
            if !prefix.isEmpty { parameters[ParameterKey(location, prefix), default: []].formUnion(types) }
            return
        }
        for (name, property) in properties {
            let child = prefix.isEmpty ? name : prefix + "." + name
            flatten(property, prefix: child, location: location, spec: spec, depth: depth + 1, into: &parameters)
        }
    }

    /// The `type` keyword as a set (3.1 allows an array; 3.0's `nullable` adds nothing learned).
    private static func types(_ schema: JSONValue?, in spec: JSONValue) -> Set<String> {
        guard let schema else { return [] }
        switch schema["type"] {
        case .string(let type)?: return [type]
        case .array(let types)?: return Set(types.compactMap(\.stringValue)).subtracting(["null"])
        default: return schema["properties"] != nil ? ["object"] : []
        }
    }

    /// Follows local `$ref`s (`#/components/schemas/User`), at most 8 deep.
    static func resolve(_ value: JSONValue, in spec: JSONValue) -> JSONValue {
        var current = value
        for _ in 0..<8 {
            guard let reference = current["$ref"]?.stringValue, reference.hasPrefix("#/") else { return current }
            var target: JSONValue? = spec
            for part in reference.dropFirst(2).split(separator: "/") {
                let key = String(part).replacing("~1", with: "/").replacing("~0", with: "~")
                target = target?[key]
            }
            guard let found = target else { return current }
            current = found
        }
        return current
    }
}
