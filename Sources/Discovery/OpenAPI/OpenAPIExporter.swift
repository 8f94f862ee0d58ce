/// Writes a host's learned endpoints as an OpenAPI 3.1 document: paths with typed parameters, request bodies
/// rebuilt from body points, security schemes from the authentication seen, and MirrorGuard's evidence
/// (request counts, first/last seen, sensitive data) under `x-mirrorguard` keys.
public enum OpenAPIExporter {
    /// The document for `host` from `endpoints` (those of other hosts are ignored).
    public static func document(host: String, endpoints: [LearnedEndpoint], generatedAt: String? = nil) -> JSONValue {
        let mine = endpoints.filter { $0.host == host }
        var paths: [(String, JSONValue)] = []
        var operationIDs = Set<String>()
        var schemesUsed: [(String, JSONValue)] = []
        for endpoint in mine {
            let path = endpoint.template.openAPIPath
            let operation = self.operation(endpoint, operationIDs: &operationIDs, schemes: &schemesUsed)
            let method = endpoint.method.lowercased()
            guard Self.methods.contains(method) else { continue }
            if let index = paths.firstIndex(where: { $0.0 == path }) {
                paths[index].1 = .object(paths[index].1.members + [(method, operation)])
            } else {
                paths.append((path, .object([(method, operation)])))
            }
        }
        var info: [(String, JSONValue)] = [
            ("title", .string("\(host) (learned by MirrorGuard)")),
            ("version", .string(generatedAt ?? "learned")),
            ("description", .string("Inferred from \(mine.reduce(0) { $0 + $1.stats.requests }) mirrored requests. Responses are not mirrored, so only requests are described.")),
        ]
        if let generatedAt { info.append(("x-mirrorguard-generated-at", .string(generatedAt))) }
        var document: [(String, JSONValue)] = [
            ("openapi", .string("3.1.0")),
            ("info", .object(info)),
            ("servers", .array([.object([("url", .string(host == "-" ? "/" : "https://\(host)"))])])),
            ("paths", .object(paths)),
        ]
        if !schemesUsed.isEmpty {
            document.append(("components", .object([("securitySchemes", .object(schemesUsed))])))
        }
        return .object(document)
    }

    /// The HTTP methods OpenAPI path items can hold.
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    private static func operation(_ endpoint: LearnedEndpoint, operationIDs: inout Set<String>,
                                  schemes: inout [(String, JSONValue)]) -> JSONValue {
        let stats = endpoint.stats
        var operation: [(String, JSONValue)] = []
        var id = endpoint.method.lowercased() + "_" + String(endpoint.template.openAPIPath.map {
            $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_"
        }).split(separator: "_").joined(separator: "_")
        if id.hasSuffix("_") { id.removeLast() }
        var unique = id
        var suffix = 2
        while !operationIDs.insert(unique).inserted { unique = "\(id)_\(suffix)"; suffix += 1 }
        operation.append(("operationId", .string(unique)))

        var parameters: [JSONValue] = endpoint.template.parameters.map { parameter in
            .object([
                ("name", .string(parameter.name)), ("in", .string("path")), ("required", .bool(true)),
                ("schema", pathSchema(parameter.formats)),
            ])
        }
        let sorted = stats.parameters.sorted { $0.key < $1.key }
        for (key, parameter) in sorted {
            let location: String
            switch key.location {
            case .query: location = "query"
            case .header: location = "header"
            case .cookie: location = "cookie"
            default: continue
            }
            var object: [(String, JSONValue)] = [
                ("name", .string(key.name)), ("in", .string(location)),
                ("required", .bool(stats.isRequired(parameter))),
                ("schema", schema(parameter)),
            ]
            if !parameter.sensitive.isEmpty {
                object.append(("x-mirrorguard-sensitive", .array(parameter.sensitive.labels.map(JSONValue.string))))
            }
            parameters.append(.object(object))
        }
        if !parameters.isEmpty { operation.append(("parameters", .array(parameters))) }

        var content: [(String, JSONValue)] = []
        for (location, mediaType) in [(ParameterLocation.json, "application/json"),
                                      (.form, "application/x-www-form-urlencoded"), (.multipart, "multipart/form-data")] {
            let fields = sorted.filter { $0.key.location == location }
            guard !fields.isEmpty else { continue }
            content.append((mediaType, .object([("schema", bodySchema(fields, endpoint: stats, location: location))])))
        }
        if !content.isEmpty { operation.append(("requestBody", .object([("content", .object(content))]))) }
        operation.append(("responses", .object([
            ("default", .object([("description", .string("Not observed: mirrored copies carry requests only."))])),
        ])))

        let auth = stats.auth
        var security: [JSONValue] = []
        for (scheme, name) in AuthSchemes.names where auth.contains(scheme) && scheme != .none {
            let schemeName = name + "Auth"
            if !schemes.contains(where: { $0.0 == schemeName }) {
                schemes.append((schemeName, securityScheme(scheme, endpoint: stats)))
            }
            security.append(.object([(schemeName, .array([]))]))
        }
        if !security.isEmpty {
            if auth.contains(.none) { security.append(.object([])) }
            operation.append(("security", .array(security)))
        }
        var evidence: [(String, JSONValue)] = [
            ("requests", .integer(Int64(stats.requests))),
            ("learned", .bool(stats.isLearned)),
            ("auth", .array((auth.isEmpty ? ["none"] : auth.labels).map(JSONValue.string))),
        ]
        if stats.firstSeen <= stats.lastSeen {
            evidence.append(("first_seen_ns", .integer(stats.firstSeen)))
            evidence.append(("last_seen_ns", .integer(stats.lastSeen)))
        }
        let sensitive = sorted.filter { !$0.value.sensitive.isEmpty }
        if !sensitive.isEmpty {
            evidence.append(("sensitive", .object(sensitive.map {
                ("\($0.key.location.rawValue).\($0.key.name)", .array($0.value.sensitive.labels.map(JSONValue.string)))
            })))
        }
        operation.append(("x-mirrorguard", .object(evidence)))
        return .object(operation)
    }

    private static func securityScheme(_ scheme: AuthSchemes, endpoint: EndpointStats) -> JSONValue {
        switch scheme {
        case .basic: return .object([("type", .string("http")), ("scheme", .string("basic"))])
        case .jwt: return .object([("type", .string("http")), ("scheme", .string("bearer")), ("bearerFormat", .string("JWT"))])
        case .cookieSession:
            let name = endpoint.parameters.keys.filter { $0.location == .cookie && RequestObservation.isSessionCookie($0.name) }
                .map(\.name).min() ?? "session"
            return .object([("type", .string("apiKey")), ("in", .string("cookie")), ("name", .string(name))])
        case .apiKey:
            let header = endpoint.parameters.keys.first { $0.location == .header && ($0.name == "x-api-key" || $0.name == "api-key" || $0.name == "x-auth-token") }
            if let header {
                return .object([("type", .string("apiKey")), ("in", .string("header")), ("name", .string(header.name))])
            }
            let query = endpoint.parameters.keys.first { $0.location == .query && ($0.name == "api_key" || $0.name == "apikey") }
            return .object([("type", .string("apiKey")), ("in", .string(query == nil ? "header" : "query")),
                            ("name", .string(query?.name ?? "authorization"))])
        default: return .object([("type", .string("http")), ("scheme", .string("bearer"))])
        }
    }

    private static func pathSchema(_ formats: ValueFormats) -> JSONValue {
        if formats.contains(.integer) { return .object([("type", .string("integer"))]) }
        var schema: [(String, JSONValue)] = [("type", .string("string"))]
        if let format = ParameterStats.stringFormats.first(where: { formats.contains($0.0) })?.1 {
            schema.append(("format", .string(format)))
        }
        return .object(schema)
    }

    /// The JSON Schema of one parameter's values.
    static func schema(_ parameter: ParameterStats, arrayWrapped: Bool = true) -> JSONValue {
        var schema: [(String, JSONValue)] = [("type", .string(parameter.type.rawValue))]
        switch parameter.type {
        case .integer, .number:
            if let minimum = parameter.minimum { schema.append(("minimum", number(minimum, parameter.type))) }
            if let maximum = parameter.maximum { schema.append(("maximum", number(maximum, parameter.type))) }
        case .string:
            if let format = parameter.stringFormat { schema.append(("format", .string(format))) }
            if let values = parameter.enumValues {
                schema.append(("enum", .array(values.map(JSONValue.string))))
            } else if parameter.values > 0 {
                schema.append(("minLength", .integer(Int64(parameter.minLength))))
                schema.append(("maxLength", .integer(Int64(parameter.maxLength))))
            }
        case .boolean:
            break
        }
        if arrayWrapped && parameter.isArray {
            return .object([("type", .string("array")), ("items", .object(schema))])
        }
        return .object(schema)
    }

    private static func number(_ value: Double, _ type: LearnedType) -> JSONValue {
        type == .integer && abs(value) < 9e15 ? .integer(Int64(value)) : .number(value)
    }

    /// Rebuilds a body's schema from its flattened parameter names (`user.emails[]`, `[].id`).
    private static func bodySchema(_ fields: [(key: ParameterKey, value: ParameterStats)], endpoint: EndpointStats,
                                   location: ParameterLocation) -> JSONValue {
        var root = SchemaNode()
        let files = Set(fields.compactMap { $0.key.name.hasSuffix(".filename") ? String($0.key.name.dropLast(9)) : nil })
        for (key, stats) in fields {
            if location == .multipart && key.name.hasSuffix(".filename") { continue }
            var leaf = schema(stats, arrayWrapped: false)
            if location == .multipart && files.contains(key.name) {
                leaf = .object([("type", .string("string")), ("contentMediaType", .string("application/octet-stream"))])
            }
            let required = endpoint.isRequired(stats)
            if location == .json {
                root.insert(components: SchemaNode.components(key.name), leaf: leaf, required: required)
            } else {
                root.insert(components: [(key.name, stats.isArray ? 1 : 0)], leaf: leaf, required: required)
            }
        }
        for file in files.sorted() where !fields.contains(where: { $0.key.name == file }) {
            root.insert(components: [(file, 0)],
                        leaf: .object([("type", .string("string")), ("contentMediaType", .string("application/octet-stream"))]),
                        required: false)
        }
        return root.json
    }
}

/// A schema under construction from flattened names.
private struct SchemaNode {
    var properties: [(String, SchemaNode)] = []
    var required: [String] = []
    var leaf: JSONValue?
    /// Array levels around this node (`a[][]` → 2).
    var arrayDepth = 0
    /// Items of a root-level array (`[].id`).
    var rootItems: [SchemaNode] = []

    /// `user.emails[]` → [("user", 0), ("emails", 1)]; `[].id` → [("", 1), ("id", 0)].
    static func components(_ name: String) -> [(String, Int)] {
        name.split(separator: ".", omittingEmptySubsequences: false).map { part in
            var base = Substring(part)
            var depth = 0
            while base.hasSuffix("[]") { base = base.dropLast(2); depth += 1 }
            return (String(base), depth)
        }
    }

    mutating func insert(components: [(String, Int)], leaf value: JSONValue, required isRequired: Bool) {
        guard let (name, depth) = components.first else { leaf = value; return }
        let rest = Array(components.dropFirst())
        if name.isEmpty && depth > 0 {
            if rootItems.isEmpty { rootItems = [SchemaNode()] }
            rootItems[0].arrayDepth = depth
            rootItems[0].insert(components: rest, leaf: value, required: false)
            return
        }
        if let index = properties.firstIndex(where: { $0.0 == name }) {
            properties[index].1.arrayDepth = max(properties[index].1.arrayDepth, depth)
            properties[index].1.insert(components: rest, leaf: value, required: false)
        } else {
            var child = SchemaNode()
            child.arrayDepth = depth
            child.insert(components: rest, leaf: value, required: false)
            properties.append((name, child))
            if isRequired && rest.isEmpty && depth == 0 { required.append(name) }
        }
    }

    var json: JSONValue {
        if let items = rootItems.first, properties.isEmpty {
            return wrap(items.inner, depth: items.arrayDepth)
        }
        return inner
    }

    /// The node's schema without its own array levels.
    private var inner: JSONValue {
        if properties.isEmpty, let leaf { return leaf }
        var object: [(String, JSONValue)] = [("type", .string("object"))]
        object.append(("properties", .object(properties.map { ($0.0, $0.1.wrap($0.1.inner, depth: $0.1.arrayDepth)) })))
        if !required.isEmpty { object.append(("required", .array(required.map(JSONValue.string)))) }
        return .object(object)
    }

    private func wrap(_ schema: JSONValue, depth: Int) -> JSONValue {
        var result = schema
        for _ in 0..<depth { result = .object([("type", .string("array")), ("items", result)]) }
        return result
    }
}
