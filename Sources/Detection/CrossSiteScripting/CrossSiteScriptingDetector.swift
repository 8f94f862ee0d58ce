import MirrorGuardCore

/// Where an XSS value was found to run script.
enum XSSContext: String, Sendable {
    case htmlData = "html-data"
    case attributeDouble = "attribute-double-quote"
    case attributeSingle = "attribute-single-quote"
    case attributeBackquote = "attribute-backquote"
    case attributeUnquoted = "attribute-unquoted"
    case jsSingle = "js-single-quote"
    case jsDouble = "js-double-quote"
    case url
    case css
    case template
    /// The value is placed in a script without quotes (`var page = VALUE;`, an event handler).
    case script
}

/// Cross-site scripting: the value, placed in HTML text, inside an attribute value (quoted or not), inside a
/// JavaScript string, as a URL, as CSS, or in a client-side template, would run script. Plain text with `<`,
/// `>` or words like "script" does not.
public struct CrossSiteScriptingDetector: PointDetector {
    public var id: String { "xss.html" }
    public var attackType: AttackType { AttackType.xss }

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny([.lessThan, .colon, .brace, .plus]) || (profile.hasAny([.equals, .parenthesis, .backquote]) && profile.hasAny(.letter))
            || (profile.hasAny([.apostrophe, .quote, .backquote, .whitespace, .control]) && profile.hasAny([.equals, .parenthesis, .backquote]))
            || profile.hasAny([.ampersand, .backslash])
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        // Character references decode to text, never to markup: `&lt;script&gt;` is safely escaped content. Only
        // what a browser decodes before use (URLs, CSS in attributes) is checked on entity-decoded values.
        let decodedEntities = point.decoders.contains(.html)
        guard let (match, context) = decodedEntities ? recognizeDecodedEntities(value, profile: profile) : recognize(value, profile: profile) else { return }
        let fragment = Fragment.text(value, match.range)
        hits.append(Hit(type: .xss, point: point.name, fragment: fragment, detector: id, context: context.rawValue,
                        reason: "\(match.finding.reason) \(match.finding.runsScript ? "runs script from" : "is injected into") the \(context.rawValue) context"))
    }

    func recognize(_ value: UnsafeBufferPointer<UInt8>, profile: ValueProfile) -> (XSSMatch, XSSContext)? {
        let scanner = HTMLScanner(bytes: value)
        if profile.hasAny(.lessThan), let match = scanner.scanData(from: 0) ?? scanner.scriptTagAnywhere() {
            return (match, .htmlData)
        }
        if profile.hasAny(.quote), let found = Self.quoteBreakout(value, scanner: scanner, quote: ASCII.quote, attribute: .attributeDouble, script: .jsDouble) {
            return found
        }
        if profile.hasAny(.apostrophe), let found = Self.quoteBreakout(value, scanner: scanner, quote: ASCII.apostrophe, attribute: .attributeSingle, script: .jsSingle) {
            return found
        }
        if profile.hasAny(.backquote), let found = Self.quoteBreakout(value, scanner: scanner, quote: ASCII.backquote, attribute: .attributeBackquote, script: nil) {
            return found
        }
        // A handler written straight into a tag body: `onmouseover=alert(1)`.
        if profile.hasAny(.equals), let match = Self.bareHandler(value) { return (match, .attributeUnquoted) }
        // An attribute reports only with `=` and a value, the data after it only with `<`: prose has neither.
        if profile.hasAny([.whitespace, .control]), profile.hasAny([.equals, .lessThan]), let space = value.firstIndex(where: HTMLScanner.isSpace),
           let match = scanner.scanAttributes(from: space, unquoted: true) {
            return (match, .attributeUnquoted)
        }
        if profile.hasAny(.colon) {
            let start = value.firstIndex { $0 > 0x20 } ?? 0
            if HTMLScanner.hasScriptScheme(UnsafeBufferPointer(rebasing: value[start...])), Self.hasScriptBody(value) {
                return (XSSMatch(finding: .scriptURL, range: start..<value.count), .url)
            }
            if let match = Self.embeddedScriptURL(value) { return (match, .url) }
            if let match = Self.cssProperty(value) { return (match, .css) }
        }
        if profile.hasAny(.brace), let match = Self.template(value) { return (match, .template) }
        if profile.hasAny(.plus), let match = Self.utf7Markup(value) { return (match, .htmlData) }
        if profile.hasAny([.parenthesis, .backquote]), let match = ScriptExpression.sinkCall(value) { return (match, .script) }
        if profile.hasAny([.ampersand, .backslash]), let match = ScriptExpression.encodedAngleProbe(value) { return (match, .htmlData) }
        return nil
    }

    /// `+ADw-script+AD4-`: `<` in UTF-7 followed by a tag name, for pages a browser can be tricked into reading as UTF-7.
    private static func utf7Markup(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        var index = 0
        while index + 5 < value.count {
            if value[index] == ASCII.plus, value[index + 1] == 0x41, value[index + 2] == 0x44, value[index + 3] == 0x77, value[index + 4] == ASCII.minus,
               ASCII.isLetter(value[index + 5]) {
                return XSSMatch(finding: .utf7Markup, range: index..<min(value.count, index + 40))
            }
            index += 1
        }
        return nil
    }

    /// Checks for values that went through HTML entity decoding: script URLs and CSS only.
    func recognizeDecodedEntities(_ value: UnsafeBufferPointer<UInt8>, profile: ValueProfile) -> (XSSMatch, XSSContext)? {
        guard profile.hasAny(.colon) else { return nil }
        let start = value.firstIndex { $0 > 0x20 } ?? 0
        if HTMLScanner.hasScriptScheme(UnsafeBufferPointer(rebasing: value[start...])), Self.hasScriptBody(value) {
            return (XSSMatch(finding: .scriptURL, range: start..<value.count), .url)
        }
        if let match = Self.cssProperty(value) { return (match, .css) }
        return nil
    }

    /// The value closes an attribute (then adds attributes or tags) or a script string (then calls something).
    private static func quoteBreakout(_ value: UnsafeBufferPointer<UInt8>, scanner: HTMLScanner, quote: UInt8,
                                      attribute: XSSContext, script: XSSContext?) -> (XSSMatch, XSSContext)? {
        guard let position = firstIndex(of: quote, in: value) else { return nil }
        if let match = scanner.scanAttributes(from: position + 1, unquoted: false) { return (match, attribute) }
        if let script, let match = jsBreakout(value, after: position) { return (match, script) }
        return nil
    }

    private static func firstIndex(of byte: UInt8, in value: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index < value.count {
            if value[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// A script URL needs something to run: a call, a template, an assignment or encoded code.
    private static func hasScriptBody(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        let first = value.firstIndex { $0 > 0x20 } ?? 0
        if ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[first...]), "data:") { return true }
        return value.contains { $0 == ASCII.leftParen || $0 == ASCII.backquote || $0 == ASCII.equals || $0 == ASCII.percent || $0 == ASCII.backslash }
    }

    /// What an active CSS value spells (or a comment that could split it).
    private static let cssMarkers: [StaticString] = ["/*", "expression", "behavio", "binding", "script"]

    /// `prop: expression(…)`, `behavior: url(…)`, `-moz-binding: url(…)`, `url(javascript:…)` in a value.
    private static func cssProperty(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        guard value.contains(ASCII.leftParen) else { return nil }
        // Only comments (`ex/**/pression`) and escapes (`\65xpression`) hide a marker: without them, look for one
        // before normalising (and copying) the value.
        guard value.contains(ASCII.backslash) || ASCII.containsAnyIgnoringCase(value, Self.cssMarkers) else { return nil }
        let bytes = Array(value)
        guard HTMLScanner.cssIsActive(bytes) else { return nil }
        // Require CSS shape: a `:` before the active part (a property), not prose about "an expression(s)".
        let lowered = bytes.map(ASCII.lower)
        let markers: [(StaticString, Bool)] = [("expression", false), ("behavior", false), ("-moz-binding", false), ("javascript:", true), ("vbscript:", true)]
        for (marker, isScheme) in markers {
            guard let position = HTMLScanner.find(lowered, marker) else { continue }
            if lowered[..<position].contains(ASCII.colon) || isScheme && lowered[..<position].suffix(8).contains(ASCII.leftParen) {
                return XSSMatch(finding: .cssExpression, range: 0..<bytes.count)
            }
        }
        return nil
    }

    /// `';alert(1)//`, `"-alert(1)-"`, `');top['x'](1)//`: after the quote (and any closing brackets), a
    /// separator, then straight away a call, then something that ends the statement or reopens the string.
    /// Calls inside string literals (`"/".join(x)` in a code snippet) do not count.
    static func jsBreakout(_ value: UnsafeBufferPointer<UInt8>, after quote: Int) -> XSSMatch? {
        var index = quote + 1
        func skipSpace() { while index < value.count, value[index] <= 0x20 { index += 1 } }
        skipSpace()
        while index < value.count, value[index] == ASCII.rightParen || value[index] == ASCII.rightBracket || value[index] == ASCII.rightBrace {
            index += 1
            skipSpace()
        }
        guard index < value.count else { return nil }
        let separator = value[index]
        switch separator {
        case ASCII.semicolon, ASCII.comma, ASCII.plus, ASCII.minus, ASCII.star, ASCII.slash, ASCII.percent, ASCII.pipe,
             ASCII.ampersand, 0x5E, ASCII.question, ASCII.colon, ASCII.equals:
            if separator == ASCII.slash, index + 1 < value.count, value[index + 1] == ASCII.slash || value[index + 1] == ASCII.star { return nil }
            index += 1
        default:
            return nil
        }
        while index < value.count, value[index] == separator || value[index] <= 0x20 { index += 1 }
        // The callee: name(.name | [ … ])*
        let calleeStart = index
        guard index < value.count, ASCII.isLetter(value[index]) || value[index] == ASCII.dollar || value[index] == 0x5F else { return nil }
        while index < value.count {
            let byte = value[index]
            if ScriptExpression.isNameByte(byte) || byte == ASCII.dot {
                index += 1
            } else if byte == ASCII.leftBracket {
                guard let close = ScriptExpression.matching(value, from: index, open: ASCII.leftBracket, close: ASCII.rightBracket) else { return nil }
                index = close + 1
            } else {
                break
            }
        }
        guard index - calleeStart >= 2 else { return nil }
        if Self.isKeyword(value, calleeStart..<index) { return nil }
        while index < value.count, value[index] <= 0x20 { index += 1 }
        guard index < value.count, value[index] == ASCII.leftParen || value[index] == ASCII.backquote else { return nil }
        let callEnd: Int
        if value[index] == ASCII.leftParen {
            guard let close = ScriptExpression.matching(value, from: index) else {
                // Unclosed call at the end of the value: the page's own text closes nothing; still code.
                return XSSMatch(finding: .jsBreakout, range: quote..<value.count)
            }
            callEnd = close + 1
        } else {
            guard let close = ScriptExpression.matchingQuote(value, from: index + 1, quote: ASCII.backquote) else { return nil }
            callEnd = close + 1
        }
        // What follows must end the statement or reopen the string: `//`, `<!--`, `;`, `-'`, `+"`, the end.
        var rest = callEnd
        while rest < value.count, value[rest] <= 0x20 { rest += 1 }
        if rest < value.count {
            let byte = value[rest]
            let next = rest + 1 < value.count ? value[rest + 1] : 0
            let closes = byte == ASCII.semicolon || byte == value[quote] || byte == ASCII.rightBrace || byte == ASCII.rightParen
                || (byte == ASCII.slash && next == ASCII.slash) || (byte == ASCII.lessThan && next == 0x21)
                || ((byte == ASCII.minus || byte == ASCII.plus || byte == ASCII.comma || byte == ASCII.pipe || byte == ASCII.star) && (next == value[quote] || next <= 0x20))
            guard closes else { return nil }
        }
        return XSSMatch(finding: .jsBreakout, range: quote..<min(value.count, callEnd + 4))
    }

    /// Statement keywords that look like calls: `if (`, `for (`, `while (`, `function (`, `return (`.
    private static func isKeyword(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let word = UnsafeBufferPointer(rebasing: value[range])
        for keyword: StaticString in ["if", "for", "while", "switch", "catch", "function", "return", "typeof", "new", "else", "do", "with", "in", "of"] where ASCII.equalsIgnoringCase(word, keyword) {
            return true
        }
        return false
    }

    /// `on<event>=<code>` at the start of a value: an attribute for whatever tag the value lands in.
    private static func bareHandler(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        var index = 0
        while index < value.count, value[index] <= 0x20 || value[index] == ASCII.quote || value[index] == ASCII.apostrophe || value[index] == ASCII.slash { index += 1 }
        guard index + 5 < value.count, value[index] | 0x20 == 0x6F, value[index + 1] | 0x20 == 0x6E else { return nil }
        var scan = index + 2
        while scan < value.count, ASCII.isLetter(value[scan]) { scan += 1 }
        guard scan - index >= 5, EventHandlerNames.contains(UnsafeBufferPointer(rebasing: value[index..<scan])) else { return nil }
        while scan < value.count, value[scan] <= 0x20 { scan += 1 }
        guard scan < value.count, value[scan] == ASCII.equals else { return nil }
        let body = value[(scan + 1)...]
        guard body.contains(where: { $0 == ASCII.leftParen || $0 == ASCII.backquote || $0 == ASCII.equals }) else { return nil }
        return XSSMatch(finding: .eventHandler, range: index..<min(value.count, scan + 40))
    }

    /// `…?goto=javascript:alert(1)`: a script URL as the value of something inside the value.
    private static func embeddedScriptURL(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        guard HTMLScanner.find(value, "script:", from: 0) != nil else { return nil }
        let bytes = Array(value)
        var from = 0
        while let position = HTMLScanner.find(bytes, "script:", from: from) {
            from = position + 1
            guard position >= 4 else { continue }
            // java/vb/live + script:
            var schemeStart = position
            while schemeStart > 0, ASCII.isLetter(bytes[schemeStart - 1]) { schemeStart -= 1 }
            let scheme = bytes[schemeStart..<position].map(ASCII.lower)
            guard scheme.elementsEqual("java".utf8) || scheme.elementsEqual("vb".utf8) || scheme.elementsEqual("live".utf8) else { continue }
            let before = schemeStart > 0 ? bytes[schemeStart - 1] : ASCII.equals
            guard before == ASCII.equals || before == ASCII.comma || before == ASCII.leftParen || before == ASCII.quote || before == ASCII.apostrophe else { continue }
            let body = bytes[(position + 7)...]
            guard body.contains(where: { $0 == ASCII.leftParen || $0 == ASCII.backquote || $0 == ASCII.equals }), !HTMLScanner.isNoOpScript(body) else {
                continue
            }
            return XSSMatch(finding: .scriptURL, range: schemeStart..<min(bytes.count, position + 40))
        }
        return nil
    }

    /// `{{constructor.constructor('alert(1)')()}}` and friends: a template expression reaching for code.
    private static func template(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        let bytes = Array(value).map(ASCII.lower)
        guard let open = HTMLScanner.find(bytes, "{{") else { return nil }
        let close = HTMLScanner.find(bytes, "}}", from: open + 2) ?? bytes.count
        let inner = Array(bytes[(open + 2)..<close])
        let reaches = HTMLScanner.find(inner, "constructor") != nil || HTMLScanner.find(inner, "$eval") != nil
            || HTMLScanner.find(inner, "$on.") != nil || HTMLScanner.find(inner, "alert(") != nil || HTMLScanner.find(inner, "prompt(") != nil
            || HTMLScanner.find(inner, "confirm(") != nil || HTMLScanner.find(inner, "fromcharcode") != nil
        guard reaches, inner.contains(ASCII.leftParen) || HTMLScanner.find(inner, "constructor") != nil else { return nil }
        return XSSMatch(finding: .template, range: open..<min(bytes.count, close + 2))
    }
}
