import MirrorGuardCore

/// A value read as a URL the way browsers and HTTP clients resolve it, keeping every oddity an attacker
/// uses to make a filter and a client disagree: extra or backward slashes, tabs and newlines (which URL
/// parsers drop), a scheme without slashes (`http:evil.test`), a leading path before the scheme
/// (`/https://`), dotted user-info (`trusted.test@evil.test`), look-alike slashes (`〱`, `／`).
struct URLReading {
    /// How the authority was introduced.
    enum Form: Equatable {
        /// `scheme://host`.
        case hierarchical
        /// `http:host` — a special scheme without slashes.
        case schemeWithoutSlashes
        /// `//host` with no scheme.
        case protocolRelative
        /// `javascript:…`, `mailto:…`: a scheme with no authority.
        case opaque
    }

    /// Tricks found while reading.
    struct Oddities: OptionSet {
        let rawValue: UInt16
        /// Tab, CR or LF inside the URL (parsers remove them).
        static let controlInside = Oddities(rawValue: 1 << 0)
        /// A backslash among the slashes before the authority.
        static let backslash = Oddities(rawValue: 1 << 1)
        /// Three or more slashes before the authority.
        static let extraSlashes = Oddities(rawValue: 1 << 2)
        /// Slashes or other bytes before the scheme (`/https://`, `<>//`).
        static let prefixBeforeScheme = Oddities(rawValue: 1 << 3)
        /// Look-alike slash characters.
        static let lookalikeSlash = Oddities(rawValue: 1 << 4)
        /// User-info with a dot (`trusted.test@evil.test`), made to look like the host.
        static let dottedUserInfo = Oddities(rawValue: 1 << 5)
        /// Bytes not allowed in a host name (`&`, `>`, `\`, `%`, space).
        static let invalidHostByte = Oddities(rawValue: 1 << 6)
        /// Two schemes (`//https://`).
        static let nestedScheme = Oddities(rawValue: 1 << 7)
    }

    /// Longest value read as a URL.
    static let maxBytes = 2048

    private(set) var bytes: [UInt8] = []
    private(set) var scheme: Range<Int>?
    private(set) var form: Form = .opaque
    private(set) var oddities: Oddities = []
    private(set) var userInfo: Range<Int>?
    private(set) var host: Range<Int> = 0..<0
    private(set) var port: Int?
    /// The host a lax parser sees after an `@` that follows the authority (`evil\@trusted`, `x#@trusted`).
    private(set) var confusedHost: Range<Int>?
    private(set) var pathStart = 0

    /// Schemes whose URLs have an authority even without slashes (WHATWG "special" schemes).
    private static let special: [StaticString] = ["http", "https", "ftp", "ws", "wss"]

    /// Reads `value` as a URL; nil when it cannot be one (no scheme and no leading `//`).
    init?(_ value: UnsafeBufferPointer<UInt8>) {
        // Cheap check first: a URL starts, after whitespace and slashes, with a scheme or `//`.
        var first = 0
        while first < value.count && (ASCII.isWhitespace(value[first]) || value[first] < 0x20) { first += 1 }
        guard first < value.count else { return nil }
        let lead = value[first]
        guard ASCII.isLetter(lead) || lead == ASCII.slash || lead == ASCII.backslash || lead == ASCII.lessThan || lead >= 0x80 else {
            return nil
        }
        if ASCII.isLetter(lead) && !Self.hasSchemeColon(value, first) { return nil }
        clean(value, from: first)
        parse()
    }

    /// `scheme:` within the first 16 bytes (tabs and newlines inside are allowed).
    private static func hasSchemeColon(_ value: UnsafeBufferPointer<UInt8>, _ first: Int) -> Bool {
        var index = first
        while index < value.count && index - first < 24 {
            let byte = value[index]
            if byte == ASCII.colon { return index > first }
            guard ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.plus || byte == ASCII.minus || byte == ASCII.dot
                || byte == ASCII.tab || byte == ASCII.lf || byte == ASCII.cr || byte == ASCII.backslash
            else { return false }
            index += 1
        }
        return false
    }

    /// Copies the value without tabs and newlines (and their written-out forms), folding look-alike slashes.
    private mutating func clean(_ value: UnsafeBufferPointer<UInt8>, from first: Int) {
        var last = value.count
        while last > first && ASCII.isWhitespace(value[last - 1]) { last -= 1 }
        let end = min(last, first + Self.maxBytes)
        bytes.reserveCapacity(end - first)
        var index = first
        while index < end {
            let byte = value[index]
            if byte == ASCII.tab || byte == ASCII.lf || byte == ASCII.cr {
                oddities.insert(.controlInside)
                index += 1
                continue
            }
            if byte == ASCII.percent && index + 2 < end && value[index + 1] == 0x30
                && (value[index + 2] == 0x39 || value[index + 2] | 0x20 == 0x61 || value[index + 2] | 0x20 == 0x64) {
                // `%09`, `%0a`, `%0d` left encoded (double encoding): the same bytes once decoded.
                oddities.insert(.controlInside)
                index += 3
                continue
            }
            if byte == ASCII.backslash && index + 1 < end && (value[index + 1] == 0x6E || value[index + 1] == 0x72 || value[index + 1] == 0x74)
                && bytes.count < 16 && !bytes.contains(ASCII.colon) {
                // `ja\nva\tscript:` written out in a scheme.
                oddities.insert(.controlInside)
                index += 2
                continue
            }
            if byte == 0xE3 && index + 2 < end
                && ((value[index + 1] == 0x80 && (value[index + 2] == 0xB1 || value[index + 2] == 0xB5))
                    || (value[index + 1] == 0x82 && value[index + 2] == 0x9D) || (value[index + 1] == 0x83 && value[index + 2] == 0xBC)) {
                // U+3031, U+3035 (vertical kana repeat marks), U+309D, U+30FC: read as `//` by some browsers.
                oddities.insert(.lookalikeSlash)
                bytes.append(ASCII.slash)
                bytes.append(ASCII.slash)
                index += 3
                continue
            }
            if byte == 0xEF && index + 2 < end && value[index + 1] == 0xBD && value[index + 2] == 0xB0 {
                // U+FF70 (halfwidth prolonged sound mark), same trick.
                oddities.insert(.lookalikeSlash)
                bytes.append(ASCII.slash)
                bytes.append(ASCII.slash)
                index += 3
                continue
            }
            if byte == 0xEF && index + 2 < end && value[index + 1] == 0xBC && (value[index + 2] == 0x8F || value[index + 2] == 0xBC) {
                oddities.insert(.lookalikeSlash)
                bytes.append(value[index + 2] == 0x8F ? ASCII.slash : ASCII.backslash)
                index += 3
                continue
            }
            bytes.append(byte)
            index += 1
        }
    }

    /// `<scheme:…>` as prose writes a URL: a scheme right after `<` and a `>` closing it before any space.
    private func isAngleBracketed() -> Bool {
        guard bytes.count > 4, bytes[0] == ASCII.lessThan, schemeEnd(at: 1) != nil else { return false }
        for index in 1..<bytes.count {
            switch bytes[index] {
            case ASCII.greaterThan: return true
            case ASCII.space, ASCII.tab, ASCII.lf, ASCII.cr, ASCII.lessThan: return false
            default: continue
            }
        }
        return false
    }

    private func isSlash(_ index: Int) -> Bool {
        index < bytes.count && (bytes[index] == ASCII.slash || bytes[index] == ASCII.backslash)
    }

    /// The end of a `scheme:` at `start`, if one is there.
    private func schemeEnd(at start: Int) -> Int? {
        var index = start
        guard index < bytes.count, ASCII.isLetter(bytes[index]) else { return nil }
        while index < bytes.count && index - start <= 16
            && (ASCII.isLetter(bytes[index]) || ASCII.isDigit(bytes[index]) || bytes[index] == ASCII.plus || bytes[index] == ASCII.minus
                || bytes[index] == ASCII.dot) {
            index += 1
        }
        return index < bytes.count && bytes[index] == ASCII.colon ? index : nil
    }

    private mutating func parse() {
        var index = 0
        // Junk before the URL proper: `<>//evil`, `/https://evil`. A URL written in angle brackets as prose
        // does (`<https://example.org/>.`, RFC 3986 appendix C) is not junk.
        if isAngleBracketed() {
            index = 1
        }
        while index < bytes.count && (bytes[index] == ASCII.lessThan || bytes[index] == ASCII.greaterThan) {
            oddities.insert(.prefixBeforeScheme)
            index += 1
        }
        var leadingSlashes = 0
        var sawBackslash = false
        while isSlash(index) {
            if bytes[index] == ASCII.backslash { sawBackslash = true }
            leadingSlashes += 1
            index += 1
        }
        if leadingSlashes > 0, let colon = schemeEnd(at: index), isSlash(colon + 1) || isWebScheme(index..<colon) {
            // `/https://evil`, `//https://evil`.
            oddities.insert(leadingSlashes >= 2 ? [.prefixBeforeScheme, .nestedScheme] : .prefixBeforeScheme)
            leadingSlashes = 0
            sawBackslash = false
        }
        if leadingSlashes == 0, let colon = schemeEnd(at: index) {
            scheme = index..<colon
            index = colon + 1
            var slashes = 0
            while isSlash(index) {
                if bytes[index] == ASCII.backslash { sawBackslash = true }
                slashes += 1
                index += 1
            }
            if slashes >= 3 { oddities.insert(.extraSlashes) }
            if sawBackslash { oddities.insert(.backslash) }
            if slashes > 0 {
                form = .hierarchical
            } else if isSpecialScheme {
                form = .schemeWithoutSlashes
            } else {
                form = .opaque
                pathStart = index
                return
            }
            // `https://https://evil`: another scheme right after the slashes.
            if let nested = schemeEnd(at: index), isSlash(nested + 1) { oddities.insert(.nestedScheme) }
        } else if leadingSlashes >= 2 {
            form = .protocolRelative
            if leadingSlashes >= 3 { oddities.insert(.extraSlashes) }
            if sawBackslash { oddities.insert(.backslash) }
        } else {
            // `/path` or `\x`: a relative reference, no authority.
            form = .opaque
            scheme = nil
            pathStart = index
            host = index..<index
            return
        }
        parseAuthority(from: index)
    }

    private var isSpecialScheme: Bool {
        guard let scheme else { return false }
        return Self.special.contains { ASCII.equalsIgnoringCase(bytes[scheme], $0) }
    }

    private func isWebScheme(_ range: Range<Int>) -> Bool {
        ASCII.equalsIgnoringCase(bytes[range], "http") || ASCII.equalsIgnoringCase(bytes[range], "https")
    }

    private mutating func parseAuthority(from start: Int) {
        // `// comment`, `http:// x`: no URL parser takes whitespace as a host.
        guard start < bytes.count, !ASCII.isWhitespace(bytes[start]) else {
            form = .opaque
            pathStart = start
            host = start..<start
            return
        }
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == ASCII.slash || byte == ASCII.backslash || byte == ASCII.question || byte == ASCII.hash || byte == ASCII.space { break }
            end += 1
        }
        pathStart = end
        var hostStart = start
        if let at = bytes[start..<end].lastIndex(of: ASCII.at) {
            userInfo = start..<at
            hostStart = at + 1
            if bytes[start..<at].contains(ASCII.dot) && !bytes[start..<at].contains(ASCII.colon) { oddities.insert(.dottedUserInfo) }
        }
        var hostEnd = end
        if hostStart < end && bytes[hostStart] == ASCII.leftBracket {
            if let close = bytes[hostStart..<end].firstIndex(of: ASCII.rightBracket) {
                hostEnd = close + 1
                if hostEnd < end && bytes[hostEnd] == ASCII.colon { port = Bytes.decimalValue(bytes[(hostEnd + 1)..<end]) }
            }
        } else if let colon = bytes[hostStart..<end].firstIndex(of: ASCII.colon) {
            let digits = bytes[(colon + 1)..<end].prefix(while: ASCII.isDigit)
            hostEnd = colon
            port = digits.isEmpty ? nil : Bytes.decimalValue(digits)
        }
        host = hostStart..<hostEnd
        // `host#@trusted`, `host?@trusted`, `host\@trusted`: an `@` right after the authority, before any path,
        // that a filter may read as user-info.
        var after = end
        while after < bytes.count && bytes[after] != ASCII.slash {
            if bytes[after] == ASCII.at {
                oddities.insert(.dottedUserInfo)
                var confusedEnd = after + 1
                while confusedEnd < bytes.count && bytes[confusedEnd] != ASCII.slash && bytes[confusedEnd] != ASCII.backslash
                    && bytes[confusedEnd] != ASCII.question && bytes[confusedEnd] != ASCII.hash {
                    confusedEnd += 1
                }
                confusedHost = (after + 1)..<confusedEnd
                break
            }
            after += 1
        }
        for byte in bytes[host] where !(ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.dot || byte == ASCII.minus
            || byte == 0x5F || byte == ASCII.colon || byte == ASCII.leftBracket || byte == ASCII.rightBracket || byte >= 0x80) {
            oddities.insert(.invalidHostByte)
            break
        }
    }

    /// The scheme, lowercased.
    var schemeName: String {
        guard let scheme else { return "" }
        return String(decoding: bytes[scheme].map(ASCII.lower), as: UTF8.self)
    }

    /// The host, lowercased, without a trailing dot.
    var hostBytes: [UInt8] {
        var result = bytes[host].map(ASCII.lower)
        if result.last == ASCII.dot { result.removeLast() }
        return result
    }

    /// The confused host, lowercased, without a port.
    var confusedHostBytes: [UInt8]? {
        guard let confusedHost else { return nil }
        var result = bytes[confusedHost].map(ASCII.lower)
        if result.first != ASCII.leftBracket, let colon = result.firstIndex(of: ASCII.colon) { result.removeSubrange(colon...) }
        return result
    }

    /// True when the URL has an authority at all.
    var hasAuthority: Bool { form != .opaque }
}
