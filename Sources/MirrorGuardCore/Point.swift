/// Which part of the request a point was taken from.
public enum PointLocation: String, Sendable, Hashable, CaseIterable {
    case path, query, header, cookie, body, trailer
}

/// A decoding step applied to reach a point's value; raw values appear in point names after `|`.
public enum DecoderStep: String, Sendable, Hashable, CaseIterable {
    /// Percent-decoding beyond the container's own (double encoding, `%uXXXX`).
    case percent
    /// HTML/XML character references (`&lt;`, `&#x3c;`).
    case html
    /// JavaScript / JSON escapes (`\u003c`, `\x3c`, `\u{3c}`).
    case unicode
    /// Base64 or base64url to printable text.
    case base64
    /// A JSON document inside the value.
    case json
    /// An XML document inside the value.
    case xml
    /// A JSON Web Token (header and payload).
    case jwt
    /// HTTP Basic credentials (`user:password`).
    case basic
    /// gzip / deflate content coding of a body.
    case gzip, deflate
}

/// Whether a point carries a value or the name (key) of one.
public enum PointRole: String, Sendable, Hashable {
    case value, key
}

/// One named value of a request: the unit detectors inspect.
public struct Point: Sendable {
    /// The value bytes after the decoders in `decoders` (invalid UTF-8 is kept as is).
    public var value: [UInt8]
    /// The request part it came from.
    public var location: PointLocation
    /// The decoders applied beyond the container's own decoding, in order.
    public var decoders: [DecoderStep]
    /// Value, or the name of a key (JSON key, query parameter name).
    public var role: PointRole
    /// The name, kept as parts until read.
    public var lazyName: LazyPointName

    /// Stable dotted name, e.g. `query.id`, `body.json.user.emails[0]`, `query.data|base64|json.cmd`.
    public var name: String { lazyName.string }

    /// Creates a point with a complete name.
    public init(name: String, value: [UInt8], location: PointLocation, decoders: [DecoderStep] = [], role: PointRole = .value) {
        self.init(lazyName: LazyPointName(name), value: value, location: location, decoders: decoders, role: role)
    }

    /// Creates a point whose name is built only when read.
    public init(lazyName: LazyPointName, value: [UInt8], location: PointLocation, decoders: [DecoderStep] = [], role: PointRole = .value) {
        self.lazyName = lazyName
        self.value = value
        self.location = location
        self.decoders = decoders
        self.role = role
    }

    /// The value for display.
    public var valueString: String { String(lossyUTF8: value) }
}

extension Point: Hashable {
    public static func == (lhs: Point, rhs: Point) -> Bool {
        lhs.value == rhs.value && lhs.location == rhs.location && lhs.decoders == rhs.decoders && lhs.role == rhs.role
            && lhs.lazyName.isSameName(as: rhs.lazyName)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(value)
        hasher.combine(location)
        hasher.combine(decoders)
        hasher.combine(role)
    }
}
