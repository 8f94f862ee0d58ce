/// A path template rendered from a route through the tree: `/users/{id:int}/orders/{orderId:uuid}` for
/// people, `/users/{id}/orders/{orderId}` for OpenAPI, with each parameter's name and formats.
public struct PathTemplate: Sendable, Hashable {
    /// A path parameter of the template.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var formats: ValueFormats
        /// Short type label: `int`, `uuid`, `hex`, `date`, `datetime`, `email`, `ip`, `jwt`, `token`, `slug`, `string`.
        public var label: String
    }

    public var steps: [RouteStep]
    public var parameters: [Parameter]

    /// Names each parameter: the first `id`, later ones after the literal before them (`orders` → `orderId`).
    public init(route: [RouteStep]) {
        steps = route
        var parameters: [Parameter] = []
        var previous: String?
        for step in route {
            switch step {
            case .literal(let segment):
                previous = segment
            case .parameter(let formats):
                var name = parameters.isEmpty ? "id" : Self.name(after: previous)
                var suffix = 2
                let base = name
                while parameters.contains(where: { $0.name == name }) { name = "\(base)\(suffix)"; suffix += 1 }
                parameters.append(Parameter(name: name, formats: formats, label: Self.label(formats)))
                previous = nil
            }
        }
        self.parameters = parameters
    }

    /// `/users/{id:int}`: the form shown to people and stored with events.
    public var text: String { render(typed: true) }

    /// `/users/{id}`: the OpenAPI path key.
    public var openAPIPath: String { render(typed: false) }

    private func render(typed: Bool) -> String {
        if steps.isEmpty { return "/" }
        var result = ""
        var index = 0
        for step in steps {
            result += "/"
            switch step {
            case .literal(let segment): result += segment
            case .parameter:
                let parameter = parameters[index]
                result += typed ? "{\(parameter.name):\(parameter.label)}" : "{\(parameter.name)}"
                index += 1
            }
        }
        return result
    }

    private static func name(after literal: String?) -> String {
        guard var word = literal, !word.isEmpty, word.utf8.allSatisfy({ ($0 | 0x20) &- 0x61 < 26 || $0 == 0x5F || $0 == 0x2D }),
              word.utf8.count <= 32 else { return "param" }
        word = word.lowercased().replacing("-", with: "_")
        if word.hasSuffix("ies") { word = String(word.dropLast(3)) + "y" }
        else if word.hasSuffix("sses") { word = String(word.dropLast(2)) }
        else if word.hasSuffix("s") && !word.hasSuffix("ss") { word = String(word.dropLast()) }
        return word + "Id"
    }

    /// The short type label of a path parameter's formats.
    public static func label(_ formats: ValueFormats) -> String {
        let order: [(ValueFormats, String)] = [
            (.integer, "int"), (.uuid, "uuid"), (.dateTime, "datetime"), (.date, "date"), (.email, "email"),
            (.ipv4, "ip"), (.hex, "hex"), (.jwt, "jwt"), (.base64, "token"), (.mixedSlug, "slug"),
        ]
        return order.first { formats.contains($0.0) }?.1 ?? "string"
    }
}
