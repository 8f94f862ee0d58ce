import MirrorGuardCore

/// A streaming SQL tokenizer over bytes: no allocation, one token at a time. It understands the quoting,
/// comment and number forms of MySQL, PostgreSQL, MSSQL, Oracle and SQLite, including the tricks used to
/// hide keywords: `/*! */` versioned comments (whose content is code), comments as whitespace, control
/// bytes and NBSP as whitespace, `1e0union`-style number boundaries.
struct SQLLexer {
    let bytes: UnsafeBufferPointer<UInt8>
    let vocabulary: SQLVocabulary
    private(set) var position: Int
    /// Where tokenizing began (just after the breakout quote in quote contexts).
    let startPosition: Int
    private var insideVersionedComment = false

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, vocabulary: SQLVocabulary) {
        self.bytes = bytes
        self.position = start
        self.startPosition = start
        self.vocabulary = vocabulary
    }

    /// The next token (comments included), or nil at the end.
    mutating func next() -> SQLToken? {
        skipWhitespace()
        guard position < bytes.count else { return nil }
        let start = position
        let byte = bytes[position]
        switch byte {
        case ASCII.apostrophe, ASCII.quote:
            return string(from: start, quote: byte, contentStart: start + 1)
        case ASCII.backquote:
            position += 1
            while position < bytes.count && bytes[position] != ASCII.backquote { position += 1 }
            if position < bytes.count { position += 1 }
            return SQLToken(kind: .identifier, start: start, end: position)
        case ASCII.minus where peekByte(1) == ASCII.minus:
            return lineComment(from: start)
        case ASCII.hash:
            return lineComment(from: start)
        case ASCII.slash where peekByte(1) == 0x2A:
            return blockComment(from: start)
        case ASCII.leftParen:
            position += 1
            return SQLToken(kind: .leftParen, start: start, end: position)
        case 0x29:
            position += 1
            return SQLToken(kind: .rightParen, start: start, end: position)
        case ASCII.comma:
            position += 1
            return SQLToken(kind: .comma, start: start, end: position)
        case ASCII.semicolon:
            position += 1
            return SQLToken(kind: .semicolon, start: start, end: position)
        case ASCII.dot:
            if let next = peekByte(1), ASCII.isDigit(next) { return number(from: start) }
            position += 1
            return SQLToken(kind: .dot, start: start, end: position)
        case ASCII.at:
            return variable(from: start)
        case ASCII.dollar:
            if let quoted = dollarString(from: start) { return quoted }
            return identifierOrKeyword(from: start)
        case ASCII.backslash where peekByte(1) == 0x4E:
            // MySQL's \N is NULL.
            position += 2
            return SQLToken(kind: .keyword, start: start, end: position, word: .null)
        default:
            if ASCII.isDigit(byte) { return number(from: start) }
            if Self.isIdentifierStart(byte) { return identifierOrKeyword(from: start) }
            if let op = operatorToken(from: start) { return op }
            position += 1
            return SQLToken(kind: .unknown, start: start, end: position)
        }
    }

    // MARK: - Pieces

    private func peekByte(_ offset: Int) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == ASCII.space || (byte >= 0x09 && byte <= 0x0D) || byte == 0xA0 || byte == 0
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || byte == 0x5F || byte >= 0x80
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == 0x5F || byte == ASCII.dollar || (byte >= 0x80 && byte != 0xA0)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isWhitespace(byte) {
                position += 1
            } else if byte == 0xC2, peekByte(1) == 0xA0 {
                position += 2
            } else if insideVersionedComment, byte == 0x2A, peekByte(1) == ASCII.slash {
                // The end of a `/*! ... */` block: its content was code, its markers are whitespace.
                insideVersionedComment = false
                position += 2
            } else {
                return
            }
        }
    }

    private mutating func lineComment(from start: Int) -> SQLToken {
        while position < bytes.count && bytes[position] != ASCII.lf && bytes[position] != ASCII.cr { position += 1 }
        return SQLToken(kind: .comment, start: start, end: position)
    }

    private mutating func blockComment(from start: Int) -> SQLToken? {
        if peekByte(2) == 0x21 {
            // MySQL `/*!50000 code */`: skip the marker and version, tokenize the content.
            position += 3
            // A version is 5 or 6 digits (`/*!50000`), or any digits glued to a keyword (`/*!0UNION`, which MySQL
            // reads as version 0: always run); `/*!1*/` is the code `1`.
            var digits = 0
            while position + digits < bytes.count, digits < 7, ASCII.isDigit(bytes[position + digits]) { digits += 1 }
            let gluedToWord = digits > 0 && position + digits < bytes.count && ASCII.isLetter(bytes[position + digits])
            if digits == 5 || digits == 6 || gluedToWord { position += digits }
            insideVersionedComment = true
            return next()
        }
        position += 2
        while position < bytes.count {
            if bytes[position] == 0x2A && peekByte(1) == ASCII.slash {
                position += 2
                return SQLToken(kind: .comment, start: start, end: position)
            }
            position += 1
        }
        return SQLToken(kind: .comment, start: start, end: position)
    }

    /// A quoted string; `''` (doubled quote) and backslash escapes stay inside it.
    mutating func string(from start: Int, quote: UInt8, contentStart: Int) -> SQLToken {
        position = contentStart
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.backslash {
                position += 2
                continue
            }
            if byte == quote {
                if peekByte(1) == quote {
                    position += 2
                    continue
                }
                position += 1
                return SQLToken(kind: .string, start: start, end: position, quote: quote)
            }
            position += 1
        }
        position = bytes.count
        return SQLToken(kind: .string, start: start, end: position, quote: quote, terminated: false)
    }

    /// PostgreSQL dollar quoting: `$$…$$` or `$tag$…$tag$`; nil when `$` does not open one.
    private mutating func dollarString(from start: Int) -> SQLToken? {
        var tagEnd = start + 1
        while tagEnd < bytes.count, tagEnd - start <= 32, ASCII.isLetter(bytes[tagEnd]) || ASCII.isDigit(bytes[tagEnd]) || bytes[tagEnd] == 0x5F { tagEnd += 1 }
        guard tagEnd < bytes.count, bytes[tagEnd] == ASCII.dollar else { return nil }
        let tag = start...tagEnd
        var scan = tagEnd + 1
        while scan + tag.count <= bytes.count {
            var matched = true
            for offset in 0..<tag.count where bytes[scan + offset] != bytes[start + offset] {
                matched = false
                break
            }
            if matched {
                position = scan + tag.count
                return SQLToken(kind: .string, start: start, end: position, quote: ASCII.dollar)
            }
            scan += 1
        }
        position = bytes.count
        return SQLToken(kind: .string, start: start, end: position, quote: ASCII.dollar, terminated: false)
    }

    private mutating func number(from start: Int) -> SQLToken {
        if bytes[position] == 0x30, let marker = peekByte(1), marker | 0x20 == 0x78 || marker | 0x20 == 0x62 {
            // 0x1F, 0b101
            position += 2
            while position < bytes.count, ASCII.hexValue(bytes[position]) != nil { position += 1 }
            return SQLToken(kind: .number, start: start, end: position)
        }
        while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        // Oracle's float suffixes (`1f`, `2d`) end a number: `1FUNION` is `1f UNION`.
        if position + 1 < bytes.count, bytes[position] | 0x20 == 0x66 || bytes[position] | 0x20 == 0x64 {
            var end = position + 1
            while end < bytes.count, Self.isIdentifierByte(bytes[end]) { end += 1 }
            if vocabulary.keyword(bytes, (position + 1)..<end) != .none {
                position += 1
                return SQLToken(kind: .number, start: start, end: position)
            }
        }
        // MySQL identifiers may begin with digits: `1a` is a name, `1e5` and `1union` are not.
        if position < bytes.count, ASCII.isLetter(bytes[position]) || bytes[position] == 0x5F, bytes[position] | 0x20 != 0x65 {
            var end = position
            while end < bytes.count, Self.isIdentifierByte(bytes[end]) { end += 1 }
            if vocabulary.keyword(bytes, position..<end) == .none {
                position = end
                return SQLToken(kind: .identifier, start: start, end: position)
            }
        }
        if position < bytes.count, bytes[position] == ASCII.dot {
            position += 1
            while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == 0x65 {
            var look = position + 1
            if look < bytes.count, bytes[look] == ASCII.plus || bytes[look] == ASCII.minus { look += 1 }
            if look < bytes.count, ASCII.isDigit(bytes[look]) {
                position = look
                while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
            }
        }
        return SQLToken(kind: .number, start: start, end: position)
    }

    private mutating func variable(from start: Int) -> SQLToken {
        position += 1
        if position < bytes.count && bytes[position] == ASCII.at { position += 1 }
        if position < bytes.count, bytes[position] == ASCII.apostrophe || bytes[position] == ASCII.quote || bytes[position] == ASCII.backquote {
            let quoted = string(from: start, quote: bytes[position], contentStart: position + 1)
            return SQLToken(kind: .variable, start: start, end: quoted.end)
        }
        let nameStart = position
        while position < bytes.count, Self.isIdentifierByte(bytes[position]) || bytes[position] == ASCII.dot { position += 1 }
        if position == nameStart { return SQLToken(kind: .unknown, start: start, end: position) }
        return SQLToken(kind: .variable, start: start, end: position)
    }

    private mutating func identifierOrKeyword(from start: Int) -> SQLToken {
        while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
        let wordEnd = position
        // Prefixed strings: N'..', X'..', B'..', E'..', _utf8'..'
        if position < bytes.count, bytes[position] == ASCII.apostrophe {
            let length = wordEnd - start
            let first = bytes[start] | 0x20
            if (length == 1 && (first == 0x6E || first == 0x78 || first == 0x62 || first == 0x65 || first == 0x71)) || bytes[start] == 0x5F {
                return string(from: start, quote: ASCII.apostrophe, contentStart: position + 1)
            }
        }
        // Dotted names (`dbms_lock.sleep`, `master..xp_cmdshell`) count as one function name when called.
        var dottedEnd = wordEnd
        var scan = wordEnd
        while scan < bytes.count, bytes[scan] == ASCII.dot {
            scan += 1
            let segmentStart = scan
            while scan < bytes.count, Self.isIdentifierByte(bytes[scan]) { scan += 1 }
            if scan == segmentStart && (scan >= bytes.count || bytes[scan] != ASCII.dot) { break }
            dottedEnd = scan
        }
        let callEnd = dottedEnd > wordEnd ? dottedEnd : wordEnd
        if isFollowedByParen(from: callEnd) {
            let keyword = callEnd == wordEnd ? vocabulary.keyword(bytes, start..<wordEnd) : .none
            if keyword != .none && Self.keywordTakesParens(keyword) {
                return SQLToken(kind: .keyword, start: start, end: wordEnd, word: keyword)
            }
            position = callEnd
            return SQLToken(kind: .function, start: start, end: callEnd, word: vocabulary.function(bytes, start..<callEnd))
        }
        let keyword = vocabulary.keyword(bytes, start..<wordEnd)
        if keyword != .none {
            return SQLToken(kind: .keyword, start: start, end: wordEnd, word: keyword)
        }
        return SQLToken(kind: .identifier, start: start, end: wordEnd)
    }

    /// Keywords followed by `(` that stay syntax rather than becoming function calls.
    static func keywordTakesParens(_ word: SQLWord) -> Bool {
        switch word {
        case .select, .in, .exists, .values, .using, .over, .union, .from, .where, .and, .or, .xor, .not, .on, .into,
             .table, .any, .some, .all, .by, .as, .when, .then, .else, .case, .is, .between, .limit, .having, .like, .rlike,
             .regexp, .glob, .outfile, .dumpfile, .sounds,
             .with, .distinct, .group, .order, .join, .procedure, .div, .null, .top, .waitfor, .delay,
             .exec, .execute, .set, .returning, .match, .against, .interval, .escape, .end, .binary:
            return true
        default:
            return false
        }
    }

    private func isFollowedByParen(from index: Int) -> Bool {
        var scan = index
        while scan < bytes.count {
            let byte = bytes[scan]
            if Self.isWhitespace(byte) { scan += 1; continue }
            if byte == ASCII.slash, scan + 1 < bytes.count, bytes[scan + 1] == 0x2A {
                // A comment between the name and the parenthesis.
                scan += 2
                while scan + 1 < bytes.count, !(bytes[scan] == 0x2A && bytes[scan + 1] == ASCII.slash) { scan += 1 }
                scan += 2
                continue
            }
            return byte == ASCII.leftParen
        }
        return false
    }

    private mutating func operatorToken(from start: Int) -> SQLToken? {
        let byte = bytes[position]
        let next = peekByte(1)
        let third = peekByte(2)
        func make(_ length: Int, _ word: SQLWord) -> SQLToken {
            position += length
            return SQLToken(kind: .operator, start: start, end: position, word: word)
        }
        switch byte {
        case ASCII.equals:
            return make(next == ASCII.equals ? 2 : 1, .equal)
        case ASCII.lessThan:
            if next == ASCII.equals && third == ASCII.greaterThan { return make(3, .nullSafeEqual) }
            if next == ASCII.equals { return make(2, .lessOrEqual) }
            if next == ASCII.greaterThan { return make(2, .notEqual) }
            if next == ASCII.lessThan { return make(2, .shiftLeft) }
            return make(1, .less)
        case ASCII.greaterThan:
            if next == ASCII.equals { return make(2, .greaterOrEqual) }
            if next == ASCII.greaterThan { return make(2, .shiftRight) }
            return make(1, .greater)
        case 0x21:
            if next == ASCII.equals { return make(2, .notEqual) }
            if next == ASCII.lessThan { return make(2, .notLess) }
            if next == ASCII.greaterThan { return make(2, .notGreater) }
            return make(1, .bang)
        case ASCII.pipe:
            return next == ASCII.pipe ? make(2, .logicalOr) : make(1, .bitOr)
        case ASCII.ampersand:
            return next == ASCII.ampersand ? make(2, .logicalAnd) : make(1, .bitAnd)
        case ASCII.plus: return make(1, .plus)
        case ASCII.minus:
            if next == ASCII.greaterThan { return make(third == ASCII.greaterThan ? 3 : 2, .arrow) }
            return make(1, .minus)
        case 0x2A: return make(1, .times)
        case ASCII.slash: return make(1, .divide)
        case ASCII.percent: return make(1, .modulo)
        case 0x5E: return make(1, .bitXor)
        case 0x7E: return make(1, .bitNot)
        case ASCII.colon:
            if next == ASCII.equals { return make(2, .assign) }
            if next == ASCII.colon { return make(2, .doubleColon) }
            return make(1, .colon)
        case ASCII.question: return make(1, .question)
        default:
            return nil
        }
    }
}
