import MirrorGuardCore

extension Point {
    /// The last name component of the point, lowercased: `body.json.auth.redirect_uri[0]|percent` → `redirect_uri`.
    /// Builds strings: read it only for values that already look like an attack on a named parameter.
    var parameterName: String {
        var base = Substring(name)
        if let bar = base.firstIndex(of: "|") { base = base[..<bar] }
        while base.hasSuffix("]"), let open = base.lastIndex(of: "[") { base = base[..<open] }
        if let dot = base.lastIndex(of: ".") { base = base[base.index(after: dot)...] }
        return base.lowercased()
    }
}
