import MirrorGuardCore

/// NoSQL (MongoDB) injection: query operators where the application expects a scalar — in parameter names
/// (`user[$ne]=`), JSON keys (`{"$gt": ""}`) or values written as objects (`{$ne: 1}`, `', $where: '1 == 1'`)
/// — and JavaScript injected into `$where` / `mapReduce` strings: `this.password.match(`, `return true`,
/// `sleep(5000)`, literal equalities (`'a'=='a'`), `db.collection.method(`.
public struct NoSQLInjectionDetector: PointDetector {
    public var id: String { "nosqli.operator" }
    public var attackType: AttackType { AttackType.nosqli }

    public init() {}

    /// MongoDB query and aggregation operators that change what a filter matches or run code.
    static let operators: [StaticString] = [
        "ne", "eq", "gt", "gte", "lt", "lte", "in", "nin", "regex", "where", "expr", "exists", "or", "and", "not", "nor",
        "elemmatch", "all", "size", "type", "mod", "text", "function", "accumulator", "comment", "jsonschema", "lookup",
    ]

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny(.dollar) || (profile.hasAny(.equals) && profile.hasAny([.apostrophe, .quote, .pipe, .ampersand, .semicolon]))
            || (profile.hasAny(.dot) && profile.hasAny(.parenthesis)) || (profile.hasAny(.semicolon) && profile.hasAny(.letter))
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        var found: (Range<Int>, String)?
        if profile.hasAny(.dollar) { found = operatorUse(value, isKey: point.role == .key) }
        if found == nil { found = javascript(value) }
        guard let (range, reason) = found else { return }
        hits.append(Hit(type: .nosqli, point: point.name, fragment: Fragment.text(value, range), detector: id, context: "query", reason: reason))
    }

    /// `$op` as a key (`[$ne]`, `"$gt":`, `{$where:`) or as a whole key name.
    func operatorUse(_ value: UnsafeBufferPointer<UInt8>, isKey: Bool) -> (Range<Int>, String)? {
        var index = 0
        while index < value.count {
            guard value[index] == ASCII.dollar else {
                index += 1
                continue
            }
            let nameStart = index + 1
            var end = nameStart
            while end < value.count && ASCII.isLetter(value[end]) { end += 1 }
            let name = UnsafeBufferPointer(rebasing: value[nameStart..<end])
            if !name.isEmpty && Self.operators.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) {
                let before: UInt8 = index > 0 ? value[index - 1] : 0
                var after = end
                if after < value.count && (value[after] == ASCII.quote || value[after] == ASCII.apostrophe) { after += 1 }
                while after < value.count && value[after] == ASCII.space { after += 1 }
                let next: UInt8 = after < value.count ? value[after] : 0
                let structural = before == ASCII.leftBracket || before == ASCII.leftBrace || before == ASCII.quote || before == ASCII.apostrophe
                    || before == ASCII.comma || before == ASCII.space || before == 0
                let keyLike = next == ASCII.rightBracket || next == ASCII.colon || (isKey && next == 0 && index == 0)
                if structural && keyLike {
                    return (index..<min(value.count, end + 24), "the MongoDB operator `$\(String(decoding: name, as: UTF8.self))` where a value was expected")
                }
            }
            index = max(end, index + 1)
        }
        return nil
    }

    /// JavaScript meant for `$where`: member access on `this`, `return` of a constant, `sleep(n)`, literal
    /// equality with `==`, or `db.<collection>.<method>(`.
    func javascript(_ value: UnsafeBufferPointer<UInt8>) -> (Range<Int>, String)? {
        if let loop = delayLoopAfterBreakout(value) { return loop }
        var index = 0
        while index < value.count {
            let byte = value[index]
            // Only `this.`, `return`, `sleep(`, `db.` and literals start a finding: other bytes are passed at once.
            let lowered = byte | 0x20
            guard lowered == 0x74 || lowered == 0x72 || lowered == 0x73 || byte == 0x64 || byte == ASCII.apostrophe || byte == ASCII.quote
                || ASCII.isDigit(byte) else {
                index += 1
                continue
            }
            let rest = UnsafeBufferPointer(rebasing: value[index...])
            let boundary = index == 0 || !(ASCII.isLetter(value[index - 1]) || ASCII.isDigit(value[index - 1]) || value[index - 1] == 0x5F)
            if boundary && (byte == 0x74 || byte == 0x54) && rest.starts(with: "this.".utf8) && precededByQuoteBreakout(value, index) {
                var cursor = 5
                while cursor < rest.count && (ASCII.isLetter(rest[cursor]) || ASCII.isDigit(rest[cursor]) || rest[cursor] == 0x5F) { cursor += 1 }
                let tail = UnsafeBufferPointer(rebasing: rest[cursor...])
                if ASCII.hasPrefixIgnoringCase(tail, ".match(") || ASCII.hasPrefixIgnoringCase(tail, "==") || ASCII.hasPrefixIgnoringCase(tail, "!=")
                    || ASCII.hasPrefixIgnoringCase(tail, " ==") {
                    return (index..<min(value.count, index + 60), "JavaScript comparing a document field (`this.…`) for `$where`")
                }
            }
            if boundary && (byte == 0x72 || byte == 0x52) && rest.starts(with: "return".utf8) && precededByStatementBreak(value, index)
                && (index <= 12 || value[..<index].contains(where: { $0 == ASCII.apostrophe || $0 == ASCII.quote })) {
                var cursor = 6
                while cursor < rest.count && (rest[cursor] == ASCII.space || rest[cursor] == ASCII.leftParen) { cursor += 1 }
                let tail = UnsafeBufferPointer(rebasing: rest[cursor...])
                if ASCII.hasPrefixIgnoringCase(tail, "true") || ASCII.hasPrefixIgnoringCase(tail, "1") || isLiteralEquality(tail) {
                    return (index..<min(value.count, index + 40), "JavaScript `return` of a constant condition for `$where`")
                }
            }
            if boundary && (byte == 0x73 || byte == 0x53) && rest.starts(with: "sleep(".utf8) && precededByStatementBreak(value, index) {
                return (index..<min(value.count, index + 20), "a JavaScript `sleep()` for time-based `$where` injection")
            }
            if boundary && byte == 0x64 && rest.starts(with: "db.".utf8) {
                var cursor = 3
                while cursor < rest.count && (ASCII.isLetter(rest[cursor]) || ASCII.isDigit(rest[cursor]) || rest[cursor] == 0x5F) { cursor += 1 }
                if cursor > 3 && cursor < rest.count && rest[cursor] == ASCII.dot {
                    var method = cursor + 1
                    while method < rest.count && ASCII.isLetter(rest[method]) { method += 1 }
                    if method > cursor + 1 && method < rest.count && rest[method] == ASCII.leftParen {
                        return (index..<min(value.count, index + 60), "a MongoDB shell call `db.<collection>.<method>(`")
                    }
                }
            }
            if (byte == ASCII.apostrophe || byte == ASCII.quote || ASCII.isDigit(byte)) && boundary, isLiteralEquality(rest),
                precededByStatementBreak(value, index) || index > 0 && value[index - 1] == ASCII.space {
                return (index..<min(value.count, index + 30), "a JavaScript equality of literals (`'a'=='a'`) that is always true")
            }
            index += 1
        }
        return nil
    }

    /// `';it=new Date();do{pt=new Date();}while(pt-it<5000);`: the value closes the application's string, ends
    /// the statement, and runs a loop or clock of its own — a busy-wait delay for time-based `$where` injection.
    private func delayLoopAfterBreakout(_ value: UnsafeBufferPointer<UInt8>) -> (Range<Int>, String)? {
        var cursor = 0
        while cursor < value.count && value[cursor] == ASCII.space { cursor += 1 }
        guard cursor < value.count, value[cursor] == ASCII.apostrophe || value[cursor] == ASCII.quote else { return nil }
        cursor += 1
        while cursor < value.count && value[cursor] == ASCII.space { cursor += 1 }
        guard cursor < value.count, value[cursor] == ASCII.semicolon else { return nil }
        let rest = UnsafeBufferPointer(rebasing: value[cursor...])
        var compact: [UInt8] = []
        compact.reserveCapacity(min(rest.count, 512))
        for byte in rest.prefix(512) where byte != ASCII.space { compact.append(ASCII.lower(byte)) }
        for word in ["while(", "do{", "for(", "newdate(", "sleep("] where compact.firstRange(of: Array(word.utf8)) != nil {
            return (0..<min(value.count, 60), "JavaScript after a string breakout running a loop or clock (`while(`, `new Date()`): a time delay for `$where`")
        }
        return nil
    }

    /// After `;`, `'`, `"`, `||`, `&&` or at the start: where injected JavaScript begins a statement or clause.
    private func precededByStatementBreak(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        var cursor = index - 1
        while cursor >= 0 && value[cursor] == ASCII.space { cursor -= 1 }
        guard cursor >= 0 else { return false }
        let byte = value[cursor]
        return byte == ASCII.semicolon || byte == ASCII.apostrophe || byte == ASCII.quote || byte == ASCII.pipe || byte == ASCII.ampersand
    }

    /// `' && this.`, `'; this.`: a quote closing the application's string, then `&&`, `||` or `;`.
    private func precededByQuoteBreakout(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        var cursor = index - 1
        while cursor >= 0 && value[cursor] == ASCII.space { cursor -= 1 }
        var operators = 0
        while cursor >= 0 && (value[cursor] == ASCII.ampersand || value[cursor] == ASCII.pipe || value[cursor] == ASCII.semicolon) {
            operators += 1
            cursor -= 1
        }
        guard operators > 0 else { return false }
        while cursor >= 0 && value[cursor] == ASCII.space { cursor -= 1 }
        return cursor >= 0 && (value[cursor] == ASCII.apostrophe || value[cursor] == ASCII.quote)
    }

    /// `'a'=='a'`, `1==1`, `'' == ''`: the same literal on both sides of `==` or `===`.
    private func isLiteralEquality(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func literal(_ start: Int, last: Bool = false) -> Range<Int>? {
            guard start < bytes.count else { return nil }
            let first = bytes[start]
            if first == ASCII.apostrophe || first == ASCII.quote {
                // The right-hand literal may end the value: the application's own quote closes it (`' || 'a'=='a`).
                guard let close = bytes[(start + 1)...].firstIndex(of: first) else { return last ? start..<bytes.count : nil }
                return start..<(close + 1)
            }
            var end = start
            while end < bytes.count && ASCII.isDigit(bytes[end]) { end += 1 }
            return end > start ? start..<end : nil
        }
        guard let left = literal(0) else { return false }
        var cursor = left.upperBound
        while cursor < bytes.count && bytes[cursor] == ASCII.space { cursor += 1 }
        guard cursor + 1 < bytes.count, bytes[cursor] == ASCII.equals, bytes[cursor + 1] == ASCII.equals else { return false }
        cursor += 2
        if cursor < bytes.count && bytes[cursor] == ASCII.equals { cursor += 1 }
        while cursor < bytes.count && bytes[cursor] == ASCII.space { cursor += 1 }
        guard let right = literal(cursor, last: true) else { return false }
        if right.upperBound == bytes.count && bytes[right.lowerBound] != bytes[bytes.count - 1] {
            // `'a` closed by the application: compare without the quotes.
            return bytes[(left.lowerBound + 1)..<(left.upperBound - 1)].elementsEqual(bytes[(right.lowerBound + 1)...])
        }
        return bytes[left].elementsEqual(bytes[right])
    }
}
