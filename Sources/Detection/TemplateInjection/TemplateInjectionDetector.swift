import MirrorGuardCore

/// Server-side template injection. Finds template expressions in every engine's delimiters — `{{ }}`
/// (Jinja2, Twig, Handlebars, Angular), `${ }` (Freemarker, Mako, EL, Thymeleaf), `#{ }`, `*{ }`, `@( )`
/// (Razor), `{% %}`, `<%= %>` (ERB, JSP), `{$ }` and `{php}` (Smarty), `<#…>` / `[#…]` (Freemarker
/// directives), `#set(` (Velocity), `__${…}__` (Thymeleaf preprocessing) — and reports the ones whose content
/// evaluates rather than names data: arithmetic on literals (`7*7`), dunder attributes (`__class__`), the
/// engines' sensitive objects used as more than a property (`config.items()`, `self`, `request|attr(…)`),
/// reflection (`getClass`, `T(java.lang.Runtime)`, `?new()`), methods called on literals (`''.__class__`).
/// `{{ user.name }}` and `${price}` stay data.
public struct TemplateInjectionDetector: PointDetector {
    public var id: String { "ssti.template" }
    public var attackType: AttackType { AttackType.ssti }

    /// Bytes of an expression examined.
    static let maxExpressionBytes = 512
    /// Expressions examined per value.
    static let maxExpressions = 32

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny([.brace, .bracket]) || (profile.hasAny(.lessThan) && profile.hasAny([.percent, .hash]))
            || (profile.hasAny(.at) && profile.hasAny(.parenthesis)) || (profile.hasAny(.hash) && profile.hasAny(.parenthesis))
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        guard let (range, reason) = find(value) else { return }
        hits.append(Hit(type: .ssti, point: point.name, fragment: Fragment.text(value, range), detector: id, context: "template", reason: reason))
    }

    func find(_ value: UnsafeBufferPointer<UInt8>) -> (Range<Int>, String)? {
        var index = 0
        var examined = 0
        while index + 1 < value.count && examined < Self.maxExpressions {
            let byte = value[index]
            let next = value[index + 1]
            var open = 0
            var close: [UInt8] = []
            switch byte {
            case ASCII.leftBrace where next == ASCII.leftBrace:
                open = 2
                close = [ASCII.rightBrace, ASCII.rightBrace]
            case ASCII.leftBrace where next == ASCII.percent:
                open = 2
                close = [ASCII.percent, ASCII.rightBrace]
            case ASCII.leftBrace where next == ASCII.dollar:
                open = 1
                close = [ASCII.rightBrace]
            case ASCII.dollar where next == ASCII.leftBrace, ASCII.hash where next == ASCII.leftBrace, 0x2A where next == ASCII.leftBrace:
                open = 2
                close = [ASCII.rightBrace]
            case ASCII.at where next == ASCII.leftParen:
                open = 2
                close = [ASCII.rightParen]
            case ASCII.lessThan where next == ASCII.percent:
                open = index + 2 < value.count && (value[index + 2] == ASCII.equals || value[index + 2] == 0x2D) ? 3 : 2
                close = [ASCII.percent, ASCII.greaterThan]
            case ASCII.leftBracket where next == ASCII.leftBracket:
                open = 2
                close = [ASCII.rightBracket, ASCII.rightBracket]
            case ASCII.lessThan where next == ASCII.hash, ASCII.leftBracket where next == ASCII.hash:
                if let reason = Self.freemarkerDirective(value, index) { return (index..<min(value.count, index + 60), reason) }
            case ASCII.leftBrace where next == 0x70 || next == 0x50:
                if ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[index...]), "{php}") {
                    return (index..<min(value.count, index + 40), "a Smarty `{php}` block")
                }
            case ASCII.hash where next == 0x73 || next == 0x53:
                if ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[index...]), "#set(")
                    || ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[index...]), "#set (") {
                    return (index..<min(value.count, index + 60), "a Velocity `#set` directive")
                }
            default:
                break
            }
            guard open > 0 else {
                index += 1
                continue
            }
            examined += 1
            let start = index + open
            let limit = min(value.count, start + Self.maxExpressionBytes)
            var end = start
            var depth = 0
            while end < limit {
                let current = value[end]
                if current == ASCII.leftBrace || current == ASCII.leftParen { depth += 1 }
                if depth == 0 && current == close[0] && (close.count == 1 || (end + 1 < value.count && value[end + 1] == close[1])) { break }
                if current == ASCII.rightBrace || current == ASCII.rightParen { depth = max(0, depth - 1) }
                end += 1
            }
            let expression = UnsafeBufferPointer(rebasing: value[start..<end])
            // `<% … %>` scriptlets count as ERB/JSP output only in the `<%=` form.
            let opener = byte == ASCII.lessThan && open == 2 ? 0 : byte
            if let reason = TemplateExpression(expression).verdict(opener: opener) {
                return (index..<min(value.count, end + close.count), reason)
            }
            index += 1
        }
        return nil
    }

    /// `<#assign`, `[#assign`, `<#include`, … — Freemarker directives that define or run code.
    private static func freemarkerDirective(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> String? {
        let rest = UnsafeBufferPointer(rebasing: value[(index + 2)...])
        for directive: StaticString in ["assign", "global", "local", "include", "import", "function", "macro", "list", "attempt"]
        where ASCII.hasPrefixIgnoringCase(rest, directive) {
            let after = directive.utf8CodeUnitCount
            if after < rest.count && (ASCII.isWhitespace(rest[after]) || rest[after] == ASCII.greaterThan) {
                return "a Freemarker `#\(directive)` directive"
            }
        }
        return nil
    }
}

/// The content of one template expression, tokenised just enough to tell evaluation from data.
struct TemplateExpression {
    let bytes: UnsafeBufferPointer<UInt8>

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Objects the engines expose that reach configuration, the request or the runtime.
    private static let sensitiveRoots: [StaticString] = [
        "config", "self", "request", "app", "cycler", "joiner", "namespace", "lipsum", "url_for", "get_flashed_messages", "settings",
        "_self", "smarty", "session", "range", "dict", "object", "application", "context", "_context", "env", "environment",
    ]
    /// Names that reach the runtime even as plain property access (`{{string.constructor}}`).
    private static let strongNames: [StaticString] = ["constructor", "getclass", "forname", "getruntime", "subclasses", "mro", "__proto__"]
    /// Roots whose every property is configuration or internals (`{{ settings.SECRET_KEY }}`).
    private static let secretRoots: [StaticString] = ["config", "settings", "self", "_self", "_context", "smarty"]
    /// Names that mean reflection or execution wherever they appear in an expression.
    private static let dangerousNames: [StaticString] = [
        "getclass", "forname", "getruntime", "processbuilder", "scriptenginemanager", "getenginebyname", "newinstance", "exec",
        "popen", "system", "subprocess", "os", "subclasses", "mro", "constructor", "execute", "getenv", "classloader", "getmethod",
        "invoke", "eval", "import", "dump", "include", "source", "registerundefinedfiltercallback", "getfilter", "passthru", "shell_exec",
        "file_get_contents", "readfile", "attr", "globals", "builtins", "filter", "map",
    ]

    func verdict(opener: UInt8) -> String? {
        var index = 0
        while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        if opener == ASCII.leftBrace && ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: bytes[index...]), "$smarty.") {
            return "Smarty's `$smarty` object"
        }
        // Freemarker `?new()`, SpEL `T(`.
        if contains("?new(") { return "Freemarker `?new()` instantiates a class" }
        if bytes[index] == 0x54 && index + 1 < bytes.count && bytes[index + 1] == ASCII.leftParen { return "a SpEL type reference `T(…)`" }
        if isArithmeticOnLiterals(from: index) { return "arithmetic on literals that the engine evaluates" }
        var tokens = 0
        var rootIsSensitive = false
        var sensitiveCalled = false
        var strong = false
        var secretAccess = false
        var leadingCall = false
        var calls = 0
        var filters = 0
        var dunder = false
        var dangerous = false
        var literalReceiver = false
        var previousWasLiteral = false
        while index < bytes.count && tokens < 64 {
            let byte = bytes[index]
            if ASCII.isLetter(byte) || byte == 0x5F {
                var end = index
                while end < bytes.count && (ASCII.isLetter(bytes[end]) || ASCII.isDigit(bytes[end]) || bytes[end] == 0x5F) { end += 1 }
                let name = UnsafeBufferPointer(rebasing: bytes[index..<end])
                if name.count >= 4 && name[0] == 0x5F && name[1] == 0x5F && name[name.count - 1] == 0x5F && name[name.count - 2] == 0x5F {
                    dunder = true
                }
                let isMember = index > 0 && bytes[index - 1] == ASCII.dot
                if isMember && tokens > 0 && Self.strongNames.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) { strong = true }
                if !isMember && end < bytes.count && bytes[end] == ASCII.dot
                    && Self.secretRoots.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) {
                    secretAccess = true
                }
                if !isMember && Self.sensitiveRoots.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) {
                    if tokens == 0 { rootIsSensitive = true }
                    // `config.items()`, `request.application.__globals__`: a method called on the object.
                    if Self.callsMethod(bytes, from: end) { sensitiveCalled = true }
                }
                if Self.dangerousNames.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) {
                    if tokens > 0 { dangerous = true } else if end < bytes.count && bytes[end] == ASCII.leftParen { leadingCall = true }
                }
                if previousWasLiteral && index > 0 && bytes[index - 1] == ASCII.dot { literalReceiver = true }
                previousWasLiteral = false
                tokens += 1
                index = end
                continue
            }
            switch byte {
            case ASCII.leftParen:
                calls += 1
                if index > 0 && (bytes[index - 1] == ASCII.rightParen || bytes[index - 1] == ASCII.rightBracket) { calls += 1 }
            case ASCII.pipe:
                filters += 1
            case ASCII.apostrophe, ASCII.quote:
                // A string literal: skip it; a method right after it is called on a literal.
                var end = index + 1
                while end < bytes.count && bytes[end] != byte { end += 1 }
                let literal = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<min(end, bytes.count)])
                if literal.count >= 4 && literal.starts(with: [0x5F, 0x5F]) { dunder = true }
                index = end + 1
                previousWasLiteral = true
                tokens += 1
                continue
            case ASCII.rightBracket, ASCII.rightParen:
                // `[]`, `()` as receivers.
                if index > 0 && (bytes[index - 1] == ASCII.leftBracket || bytes[index - 1] == ASCII.leftParen) && tokens == 0 {
                    previousWasLiteral = true
                    index += 1
                    continue
                }
            case ASCII.dot:
                index += 1
                continue
            default:
                break
            }
            previousWasLiteral = false
            index += 1
        }
        if dunder { return "a dunder attribute (`__class__`-style) reaching Python internals" }
        if sensitiveCalled { return "a method called on the engine's internal objects" }
        if strong { return "a property that reaches the runtime (`constructor`, `getClass`)" }
        if secretAccess { return "the engine's configuration or internals read in a template expression" }
        if leadingCall { return "a template function that reads or runs code" }
        // ERB / JSP: code, not a variable, between `<%=` and `%>`.
        if opener == ASCII.lessThan && (calls > 0 || bytes.contains(ASCII.backquote)) { return "code inside `<% %>`" }
        if literalReceiver && calls > 0 { return "a method called on a literal to reach the runtime" }
        if dangerous && (calls > 0 || filters > 0 || rootIsSensitive) { return "reflection or execution inside a template expression" }
        if rootIsSensitive && (calls > 0 || filters > 0 || tokens == 1) { return "the engine's internal objects used inside a template expression" }
        return nil
    }

    /// `.name(` (through a chain of `.name`) after `end`.
    private static func callsMethod(_ bytes: UnsafeBufferPointer<UInt8>, from end: Int) -> Bool {
        var index = end
        while index < bytes.count && bytes[index] == ASCII.dot {
            index += 1
            let start = index
            while index < bytes.count && (ASCII.isLetter(bytes[index]) || ASCII.isDigit(bytes[index]) || bytes[index] == 0x5F) { index += 1 }
            if index == start { return false }
            if index < bytes.count && bytes[index] == ASCII.leftParen { return true }
        }
        return false
    }

    private func contains(_ needle: StaticString) -> Bool {
        ASCII.containsIgnoringCase(bytes, needle)
    }

    /// `7*7`, `7*'7'`, `3 + 3`, `1-1`: two literals joined by an arithmetic operator, and nothing else.
    private func isArithmeticOnLiterals(from start: Int) -> Bool {
        var index = start
        func literal() -> Bool {
            while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return false }
            var quote: UInt8 = 0
            if bytes[index] == ASCII.apostrophe || bytes[index] == ASCII.quote {
                quote = bytes[index]
                index += 1
            }
            let digitsStart = index
            while index < bytes.count && ASCII.isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart else { return false }
            if quote != 0 {
                guard index < bytes.count && bytes[index] == quote else { return false }
                index += 1
            }
            while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
            return true
        }
        guard literal(), index < bytes.count else { return false }
        let op = bytes[index]
        guard op == 0x2A || op == ASCII.plus || op == ASCII.minus || op == ASCII.slash || op == ASCII.percent else { return false }
        index += 1
        guard literal() else { return false }
        return index == bytes.count
    }
}
