import MirrorGuardCore

/// Values that are script on their own — for pages that place input inside a script block or an event handler
/// without quotes (`var page = VALUE;`) — and probes for how `<` survives encoding.
enum ScriptExpression {
    /// Dialog or global names examined per value; later ones are not (counted as the value's cost bound).
    static let maxCandidates = 32
    /// Functions whose call is the proof of an injection (dialogs), spelled lowercase.
    private static let sinks: [NameBuffer] = [NameBuffer("alert"), NameBuffer("prompt"), NameBuffer("confirm")]
    /// Objects whose computed members are the page's globals.
    private static let globals: [NameBuffer] = ["top", "window", "self", "parent", "frames", "this", "globalthis", "content", "opener"].map(NameBuffer.init)
    /// Globals whose members are what payloads read (`alert(document.cookie)`).
    private static let readable: [NameBuffer] = ["document", "window", "location", "origin", "name", "navigator", "localstorage"].map(NameBuffer.init)

    // MARK: - Encoded `<` probes

    /// `&#x3c`, `&#0000060;`, `&lt;`, `\x3c`, `\u003c` as the whole value: a probe for which encodings of `<` the
    /// application decodes on the way back to the page.
    static func encodedAngleProbe(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        var start = 0
        var end = value.count
        while start < end, value[start] <= 0x20 { start += 1 }
        while end > start, value[end - 1] <= 0x20 { end -= 1 }
        guard end - start >= 3, end - start <= 12 else { return nil }
        let token = UnsafeBufferPointer(rebasing: value[start..<end])
        guard isEncodedLessThan(token) else { return nil }
        return XSSMatch(finding: .encodedMarkupProbe, range: start..<end)
    }

    private static func isEncodedLessThan(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func digits(hex: Bool) -> Int? {
            var number = 0
            let first = index
            while index < token.count, index - first < 10 {
                let byte = token[index]
                if hex, let digit = ASCII.hexValue(byte) {
                    number = number * 16 + Int(digit)
                } else if !hex, ASCII.isDigit(byte) {
                    number = number * 10 + Int(byte - 0x30)
                } else {
                    break
                }
                index += 1
            }
            return index > first ? number : nil
        }
        if token[0] == ASCII.ampersand {
            index = 1
            if ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: token[1...]), "lt") {
                index = 3
            } else {
                guard index < token.count, token[index] == ASCII.hash else { return false }
                index += 1
                let hex = index < token.count && token[index] | 0x20 == 0x78
                if hex { index += 1 }
                guard digits(hex: hex) == 0x3C else { return false }
            }
            if index < token.count, token[index] == ASCII.semicolon { index += 1 }
            return index == token.count
        }
        if token[0] == ASCII.backslash, token.count >= 2 {
            // \x3c, \u003c, \u{3c}
            let marker = token[1] | 0x20
            guard marker == 0x78 || marker == 0x75 else { return false }
            index = 2
            let braced = index < token.count && token[index] == ASCII.leftBrace
            if braced { index += 1 }
            guard digits(hex: true) == 0x3C else { return false }
            if braced {
                guard index < token.count, token[index] == ASCII.rightBrace else { return false }
                index += 1
            }
            return index == token.count
        }
        return false
    }

    // MARK: - Calls of dialogs and globals

    /// A dialog called in script syntax (`alert(1)`, ``prompt`1` ``, `al\u0065rt(document.cookie)`, `(alert)(1)`,
    /// `[1].find(alert)`, `a=alert,a(1)`) or a global's computed member called (`top["al"+"ert"](1)`,
    /// `window[/al/.source+/ert/.source](1)`). Prose (`create alert(s)`, `confirm (yes/no)`) has words, not a
    /// literal, as the argument.
    static func sinkCall(_ value: UnsafeBufferPointer<UInt8>) -> XSSMatch? {
        var index = 0
        // Each candidate may scan up to a bracket's match: a value packed with `alert(` stays linear.
        var candidates = 0
        while index < value.count, candidates < maxCandidates {
            guard isNameStart(value, index), index == 0 || !isNameByte(value[index - 1]) else {
                index += 1
                continue
            }
            let nameStart = index
            var name = NameBuffer()
            index = readName(value, from: index, into: &name)
            if name.matchesAny(sinks), !followsCharacterReference(value, nameStart) {
                candidates += 1
                if let end = sinkUse(value, nameStart: nameStart, nameEnd: index) {
                    return XSSMatch(finding: .scriptCall, range: nameStart..<min(value.count, end))
                }
            } else if name.matchesAny(globals) {
                candidates += 1
                if let end = computedGlobalCall(value, from: index) {
                    return XSSMatch(finding: .scriptCall, range: nameStart..<min(value.count, end))
                }
            }
            if index == nameStart { index += 1 }
        }
        return nil
    }

    /// `&gt;alert(1)`: text after a character reference is escaped HTML shown on a page, not script.
    private static func followsCharacterReference(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        guard index > 0, value[index - 1] == ASCII.semicolon else { return false }
        var scan = index - 2
        while scan >= 0, index - scan <= 10, ASCII.isLetter(value[scan]) || ASCII.isDigit(value[scan]) || value[scan] == ASCII.hash { scan -= 1 }
        return scan >= 0 && value[scan] == ASCII.ampersand
    }

    /// Where the use of a dialog ends, if the bytes around it make it code.
    private static func sinkUse(_ value: UnsafeBufferPointer<UInt8>, nameStart: Int, nameEnd: Int) -> Int? {
        guard nameEnd < value.count else { return nil }
        let next = value[nameEnd]
        let before = previousNonBlank(value, before: nameStart)
        if next == ASCII.backquote {
            return matchingQuote(value, from: nameEnd + 1, quote: ASCII.backquote).map { $0 + 1 }
        }
        if next == ASCII.leftParen {
            guard let close = matching(value, from: nameEnd) else { return nil }
            guard isLiteralArgument(value, (nameEnd + 1)..<close) else { return nil }
            return close + 1
        }
        // `(alert)(1)`, `(0,alert)(1)`: the dialog as a value that is called.
        if next == ASCII.rightParen, nameEnd + 1 < value.count, value[nameEnd + 1] == ASCII.leftParen || value[nameEnd + 1] == ASCII.backquote,
           let before, value[before] == ASCII.leftParen || value[before] == ASCII.comma {
            return nameEnd + 2
        }
        // `[1].find(alert)`, `.map(confirm)`: the dialog handed over as a callback.
        if next == ASCII.rightParen, let before, value[before] == ASCII.leftParen, before > 0, isNameByte(value[before - 1]) {
            var scan = before - 1
            while scan > 0, isNameByte(value[scan - 1]) { scan -= 1 }
            if scan > 0, value[scan - 1] == ASCII.dot { return nameEnd + 1 }
        }
        // `a=alert,a(1)`, `x=prompt;x(1)`: the dialog assigned, then called through the name.
        if next == ASCII.comma || next == ASCII.semicolon, let before, value[before] == ASCII.equals,
           before > 0, isNameByte(value[before - 1]), containsCall(value, from: nameEnd + 1) {
            return nameEnd + 1
        }
        return nil
    }

    /// `1`, `'XSS'`, `/x/`, `` `x` ``, `document.cookie`, `String.fromCharCode(88)`, empty — one literal or member
    /// chain, not words of prose nor a message (`'Saved!'`).
    private static func isLiteralArgument(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, value[start] <= 0x20 { start += 1 }
        while end > start, value[end - 1] <= 0x20 { end -= 1 }
        guard start < end else { return true }
        let first = value[start]
        if first == ASCII.apostrophe || first == ASCII.quote || first == ASCII.backquote {
            // `alert('XSS')`, not `alert('Saved!')` in a code snippet: a proof string is one short word.
            guard let close = matchingQuote(value, from: start + 1, quote: first), close + 1 == end, close - start - 1 <= 24 else { return false }
            for index in (start + 1)..<close where !(ASCII.isLetter(value[index]) || ASCII.isDigit(value[index]) || value[index] == 0x5F) {
                return false
            }
            return true
        }
        if first == ASCII.slash {
            // A regular expression literal: `/x/`, `/x/.source`.
            return end - start >= 3 && (start + 1..<end).contains { value[$0] == ASCII.slash }
        }
        if ASCII.isDigit(first) || first == ASCII.minus || first == ASCII.plus {
            // A number, possibly with arithmetic (`1`, `1+1`, `-1`).
            for index in start..<end where !(ASCII.isDigit(value[index]) || value[index] == ASCII.dot || value[index] == ASCII.plus
                                              || value[index] == ASCII.minus || value[index] == ASCII.star) {
                return false
            }
            return true
        }
        guard isNameStart(value, start) else { return false }
        // A member chain of one of the page's globals, or a call on a constructor (`String.fromCharCode(88)`).
        var name = NameBuffer()
        let nameEnd = readName(value, from: start, into: &name)
        guard nameEnd < end, value[nameEnd] == ASCII.dot || value[nameEnd] == ASCII.leftParen else {
            return nameEnd == end && name.matchesAny(readable)
        }
        for index in start..<end where value[index] <= 0x20 { return false }
        return name.matchesAny(readable) || (value[start] >= 0x41 && value[start] <= 0x5A)
    }

    /// `[…]` (with `+`, escapes, `.source` or `toString` inside, or a quoted sink) then `(` or a backquote.
    private static func computedGlobalCall(_ value: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var index = from
        while index < value.count, value[index] <= 0x20 { index += 1 }
        guard index < value.count, value[index] == ASCII.leftBracket,
              let close = matching(value, from: index, open: ASCII.leftBracket, close: ASCII.rightBracket) else { return nil }
        let member = UnsafeBufferPointer(rebasing: value[(index + 1)..<close])
        var after = close + 1
        while after < value.count, value[after] <= 0x20 { after += 1 }
        guard after < value.count, value[after] == ASCII.leftParen || value[after] == ASCII.backquote else { return nil }
        // `window[callbackName](data)` is ordinary code; a computed name built to hide a word is not.
        let hidden = member.contains { $0 == ASCII.plus || $0 == ASCII.backslash } || ASCII.containsIgnoringCase(member, ".source")
            || ASCII.containsIgnoringCase(member, "tostring") || quotedSink(member)
        return hidden ? after + 1 : nil
    }

    /// `'alert'`, `"prompt"` as the whole member expression.
    private static func quotedSink(_ member: UnsafeBufferPointer<UInt8>) -> Bool {
        guard member.count >= 3, let quote = member.first, quote == ASCII.apostrophe || quote == ASCII.quote, member[member.count - 1] == quote else {
            return false
        }
        var name = NameBuffer()
        let end = readName(member, from: 1, into: &name)
        return end == member.count - 1 && name.matchesAny(sinks)
    }

    private static func containsCall(_ value: UnsafeBufferPointer<UInt8>, from: Int) -> Bool {
        var index = from
        while index < value.count, index - from < 32 {
            if value[index] == ASCII.leftParen || value[index] == ASCII.backquote { return index > from && isNameByte(value[index - 1]) }
            index += 1
        }
        return false
    }

    // MARK: - Names with escapes

    /// The lowercased, escape-decoded spelling of a short identifier (`al\u0065rt`, `\x61lert`, `al\145rt`).
    struct NameBuffer {
        private var bytes: (UInt64, UInt64) = (0, 0)
        private(set) var count = 0
        private(set) var overflow = false

        mutating func append(_ byte: UInt8) {
            guard count < 16 else { overflow = true; return }
            let lowered = UInt64(ASCII.lower(byte))
            if count < 8 { bytes.0 |= lowered << (8 * UInt64(count)) } else { bytes.1 |= lowered << (8 * UInt64(count - 8)) }
            count += 1
        }

        /// The buffer holding `word` (lowercase ASCII, at most 16 bytes), for comparing names as two integers.
        init(_ word: StaticString) {
            word.withUTF8Buffer { bytes in for byte in bytes { append(byte) } }
        }

        init() {}

        func matchesAny(_ words: [NameBuffer]) -> Bool {
            !overflow && words.contains { $0.count == count && $0.bytes == bytes }
        }
    }

    /// A byte of a JavaScript identifier (ASCII): letters, digits, `$`, `_`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.dollar || byte == 0x5F
    }

    private static func isNameStart(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        let byte = value[index]
        return ASCII.isLetter(byte) || byte == ASCII.dollar || byte == 0x5F
            || (byte == ASCII.backslash && index + 1 < value.count && (value[index + 1] | 0x20 == 0x75 || value[index + 1] | 0x20 == 0x78))
    }

    /// Reads a name from `from`, decoding `\uXXXX`, `\u{X}`, `\xHH` and octal `\NNN` escapes; returns its end.
    private static func readName(_ value: UnsafeBufferPointer<UInt8>, from: Int, into name: inout NameBuffer) -> Int {
        var index = from
        while index < value.count {
            let byte = value[index]
            if isNameByte(byte) {
                name.append(byte)
                index += 1
            } else if byte == ASCII.backslash, index + 1 < value.count, let (decoded, end) = escape(value, at: index) {
                name.append(decoded)
                index = end
            } else {
                break
            }
        }
        return index
    }

    private static func escape(_ value: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt8, Int)? {
        let marker = value[index + 1]
        var scan = index + 2
        var number = 0
        var count = 0
        if marker | 0x20 == 0x75 || marker | 0x20 == 0x78 {
            let braced = scan < value.count && value[scan] == ASCII.leftBrace
            if braced { scan += 1 }
            let limit = marker | 0x20 == 0x78 ? 2 : (braced ? 6 : 4)
            while scan < value.count, count < limit, let digit = ASCII.hexValue(value[scan]) {
                number = number * 16 + Int(digit)
                scan += 1
                count += 1
            }
            if braced {
                guard scan < value.count, value[scan] == ASCII.rightBrace else { return nil }
                scan += 1
            }
            guard count == limit || braced && count > 0 else { return nil }
        } else if marker >= 0x30 && marker <= 0x37 {
            scan = index + 1
            while scan < value.count, count < 3, value[scan] >= 0x30 && value[scan] <= 0x37 {
                number = number * 8 + Int(value[scan] - 0x30)
                scan += 1
                count += 1
            }
        } else {
            return nil
        }
        guard number > 0x20, number < 0x7F else { return nil }
        return (UInt8(number), scan)
    }

    // MARK: - Brackets and quotes

    private static func previousNonBlank(_ value: UnsafeBufferPointer<UInt8>, before index: Int) -> Int? {
        var scan = index - 1
        while scan >= 0, value[scan] <= 0x20 { scan -= 1 }
        return scan >= 0 ? scan : nil
    }

    /// Index of the bracket closing the one at `from`, skipping quoted strings (bounded scan).
    static func matching(_ value: UnsafeBufferPointer<UInt8>, from: Int, open: UInt8 = ASCII.leftParen, close: UInt8 = ASCII.rightParen) -> Int? {
        var depth = 0
        var index = from
        while index < value.count, index - from < 512 {
            let byte = value[index]
            if byte == ASCII.quote || byte == ASCII.apostrophe || byte == ASCII.backquote {
                guard let end = matchingQuote(value, from: index + 1, quote: byte) else { return nil }
                index = end + 1
                continue
            }
            if byte == open { depth += 1 }
            if byte == close {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    static func matchingQuote(_ value: UnsafeBufferPointer<UInt8>, from: Int, quote: UInt8) -> Int? {
        var index = from
        while index < value.count {
            if value[index] == ASCII.backslash { index += 2; continue }
            if value[index] == quote { return index }
            index += 1
        }
        return nil
    }
}
