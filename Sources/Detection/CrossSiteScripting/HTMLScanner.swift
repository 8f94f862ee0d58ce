import MirrorGuardCore
import RequestParsing

/// Why a piece of markup runs script.
enum XSSFinding: Sendable, Equatable {
    case scriptElement, embeddingElement, eventHandler, scriptURL, srcdoc, cssExpression, metaRefresh, importLink
    case scriptEndTag, jsBreakout, template, utf7Markup, scriptCall, encodedMarkupProbe, cssInjection, disguisedLink

    var reason: String {
        switch self {
        case .scriptElement: return "a <script> element"
        case .embeddingElement: return "an element that loads active content (iframe, object, embed, base, …)"
        case .eventHandler: return "an event-handler attribute"
        case .scriptURL: return "a javascript:/vbscript:/data: URL"
        case .srcdoc: return "an srcdoc document"
        case .cssExpression: return "a CSS expression or binding"
        case .metaRefresh: return "a meta http-equiv directive"
        case .importLink: return "an HTML import or a remote style sheet"
        case .scriptEndTag: return "a </script> breakout"
        case .jsBreakout: return "a JavaScript string breakout calling a function"
        case .template: return "a client-side template expression reaching the Function constructor"
        case .utf7Markup: return "UTF-7 encoded markup"
        case .scriptCall: return "a call of a dialog or of a hidden global"
        case .encodedMarkupProbe: return "an encoded `<` probing what the page decodes"
        case .cssInjection: return "CSS that breaks out of its declaration or loads a resource"
        case .disguisedLink: return "a link whose host is hidden by its spelling"
        }
    }

    /// False for findings that inject markup or probe without running script themselves.
    var runsScript: Bool {
        switch self {
        case .encodedMarkupProbe, .cssInjection, .disguisedLink, .importLink: return false
        default: return true
        }
    }
}

/// A finding and where in the value it was made.
struct XSSMatch: Sendable {
    var finding: XSSFinding
    var range: Range<Int>
}

/// An HTML tokenizer over bytes following the HTML5 states that matter for injection: data, tag open,
/// tag name, attribute name/value (double, single, unquoted), comments and bogus comments. It evaluates
/// each start tag as it goes and returns the first thing that would run script.
struct HTMLScanner {
    let bytes: UnsafeBufferPointer<UInt8>

    /// Scans from `start` in the data state.
    func scanData(from start: Int) -> XSSMatch? {
        var index = start
        while index < bytes.count {
            guard let open = firstIndex(of: ASCII.lessThan, from: index) else { return nil }
            let next = open + 1
            guard next < bytes.count else { return nil }
            let byte = bytes[next]
            if ASCII.isLetter(byte) {
                let (match, end) = startTag(at: open)
                if let match { return match }
                index = end
            } else if byte == ASCII.slash {
                if isEndTag(at: next + 1, named: "script") {
                    return XSSMatch(finding: .scriptEndTag, range: open..<min(bytes.count, next + 7))
                }
                index = next + 1
            } else if byte == 0x21 {
                // Comments and declarations: their content is scanned too (conditional comments run in old IE).
                // A comment's content is scanned on its own, then the data after `-->`: a quote inside the
                // comment must not hide a live tag after it (`<!-- <x a='--><img onerror=…>`).
                if next + 2 < bytes.count, bytes[next + 1] == ASCII.minus, bytes[next + 2] == ASCII.minus,
                   let close = Self.find(bytes, "-->", from: next + 3) {
                    let inner = HTMLScanner(bytes: UnsafeBufferPointer(rebasing: bytes[(next + 3)..<close]))
                    if let match = inner.scanData(from: 0) {
                        return XSSMatch(finding: match.finding, range: (match.range.lowerBound + next + 3)..<(match.range.upperBound + next + 3))
                    }
                    index = close + 3
                } else {
                    index = next + 1
                }
            } else if byte == ASCII.question {
                // `<?…>` is a bogus comment ending at the first `>` (HTML parsing): the data resumes after it. In
                // XML documents and old IE, a style sheet embedded in the document or from another site
                // (`<?xml-stylesheet href="#x"?>`) and `<?import implementation=…>` load code.
                let close = firstIndex(of: ASCII.greaterThan, from: next) ?? bytes.count
                if contains(next..<close, "xml-stylesheet") && (contains(next..<close, "href=\"#") || contains(next..<close, "href='#") || contains(next..<close, "//"))
                    || (contains(next..<close, "import") && contains(next..<close, "implementation")) {
                    return XSSMatch(finding: .embeddingElement, range: open..<min(bytes.count, close + 1))
                }
                index = min(close + 1, bytes.count)
            } else {
                index = next
            }
        }
        return nil
    }

    /// Last resort: `<script` as a tag anywhere in the value, even where the tokenizer saw attribute text.
    func scriptTagAnywhere() -> XSSMatch? {
        var from = 0
        while let position = Self.find(bytes, "<script", from: from) {
            let after = position + 7
            if after == bytes.count || Self.isTagSeparator(bytes[after]) {
                return XSSMatch(finding: .scriptElement, range: position..<min(bytes.count, after + 1))
            }
            from = position + 1
        }
        return nil
    }

    /// Scans attributes as if the value had just closed an attribute of some tag (attribute-value breakout),
    /// then the data that follows the tag.
    func scanAttributes(from start: Int, unquoted: Bool) -> XSSMatch? {
        var index = start
        var finding: XSSMatch?
        index = attributes(from: index, tagName: nil, requireScriptLikeHandler: unquoted) { match in
            finding = match
        }
        if let finding { return finding }
        return scanData(from: index)
    }

    // MARK: - Tags

    /// Evaluates the start tag beginning at `open` (`<` then a letter); returns a finding and where the tag ended.
    private func startTag(at open: Int) -> (XSSMatch?, Int) {
        var index = open + 1
        let nameStart = index
        while index < bytes.count, !Self.isTagSeparator(bytes[index]) { index += 1 }
        let name = nameStart..<index
        var finding: XSSMatch?
        func report(_ kind: XSSFinding) {
            if finding == nil { finding = XSSMatch(finding: kind, range: open..<min(bytes.count, index + 1)) }
        }
        if matches(name, "script") { report(.scriptElement) }
        else if matches(name, "object") || matches(name, "embed") || matches(name, "applet") || matches(name, "base") || matches(name, "frameset") || matches(name, "import")
                    || matches(name, "portal") || matches(name, "xml") || hasPrefix(name, "xsl:") {
            report(.embeddingElement)
        }
        var metaHTTPEquiv = false
        var linkImport = false
        var xmlEvent = false
        // A frame counts unless it shows a web page (`<iframe src="https://www.youtube.com/embed/…">` in rich text, or
        // an empty one); script, data and other schemes in its src are reported by the attribute checks too.
        let isFrame = matches(name, "iframe") || matches(name, "frame")
        var frameShowsWebPage = true
        var linkStylesheet = false
        var linkRemote = false
        var scriptStyle = false
        let end = attributes(from: index, tagName: name, requireScriptLikeHandler: false) { match in
            if finding == nil { finding = XSSMatch(finding: match.finding, range: open..<match.range.upperBound) }
        } onAttribute: { attributeName, value in
            // <meta http-equiv="refresh"> redirects (to javascript: too); a UTF-7 charset turns text into markup.
            if matches(name, "meta"), let value, (matches(attributeName, "http-equiv") && (contains(value, "refresh") || contains(value, "set-cookie")))
                || (matches(attributeName, "charset") && (contains(value, "utf-7") || contains(value, "utf7") || contains(value, "imap"))) { metaHTTPEquiv = true }
            if matches(name, "style"), matches(attributeName, "type"), let value, contains(value, "javascript") { scriptStyle = true }
            if isFrame, matches(attributeName, "src"), let value {
                let source = UnsafeBufferPointer(rebasing: bytes[value])
                frameShowsWebPage = ASCII.hasPrefixIgnoringCase(source, "https://") || ASCII.hasPrefixIgnoringCase(source, "http://")
            }
            if matches(name, "link"), matches(attributeName, "rel"), let value {
                if contains(value, "import") { linkImport = true }
                if contains(value, "stylesheet") { linkStylesheet = true }
            }
            // A style sheet from another site restyles the page (and reads it through selectors).
            if matches(name, "link"), matches(attributeName, "href"), let value, let url = URLReading(UnsafeBufferPointer(rebasing: bytes[value])),
               url.form == .hierarchical || url.form == .protocolRelative {
                linkRemote = true
            }
            // <meta http-equiv="Link" content="<…>; rel=stylesheet"> loads a style sheet like <link>.
            if matches(name, "meta"), matches(attributeName, "http-equiv"), let value, matches(value, "link") { metaHTTPEquiv = true }
            // XML Events: ev:handler="…" on any element, <listener event=… handler=…>, <handler ev:event=…>.
            if hasSuffix(attributeName, ":handler")
                || (matches(name, "listener") || matches(name, "handler")) && (matches(attributeName, "handler") || hasSuffix(attributeName, "event")) {
                xmlEvent = true
            }
        }
        if xmlEvent { report(.eventHandler) }
        if isFrame && !frameShowsWebPage { report(.embeddingElement) }
        if metaHTTPEquiv { report(.metaRefresh) }
        if scriptStyle { report(.scriptElement) }
        if linkImport || linkStylesheet && linkRemote { report(.importLink) }
        if finding == nil, matches(name, "style") {
            // <style> content up to </style>: expression(), javascript: URLs, @import, behaviors.
            let contentEnd = Self.find(bytes, "</style", from: end) ?? bytes.count
            if cssIsActive(end..<contentEnd) || contains(end..<contentEnd, "@import") {
                finding = XSSMatch(finding: .cssExpression, range: open..<min(contentEnd, open + Hit.maxFragmentBytes))
            } else if Self.cssIsHostile(Array(UnsafeBufferPointer(rebasing: bytes[end..<contentEnd])), inline: false) {
                finding = XSSMatch(finding: .cssInjection, range: open..<min(contentEnd, open + Hit.maxFragmentBytes))
            }
        }
        return (finding, end)
    }

    /// Reads attributes from `start` until `>` (or the end); reports dangerous ones. Returns the index after the tag.
    @discardableResult
    private func attributes(from start: Int, tagName: Range<Int>?, requireScriptLikeHandler: Bool,
                            report: (XSSMatch) -> Void, onAttribute: (Range<Int>, Range<Int>?) -> Void = { _, _ in }) -> Int {
        var index = start
        var count = 0
        while index < bytes.count, count < 256 {
            while index < bytes.count, Self.isSpace(bytes[index]) || bytes[index] == ASCII.slash { index += 1 }
            guard index < bytes.count else { break }
            if bytes[index] == ASCII.greaterThan { return index + 1 }
            let nameStart = index
            index += 1 // '=' may start a name
            while index < bytes.count, !Self.isSpace(bytes[index]), bytes[index] != ASCII.slash, bytes[index] != ASCII.greaterThan, bytes[index] != ASCII.equals { index += 1 }
            let name = nameStart..<index
            var scan = index
            while scan < bytes.count, Self.isSpace(bytes[scan]) { scan += 1 }
            let spacedEquals = scan > index
            var value: Range<Int>? = nil
            if scan < bytes.count, bytes[scan] == ASCII.equals {
                scan += 1
                while scan < bytes.count, Self.isSpace(bytes[scan]) { scan += 1 }
                if scan < bytes.count, bytes[scan] == ASCII.quote || bytes[scan] == ASCII.apostrophe || bytes[scan] == ASCII.backquote {
                    let quote = bytes[scan]
                    let valueStart = scan + 1
                    var valueEnd = valueStart
                    while valueEnd < bytes.count, bytes[valueEnd] != quote { valueEnd += 1 }
                    value = valueStart..<valueEnd
                    index = min(valueEnd + 1, bytes.count)
                } else {
                    let valueStart = scan
                    var valueEnd = valueStart
                    while valueEnd < bytes.count, !Self.isSpace(bytes[valueEnd]), bytes[valueEnd] != ASCII.greaterThan { valueEnd += 1 }
                    value = valueStart..<valueEnd
                    index = valueEnd
                }
            }
            count += 1
            onAttribute(name, value)
            // `name = value` with spaces is how program text looks; injected attributes are written `name=value`.
            if let finding = evaluate(name: name, value: value, requireScriptLikeHandler: requireScriptLikeHandler && !spacedEquals,
                                      program: requireScriptLikeHandler && spacedEquals) {
                report(XSSMatch(finding: finding, range: nameStart..<min(bytes.count, (value?.upperBound ?? index) + 1)))
                return index
            }
        }
        return index
    }

    /// The verdict on one attribute.
    private func evaluate(name: Range<Int>, value: Range<Int>?, requireScriptLikeHandler: Bool, program: Bool = false) -> XSSFinding? {
        guard let value, !value.isEmpty, !program else { return nil }
        if name.count >= 5, ASCII.lower(bytes[name.lowerBound]) == 0x6F, ASCII.lower(bytes[name.lowerBound + 1]) == 0x6E,
           name.dropFirst(2).allSatisfy({ ASCII.isLetter(bytes[$0]) }) {
            // on* handler: in a real tag any value runs; after an unquoted breakout ask for a real event and code.
            if !requireScriptLikeHandler || (looksLikeScript(value) && EventHandlerNames.contains(UnsafeBufferPointer(rebasing: bytes[name]))) {
                return .eventHandler
            }
        }
        if matches(name, "srcdoc") { return .srcdoc }
        // SVG/SMIL animation of a handler or a link: <set attributeName="onmouseover" to="alert(1)">.
        if matches(name, "attributename") {
            let target = Array(UnsafeBufferPointer(rebasing: bytes[value])).map(ASCII.lower)
            if ASCII.hasPrefixIgnoringCase(target, "on") || target.elementsEqual("href".utf8) || target.elementsEqual("xlink:href".utf8)
                || target.elementsEqual("innerhtml".utf8) { return .eventHandler }
        }
        // IE data binding renders bound data as HTML.
        if matches(name, "dataformatas"), ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: bytes[value]), "html") { return .embeddingElement }
        // Netscape JavaScript entities: src=&{alert(1)};
        if value.count > 2, bytes[value.lowerBound] == ASCII.ampersand, bytes[value.lowerBound + 1] == ASCII.leftBrace { return .scriptURL }
        let decoded = decodedAttribute(value)
        if Self.hasScriptScheme(decoded) { return .scriptURL }
        if matches(name, "style") {
            if Self.cssIsActive(decoded) { return .cssExpression }
            if Self.cssIsHostile(decoded, inline: true) { return .cssInjection }
        }
        if matches(name, "href") || matches(name, "src") || matches(name, "action") || matches(name, "formaction") || matches(name, "xlink:href"),
           Self.isDisguisedLink(decoded) {
            return .disguisedLink
        }
        return nil
    }

    /// Attribute value with character references decoded (as browsers do before using it).
    private func decodedAttribute(_ value: Range<Int>) -> [UInt8] {
        let raw = Array(UnsafeBufferPointer(rebasing: bytes[value]))
        return raw.contains(ASCII.ampersand) ? HTMLEntityDecoder.decode(raw) : raw
    }

    /// A call (`alert(1)`, ``alert`1` ``, `x.y[z](1)`), an assignment (`location=…`) or a script URL.
    private func looksLikeScript(_ value: Range<Int>) -> Bool {
        var previous: UInt8 = 0
        for index in value {
            let byte = bytes[index]
            let afterName = ASCII.isLetter(previous) || ASCII.isDigit(previous) || previous == 0x5F || previous == ASCII.dollar
                || previous == ASCII.rightBracket || previous == ASCII.rightParen
            if (byte == ASCII.leftParen || byte == ASCII.backquote || byte == ASCII.equals) && afterName { return true }
            if byte == ASCII.colon && afterName { return true }
            previous = byte
        }
        return false
    }

    // MARK: - Checks shared with other contexts

    /// `javascript:`, `vbscript:`, `livescript:`, `data:text/html`, `data:image/svg+xml`… after the
    /// whitespace and control bytes browsers ignore. Allocation-free: values with `:` are common.
    static func hasScriptScheme(_ value: [UInt8]) -> Bool {
        value.withUnsafeBufferPointer { hasScriptScheme($0) }
    }

    static func hasScriptScheme(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        // Leading junk browsers (or old ones) skip: controls, spaces, Unicode spaces, and escape text like \xE2\x80\x80.
        while index < value.count {
            let byte = value[index]
            if byte <= 0x20 || byte == 0x7F || byte >= 0x80 {
                index += 1
            } else if byte == ASCII.backslash, index + 3 < value.count, value[index + 1] | 0x20 == 0x78,
                      ASCII.hexValue(value[index + 2]) != nil, ASCII.hexValue(value[index + 3]) != nil {
                index += 4
            } else {
                break
            }
        }
        // Every scheme below starts with one of these letters: any other first byte is no script URL.
        guard index < value.count else { return false }
        switch ASCII.lower(value[index]) {
        case 0x6A, 0x76, 0x6C, 0x6D, 0x64: break // j v l m d
        default: return false
        }
        // Up to 24 significant bytes, lowercased, tabs and newlines inside the scheme skipped.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { letters in
            var count = 0
            while index < value.count, count < 24 {
                let byte = value[index]
                index += 1
                if byte <= 0x20 || byte == 0x7F { continue }
                letters[count] = ASCII.lower(byte)
                count += 1
            }
            let head = UnsafeBufferPointer(rebasing: letters[0..<count])
            func starts(_ prefix: StaticString, at offset: Int = 0) -> Bool {
                ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: head[min(offset, head.count)...]), prefix)
            }
            if starts("javascript:") && index >= value.count && isNoOpScript(head[11...]) { return false }
            if starts("javascript:") || starts("vbscript:") || starts("livescript:") || starts("mocha:") { return true }
            if starts("data:") {
                return starts("text/html", at: 5) || starts("image/svg", at: 5) || starts("application/x", at: 5)
                    || starts("text/xml", at: 5) || starts("application/xhtml", at: 5) || starts("text/javascript", at: 5)
            }
            return false
        }
    }

    /// `javascript:void(0)`, `javascript:;`: the web's no-op links (whitespace ignored).
    static func isNoOpScript<C: Collection<UInt8>>(_ body: C) -> Bool {
        let significant = body.filter { $0 > 0x20 }.map(ASCII.lower)
        guard significant.count <= 8 else { return false }
        return ["", ";", "void(0)", "void(0);", "void0", "void0;"].contains { significant.elementsEqual($0.utf8) }
    }

    private func cssIsActive(_ range: Range<Int>) -> Bool {
        Self.cssIsActive(Array(UnsafeBufferPointer(rebasing: bytes[range])))
    }

    /// CSS that runs script: `expression(`, `url(javascript:`, `behavior:`, `-moz-binding`, `@import` of a
    /// script URL; comments and backslash escapes removed first (`ex/**/pression`, `\65xpression`).
    static func cssIsActive(_ css: [UInt8]) -> Bool {
        var normalized: [UInt8] = []
        normalized.reserveCapacity(css.count)
        var index = 0
        while index < css.count {
            let byte = css[index]
            if byte == ASCII.slash, index + 1 < css.count, css[index + 1] == ASCII.star {
                index += 2
                while index + 1 < css.count, !(css[index] == ASCII.star && css[index + 1] == ASCII.slash) { index += 1 }
                index += 2
                continue
            }
            if byte == ASCII.backslash, index + 1 < css.count {
                // \65 or \000065 hex escapes; a backslash before anything else is dropped.
                var value: UInt32 = 0
                var digits = 0
                var scan = index + 1
                while scan < css.count, digits < 6, let digit = ASCII.hexValue(css[scan]) {
                    value = value << 4 | UInt32(digit)
                    digits += 1
                    scan += 1
                }
                if digits > 0 {
                    if value < 0x80 { normalized.append(ASCII.lower(UInt8(value))) }
                    index = scan
                    if index < css.count, css[index] == ASCII.space { index += 1 }
                } else {
                    index += 1
                }
                continue
            }
            if byte > 0x20 { normalized.append(ASCII.lower(byte)) }
            index += 1
        }
        return find(normalized, "expression(") != nil || find(normalized, "behavior:") != nil || find(normalized, "behaviour:") != nil
            || find(normalized, "binding:url(") != nil
            || find(normalized, "javascript:") != nil || find(normalized, "vbscript:") != nil
    }

    /// CSS written to escape where it is placed or to pull something in: in a `style` attribute, braces,
    /// brackets, escapes, comments or control characters; anywhere, `url(…)` of anything but a plain web
    /// address (`url(test.svg#a)`, `url('x;color:red;/*')`, `@font-face` sources); in a `<style>` element,
    /// brackets, comments and escapes inside a declaration's value (`color:gre/**/en`, `font-family:foo[bar`).
    /// Rich text (`font-family: Arial; color: #333`) and ordinary style sheets (comments between rules,
    /// `input[type=text]` selectors, `content: "\201C"`) have none.
    static func cssIsHostile(_ css: [UInt8], inline: Bool) -> Bool {
        var depth = 0
        var inValue = inline
        var quote: UInt8 = 0
        var index = 0
        while index < css.count {
            let byte = css[index]
            if quote != 0 {
                if byte == ASCII.backslash { index += 2; continue }
                if byte == quote { quote = 0 }
                index += 1
                continue
            }
            switch byte {
            case ASCII.quote, ASCII.apostrophe:
                // In a style sheet, strings are skipped (`content: "\201C"`); an inline style is read whole.
                if !inline { quote = byte }
            case ASCII.leftBrace:
                if inline || inValue { return true }
                depth += 1
            case ASCII.rightBrace:
                if inline { return true }
                depth = max(0, depth - 1)
                inValue = false
            case ASCII.colon where !inline && depth > 0:
                inValue = true
            case ASCII.semicolon where !inline:
                inValue = false
            case ASCII.leftBracket, ASCII.rightBracket, ASCII.backslash:
                if inValue { return true }
            case ASCII.slash where index + 1 < css.count && css[index + 1] == ASCII.star:
                if inValue { return true }
                // A comment between rules or declarations: skip it whole.
                index += 2
                while index + 1 < css.count, !(css[index] == ASCII.star && css[index + 1] == ASCII.slash) { index += 1 }
                index += 2
                continue
            case ASCII.lf, ASCII.cr, ASCII.tab, 0x0C:
                break
            case 0..<0x20, 0x7F:
                if inline { return true }
            case 0x75, 0x55:
                // url(
                if index + 3 < css.count, css[index + 1] | 0x20 == 0x72, css[index + 2] | 0x20 == 0x6C, css[index + 3] == ASCII.leftParen,
                   index == 0 || !ASCII.isLetter(css[index - 1]), !isPlainWebURL(css, from: index + 4) {
                    return true
                }
            default:
                break
            }
            index += 1
        }
        return false
    }

    /// `https://host/path.png)` or `"https://…")`: an absolute web address without CSS punctuation inside.
    private static func isPlainWebURL(_ css: [UInt8], from start: Int) -> Bool {
        var index = start
        while index < css.count, css[index] <= 0x20 { index += 1 }
        var quote: UInt8 = 0
        if index < css.count, css[index] == ASCII.quote || css[index] == ASCII.apostrophe {
            quote = css[index]
            index += 1
        }
        let rest = css[index...]
        guard ASCII.hasPrefixIgnoringCase(rest, "https://") || ASCII.hasPrefixIgnoringCase(rest, "http://") else { return false }
        while index < css.count {
            let byte = css[index]
            if quote != 0 ? byte == quote : byte == ASCII.rightParen { return true }
            if byte == ASCII.semicolon || byte <= 0x20 || byte == ASCII.rightBrace || byte == ASCII.leftBrace || byte == ASCII.star { return false }
            index += 1
        }
        return false
    }

    /// A web link whose host is spelled to hide it: an IPv4 address in hex, octal or one number
    /// (`http://1113982867/`), percent-encoded host bytes, or tabs and newlines inside the URL.
    static func isDisguisedLink(_ value: [UInt8]) -> Bool {
        value.withUnsafeBufferPointer { buffer in
            guard let url = URLReading(buffer), url.form == .hierarchical || url.form == .protocolRelative, !url.host.isEmpty else { return false }
            if url.oddities.contains(.controlInside) || url.oddities.contains(.invalidHostByte) { return true }
            let host = url.bytes[url.host]
            guard host.contains(where: ASCII.isDigit), host.allSatisfy({ ASCII.isDigit($0) || $0 == ASCII.dot || ASCII.hexValue($0) != nil || $0 | 0x20 == 0x78 })
            else { return false }
            return HostClassification(host.map(ASCII.lower)).obfuscatedNumeric
        }
    }

    private func hasPrefix(_ range: Range<Int>, _ prefix: StaticString) -> Bool {
        ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: bytes[range]), prefix)
    }

    private func hasSuffix(_ range: Range<Int>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard range.count >= count else { return false }
        return ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[(range.upperBound - count)..<range.upperBound]), suffix)
    }

    // MARK: - Helpers

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == ASCII.space || byte == ASCII.tab || byte == ASCII.lf || byte == 0x0C || byte == ASCII.cr
    }

    static func isTagSeparator(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == ASCII.slash || byte == ASCII.greaterThan
    }

    private func isEndTag(at index: Int, named name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        guard matches(index..<(index + length), name) else { return false }
        return index + length == bytes.count || Self.isTagSeparator(bytes[index + length])
    }

    func matches(_ range: Range<Int>, _ name: StaticString) -> Bool {
        ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[range]), name)
    }

    private func contains(_ range: Range<Int>, _ needle: StaticString) -> Bool {
        ASCII.containsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[range]), needle)
    }

    private func firstIndex(of byte: UInt8, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// Case-insensitive search of an ASCII literal.
    static func find(_ haystack: [UInt8], _ needle: StaticString, from start: Int = 0) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard count > 0, haystack.count >= count else { return nil }
        return needle.withUTF8Buffer { expected in
            var index = max(start, 0)
            while index + count <= haystack.count {
                if ASCII.lower(haystack[index]) == expected[0] {
                    var matched = true
                    for offset in 1..<count where ASCII.lower(haystack[index + offset]) != expected[offset] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }

    static func find(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from start: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard count > 0, haystack.count >= count else { return nil }
        return needle.withUTF8Buffer { expected in
            var index = max(start, 0)
            let first = expected[0]
            while index + count <= haystack.count {
                if ASCII.lower(haystack[index]) == first {
                    var matched = true
                    for offset in 1..<count where ASCII.lower(haystack[index + offset]) != expected[offset] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
