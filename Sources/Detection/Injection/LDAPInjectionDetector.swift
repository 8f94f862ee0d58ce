import MirrorGuardCore

/// LDAP filter injection: a value that closes the application's filter and opens another —
/// `*)(uid=*))(|(uid=*`, `)(cn=*`, `admin)(|(password=*)` — or composes filters (`(|(`, `(&(`, `(!(`), read by
/// an LDAP filter grammar: `(` [`&|!`] … `attr=value` `)`.
public struct LDAPInjectionDetector: PointDetector {
    public var id: String { "ldapi.filter" }
    public var attackType: AttackType { AttackType.ldapi }

    public init() {}

    /// Parameters named after directory attributes: the application puts their values into a filter.
    static let directoryAttributes: Set<String> = [
        "uid", "cn", "sn", "dn", "ou", "dc", "samaccountname", "userprincipalname", "objectclass", "memberuid", "memberof", "givenname",
    ]

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny(.parenthesis) && (profile.hasAny(.equals) || profile.hasAny(.star) || profile.hasAny([.pipe, .ampersand]))
            || profile.hasAny(.star) && !profile.hasAny(.whitespace)
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        if let (range, reason) = find(value) {
            hits.append(Hit(type: .ldapi, point: point.name, fragment: Fragment.text(value, range), detector: id, context: "ldap-filter",
                reason: reason))
        } else if value.count <= 64, point.location != .header, !profile.hasAny([.parenthesis, .whitespace]), value.contains(0x2A),
                  Self.directoryAttributes.contains(point.parameterName) {
            hits.append(Hit(type: .ldapi, point: point.name, fragment: Fragment.text(value, 0..<value.count), detector: id, context: "ldap-filter",
                reason: "a wildcard in a parameter named after a directory attribute (`uid=admin*`)"))
        }
    }

    func find(_ value: UnsafeBufferPointer<UInt8>) -> (Range<Int>, String)? {
        if isMetacharacterProbe(value) {
            return (0..<value.count, "a probe made of LDAP filter metacharacters (`*`, `(`, `)`, `|`, `&`)")
        }
        var index = 0
        while index + 2 < value.count {
            let byte = value[index]
            if byte == ASCII.leftParen && (value[index + 1] == ASCII.pipe || value[index + 1] == ASCII.ampersand || value[index + 1] == 0x21) {
                // `(|(`, `(&(`, `(!(`: composition, then a comparison.
                var cursor = index + 2
                while cursor < value.count && value[cursor] == ASCII.space { cursor += 1 }
                if cursor < value.count && value[cursor] == ASCII.leftParen, comparison(value, cursor + 1) != nil {
                    return (index..<min(value.count, index + 40), "an LDAP filter composition `(\(Character(UnicodeScalar(value[index + 1]))))(…)`")
                }
                // `((|userPassword=*)`: a composition holding a comparison, after the value closed a filter.
                if index > 0, value[index - 1] == ASCII.leftParen || value[index - 1] == ASCII.rightParen, comparison(value, index + 2) != nil {
                    return (index..<min(value.count, index + 40), "an LDAP filter composition with a comparison after a closed filter")
                }
                // `*)(&`, `)(|`: the application's filter closed and a composition opened (the rest cut off).
                if index >= 1, value[index - 1] == ASCII.rightParen, cursor == value.count || value[cursor] == ASCII.nul {
                    return (index - 1..<value.count, "an LDAP filter closed and a composition opened `)(&`")
                }
            }
            if byte == ASCII.rightParen && value[index + 1] == ASCII.leftParen, let end = comparison(value, index + 2) {
                // `)(attr=`: the application's filter closed and another opened.
                return (index..<min(value.count, end), "an LDAP filter closed and a new comparison opened `)(attr=…`")
            }
            if byte == 0x2A && value[index + 1] == ASCII.rightParen && value[index + 2] == ASCII.rightParen {
                // `*))` ending the value (or cut by NUL), or followed by another filter.
                let after = index + 3
                if after == value.count || value[after] == ASCII.nul || value[after] == ASCII.leftParen || value[after] == ASCII.percent {
                    return (index..<min(value.count, index + 30), "a wildcard closing an LDAP filter (`*))`)")
                }
            }
            index += 1
        }
        return nil
    }

    /// `*()|&'`: a short value of nothing but LDAP filter metacharacters, with a wildcard and both parentheses —
    /// a fuzzing probe for filter injection (no text a person types looks like it).
    private func isMetacharacterProbe(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (4...16).contains(value.count) else { return false }
        var star = false, open = false, close = false, logic = false
        for byte in value {
            switch byte {
            case 0x2A: star = true
            case ASCII.leftParen: open = true
            case ASCII.rightParen: close = true
            case ASCII.pipe, ASCII.ampersand, 0x21: logic = true
            case ASCII.apostrophe, ASCII.quote, ASCII.space, 0x5C: break
            default: return false
            }
        }
        return star && open && close && logic
    }

    /// `attr=`, `attr>=`, `attr~=` at `start` (attribute: letters, digits, `-`, `;`, `.`): the end of the operator.
    private func comparison(_ value: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var cursor = start
        while cursor < value.count && value[cursor] == ASCII.space { cursor += 1 }
        let nameStart = cursor
        while cursor < value.count && (ASCII.isLetter(value[cursor]) || ASCII.isDigit(value[cursor]) || value[cursor] == ASCII.minus
            || value[cursor] == ASCII.semicolon || value[cursor] == ASCII.dot) {
            cursor += 1
        }
        guard cursor > nameStart, ASCII.isLetter(value[nameStart]), cursor < value.count else { return nil }
        if value[cursor] == ASCII.greaterThan || value[cursor] == ASCII.lessThan || value[cursor] == 0x7E { cursor += 1 }
        guard cursor < value.count, value[cursor] == ASCII.equals else { return nil }
        return cursor + 1
    }
}

/// XPath injection, reported as `ldapi` (the other directory query language): a whole value that is an XPath
/// location path from the descendant axis selecting by wildcard or predicate.
public struct XPathInjectionDetector: PointDetector {
    public var id: String { "ldapi.xpath" }
    public var attackType: AttackType { AttackType.ldapi }

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny(.slash) && profile.hasAny([.star, .bracket])
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        guard let range = Self.xpathSelection(value) else { return }
        hits.append(Hit(type: .ldapi, point: point.name, fragment: Fragment.text(value, range), detector: id, context: "xpath",
            reason: "an XPath location path selecting nodes by wildcard or predicate (`//*`, `//user[…]`)"))
    }

    /// `//*`, `//*[…]`, `//user[…]/*`: the whole value is an XPath path from the descendant axis that selects nodes
    /// by wildcard or predicate — a query-language probe, not a URL (`//cdn.test/x`), a comment (`//* note`) or a
    /// glob (`/*/*`).
    static func xpathSelection(_ value: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard value.count >= 3, value.count <= 256, value[0] == ASCII.slash, value[1] == ASCII.slash else { return nil }
        var index = 0
        var wildcard = false
        var predicate = false
        while index < value.count {
            guard value[index] == ASCII.slash else { return nil }
            index += 1
            if index < value.count, value[index] == ASCII.slash { index += 1 }
            guard index < value.count else { return nil }
            if value[index] == 0x2A {
                wildcard = true
                index += 1
            } else {
                let start = index
                while index < value.count, ASCII.isLetter(value[index]) || ASCII.isDigit(value[index]) || value[index] == 0x5F || value[index] == ASCII.minus {
                    index += 1
                }
                guard index > start else { return nil }
            }
            if index < value.count, value[index] == ASCII.leftBracket {
                guard let close = value[index...].firstIndex(of: ASCII.rightBracket) else { return nil }
                predicate = true
                index = close + 1
            }
        }
        return wildcard || predicate ? 0..<value.count : nil
    }
}
