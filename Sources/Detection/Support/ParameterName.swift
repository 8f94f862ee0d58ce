import MirrorGuardCore

extension Point {
    /// The last name component of the point, lowercased (`PointNames.parameterName`). Builds strings: read it only
    /// for values that already look like an attack on a named parameter.
    var parameterName: String { PointNames.parameterName(name) }
}
