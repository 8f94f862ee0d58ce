import Discovery
import Foundation
import Yams

/// Reads an OpenAPI document the user provides — JSON or YAML (JSON is YAML) — into a `JSONValue`, with
/// errors that name the source and line.
public enum SpecDocument {
    /// Deepest nesting accepted (hostile documents must not exhaust the stack).
    public static let maxDepth = 64

    public static func parse(_ text: String, source: String) throws -> JSONValue {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: source, line: nil, column: nil, message: "not a JSON or YAML document: \(error)")
        }
        guard let root else { throw ConfigurationError(file: source, line: nil, column: nil, message: "the document is empty") }
        let value = try convert(root, source: source, depth: 0)
        guard value["paths"] != nil || value["openapi"] != nil || value["swagger"] != nil else {
            throw ConfigurationError(file: source, line: 1, column: 1, message: "not an OpenAPI document: no \"openapi\" or \"paths\" key")
        }
        return value
    }

    private static func convert(_ node: Yams.Node, source: String, depth: Int) throws -> JSONValue {
        guard depth < maxDepth else {
            throw ConfigurationError(file: source, line: node.mark?.line, column: node.mark?.column,
                                     message: "nested deeper than \(maxDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            // `any` constructs the value its (resolved or explicit) tag names: quoted "42" stays a string.
            switch node.any {
            case let value as Bool: return .bool(value)
            case let value as Int: return .integer(Int64(value))
            case let value as Double: return .number(value)
            case is NSNull: return .null
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            return .object(try mapping.map { key, value in
                (key.string ?? "", try convert(value, source: source, depth: depth + 1))
            })
        case .sequence(let sequence):
            return .array(try sequence.map { try convert($0, source: source, depth: depth + 1) })
        case .alias:
            return .null
        }
    }
}
