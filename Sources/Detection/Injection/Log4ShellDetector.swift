import MirrorGuardCore

/// Log4Shell (CVE-2021-44228): a JNDI lookup reached by Log4j's lookup substitution, however the
/// `jndi:` is assembled. The value's `${…}` lookups are rendered the way Log4j resolves them —
/// `${lower:J}` → `j`, `${upper:n}` → `N`, `${::-d}` and `${env:X:-i}` → the default, `${date:'j'}` → `j`,
/// unknown keys → empty — innermost first, and the value is reported when a rendered lookup starts with
/// `jndi:`.
public struct Log4ShellDetector: PointDetector {
    public var id: String { "log4shell.jndi" }
    public let attackType = AttackType.log4shell

    /// Nesting depth rendered; deeper lookups are treated as their raw text.
    static let maxDepth = 16
    /// Bytes of a value rendered.
    static let maxBytes = 4096

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.dollar) && profile.hasAny(.brace) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        let bytes = UnsafeBufferPointer(rebasing: value[0..<min(value.count, Self.maxBytes)])
        var renderer = LookupRenderer(bytes)
        guard let start = renderer.findJNDI() else { return }
        hits.append(Hit(type: .log4shell, point: point.name, fragment: Fragment.text(bytes, start..<bytes.count), detector: id,
            context: "lookup", reason: "a Log4j lookup that renders to `${jndi:…}`"))
    }
}

/// Renders Log4j `${…}` lookups.
struct LookupRenderer {
    let bytes: UnsafeBufferPointer<UInt8>
    private var found: Int?

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The offset of the first lookup whose rendered key starts with `jndi:`.
    mutating func findJNDI() -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == ASCII.dollar && index > 0 && bytes[index - 1] == ASCII.dollar {
                // `$${…}` is Log4j's escape for a literal `${…}`.
                index += 2
                continue
            }
            if bytes[index] == ASCII.dollar && bytes[index + 1] == ASCII.leftBrace {
                let (_, end) = render(from: index, depth: 0)
                if let found { return found }
                index = max(end, index + 2)
                continue
            }
            index += 1
        }
        return nil
    }

    /// Renders the lookup starting at `start` (`${`); returns the text and the index after its `}`.
    private mutating func render(from start: Int, depth: Int) -> ([UInt8], Int) {
        var content: [UInt8] = []
        var index = start + 2
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.dollar && index + 1 < bytes.count && bytes[index + 1] == ASCII.leftBrace && depth < LookupRenderer.maxDepth {
                let (inner, end) = render(from: index, depth: depth + 1)
                if found != nil { return ([], end) }
                content.append(contentsOf: inner)
                index = end
                continue
            }
            if byte == ASCII.rightBrace {
                if Self.isJNDI(content) {
                    found = start
                    return ([], index + 1)
                }
                return (Self.resolve(content), index + 1)
            }
            if content.count < 256 { content.append(byte) }
            index += 1
        }
        // Unterminated: Log4j leaves it as text, but a `jndi:` prefix still says what was meant.
        if Self.isJNDI(content) { found = start }
        return ([ASCII.dollar, ASCII.leftBrace] + content, index)
    }

    static let maxDepth = Log4ShellDetector.maxDepth

    private static func isJNDI(_ content: [UInt8]) -> Bool {
        let trimmed = content.drop { ASCII.isWhitespace($0) }
        return ASCII.hasPrefixIgnoringCase(trimmed, "jndi:")
    }

    /// What Log4j substitutes for a lookup's content.
    private static func resolve(_ content: [UInt8]) -> [UInt8] {
        // `prefix:key:-default` → default (also `${::-x}`).
        if let dash = defaultMarker(content) { return Array(content[(dash + 2)...]) }
        if ASCII.hasPrefixIgnoringCase(content, "lower:") { return content.dropFirst(6).map(ASCII.lower) }
        if ASCII.hasPrefixIgnoringCase(content, "upper:") { return content.dropFirst(6).map { ASCII.isLetter($0) ? $0 & 0xDF : $0 } }
        if ASCII.hasPrefixIgnoringCase(content, "date:") { return content.dropFirst(5).filter { $0 != ASCII.apostrophe } }
        return []
    }

    private static func defaultMarker(_ content: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < content.count {
            if content[index] == ASCII.colon && content[index + 1] == ASCII.minus { return index }
            index += 1
        }
        return nil
    }
}
