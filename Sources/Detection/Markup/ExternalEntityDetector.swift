import MirrorGuardCore

/// XML external entities: a document type declaration whose internal subset declares an external entity
/// (`<!ENTITY x SYSTEM "file:///etc/passwd">`) or a parameter entity (`<!ENTITY % x …>`), a DOCTYPE that
/// loads an external DTD other than the W3C's public ones, entity expansion bombs (entities referring to
/// entities), and XInclude. Applied to bodies and to XML inside any point (SOAP, SVG uploads, base64).
public struct ExternalEntityDetector: PointDetector {
    public var id: String { "xxe.dtd" }
    public var attackType: AttackType { AttackType.xxe }

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.lessThan) && (profile.hasAny(.bang) || profile.hasAny(.colon)) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        guard let (start, reason) = find(value) else { return }
        hits.append(Hit(type: .xxe, point: point.name, fragment: Fragment.text(value, start..<value.count), detector: id, context: "xml-dtd",
            reason: reason))
    }

    func find(_ value: UnsafeBufferPointer<UInt8>) -> (Int, String)? {
        var index = 0
        var entityDeclarations = 0
        var doctypeStart: Int?
        while index + 8 < value.count {
            guard value[index] == ASCII.lessThan else {
                index += 1
                continue
            }
            let rest = UnsafeBufferPointer(rebasing: value[(index + 1)...])
            if ASCII.hasPrefixIgnoringCase(rest, "!ENTITY") {
                entityDeclarations += 1
                let declaration = Self.declaration(rest)
                var cursor = 7
                while cursor < declaration.count && ASCII.isWhitespace(declaration[cursor]) { cursor += 1 }
                if cursor < declaration.count && declaration[cursor] == ASCII.percent {
                    return (doctypeStart ?? index, "a parameter entity declaration (`<!ENTITY % …>`)")
                }
                if Self.containsWord(declaration, "SYSTEM") || Self.containsWord(declaration, "PUBLIC") {
                    return (doctypeStart ?? index, "an external entity declaration (`SYSTEM`/`PUBLIC`)")
                }
                // `<!ENTITY b "&a;&a;&a;…">`: an entity made of entity references expands exponentially.
                if declaration.count(where: { $0 == ASCII.ampersand }) >= 3 {
                    return (doctypeStart ?? index, "an entity built from entity references (expansion bomb)")
                }
            } else if ASCII.hasPrefixIgnoringCase(rest, "!DOCTYPE") {
                doctypeStart = doctypeStart ?? index
                let declaration = Self.declaration(rest)
                let header = declaration.prefix { $0 != ASCII.leftBracket }
                if Self.containsWord(header, "SYSTEM") && !Self.isW3C(header) {
                    return (index, "a DOCTYPE loading an external DTD")
                }
                if Self.containsWord(header, "PUBLIC") && !Self.isW3C(header) {
                    return (index, "a DOCTYPE loading an external DTD by public id")
                }
            } else if ASCII.hasPrefixIgnoringCase(rest, "xi:include") {
                return (index, "an XInclude element")
            }
            index += 1
        }
        if entityDeclarations > 0, let doctypeStart { return (doctypeStart, "a DOCTYPE declaring entities in a request") }
        return nil
    }

    /// The declaration up to its closing `>` (or 4 KB).
    private static func declaration(_ rest: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var end = 0
        var quote: UInt8 = 0
        while end < rest.count && end < 4096 {
            let byte = rest[end]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == ASCII.quote || byte == ASCII.apostrophe {
                quote = byte
            } else if byte == ASCII.greaterThan {
                break
            }
            end += 1
        }
        return UnsafeBufferPointer(rebasing: rest[0..<end])
    }

    private static func containsWord<C: Collection<UInt8>>(_ bytes: C, _ word: StaticString) -> Bool where C.Index == Int {
        let count = word.utf8CodeUnitCount
        guard bytes.count > count else { return false }
        var index = bytes.startIndex
        while index + count <= bytes.endIndex {
            if ASCII.equalsIgnoringCase(bytes[index..<(index + count)], word)
                && (index == bytes.startIndex || ASCII.isWhitespace(bytes[index - 1]))
                && (index + count == bytes.endIndex || ASCII.isWhitespace(bytes[index + count]) || bytes[index + count] == ASCII.quote
                    || bytes[index + count] == ASCII.apostrophe) {
                return true
            }
            index += 1
        }
        return false
    }

    /// W3C public DTDs (XHTML, SVG, MathML) that browsers and parsers resolve from a catalogue, not the network.
    private static func isW3C<C: Collection<UInt8>>(_ header: C) -> Bool where C.Index == Int {
        let text = String(decoding: header, as: UTF8.self)
        return text.contains("-//W3C//") && (text.contains("http://www.w3.org/") || !text.contains("://"))
    }
}
