/// The inventory as JSON for the admin API and `discovery list --json`, and as text for people.
public enum InventoryReport {
    /// `[{"host":…,"endpoints":…,"requests":…,"dropped_requests":…}]`, sorted by host.
    public static func hosts(_ inventory: Inventory) -> JSONValue {
        .array(inventory.hosts.keys.sorted().map { host in
            let endpoints = inventory.endpoints(host: host)
            let data = inventory.hosts[host]
            return .object([
                ("host", .string(host)),
                ("endpoints", .integer(Int64(endpoints.count))),
                ("learned_endpoints", .integer(Int64(endpoints.filter(\.stats.isLearned).count))),
                ("requests", .integer(Int64(data?.requests ?? 0))),
                ("dropped_requests", .integer(Int64(data?.droppedRequests ?? 0))),
            ])
        })
    }

    /// Every endpoint with its parameters, types, sensitive flags and auth.
    public static func endpoints(_ endpoints: [LearnedEndpoint]) -> JSONValue {
        .array(endpoints.map { endpoint in
            let stats = endpoint.stats
            let parameters: [JSONValue] = stats.parameters.sorted { $0.key < $1.key }.map { key, parameter in
                var object: [(String, JSONValue)] = [
                    ("in", .string(key.location.rawValue)), ("name", .string(key.name)),
                    ("type", .string(parameter.type.rawValue)), ("required", .bool(stats.isRequired(parameter))),
                    ("requests", .integer(Int64(parameter.requests))),
                ]
                if let format = parameter.stringFormat { object.append(("format", .string(format))) }
                if let values = parameter.enumValues { object.append(("enum", .array(values.map(JSONValue.string)))) }
                if let minimum = parameter.minimum, let maximum = parameter.maximum {
                    object.append(("minimum", .number(minimum)))
                    object.append(("maximum", .number(maximum)))
                } else if parameter.values > 0 {
                    object.append(("min_length", .integer(Int64(parameter.minLength))))
                    object.append(("max_length", .integer(Int64(parameter.maxLength))))
                }
                if parameter.isArray { object.append(("array", .bool(true))) }
                if !parameter.sensitive.isEmpty { object.append(("sensitive", .array(parameter.sensitive.labels.map(JSONValue.string)))) }
                return .object(object)
            }
            var object: [(String, JSONValue)] = [
                ("host", .string(endpoint.host)), ("method", .string(endpoint.method)),
                ("template", .string(endpoint.template.text)), ("path", .string(endpoint.template.openAPIPath)),
                ("requests", .integer(Int64(stats.requests))), ("learned", .bool(stats.isLearned)),
                ("auth", .array(stats.auth.labels.map(JSONValue.string))),
                ("media_types", .array(stats.mediaTypes.keys.sorted().map(JSONValue.string))),
                ("parameters", .array(parameters)),
            ]
            if stats.droppedParameters > 0 { object.append(("dropped_parameters", .integer(Int64(stats.droppedParameters)))) }
            return .object(object)
        })
    }

    /// One line per endpoint: `GET /users/{id:int}  1234 requests  auth jwt  params: query.page:integer, …`.
    public static func text(_ endpoints: [LearnedEndpoint]) -> String {
        var lines: [String] = []
        var host = ""
        for endpoint in endpoints {
            if endpoint.host != host {
                host = endpoint.host
                lines.append("\(host)")
            }
            let stats = endpoint.stats
            let parameters = stats.parameters.sorted { $0.key < $1.key }.map { key, parameter in
                var text = "\(key.location.rawValue).\(key.name):\(parameter.stringFormat ?? parameter.type.rawValue)"
                if !parameter.sensitive.isEmpty { text += "[\(parameter.sensitive.labels.joined(separator: ","))]" }
                return text
            }
            let method = endpoint.method.padding(7)
            var line = "  \(method) \(endpoint.template.text)  \(stats.requests) requests\(stats.isLearned ? ", learned" : "")"
            line += "  auth \(stats.auth.labels.joined(separator: "+"))"
            if !parameters.isEmpty { line += "  " + parameters.joined(separator: " ") }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// Findings of a spec comparison as JSON.
    public static func findings(_ findings: [SpecComparison.Finding]) -> JSONValue {
        .array(findings.map { finding in
            var object: [(String, JSONValue)] = [
                ("kind", .string(finding.kind.rawValue)), ("method", .string(finding.method.uppercased())),
                ("path", .string(finding.path)),
            ]
            if let parameter = finding.parameter { object.append(("parameter", .string(parameter))) }
            object.append(("detail", .string(finding.detail)))
            return .object(object)
        })
    }

    /// Findings as text, one per line, with a count per kind at the end.
    public static func text(_ findings: [SpecComparison.Finding]) -> String {
        var lines = findings.map { finding in
            "\(finding.kind.rawValue.padding(22)) \(finding.method.uppercased().padding(7)) \(finding.path)"
                + (finding.parameter.map { "  \($0)" } ?? "") + "  (\(finding.detail))"
        }
        let counts = SpecComparison.Finding.Kind.allCases.map { kind in "\(findings.filter { $0.kind == kind }.count) \(kind.rawValue)" }
        lines.append(findings.isEmpty ? "no differences" : counts.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Pads with spaces to `width` characters (no Foundation here).
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
