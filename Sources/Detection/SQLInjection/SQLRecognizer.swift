import MirrorGuardCore

/// Where a value is assumed to sit in the application's query.
public enum SQLContext: String, Sendable, CaseIterable {
    /// Unquoted: `WHERE id = VALUE` (or appended after a literal).
    case numeric
    /// Inside `'...'`.
    case singleQuote = "single-quote"
    /// Inside `"..."`.
    case doubleQuote = "double-quote"
    /// The whole value is a statement (`SELECT …`, `COPY …`): data unless it uses an attack technique.
    case statement

    var quote: UInt8 {
        switch self {
        case .numeric, .statement: return 0
        case .singleQuote: return ASCII.apostrophe
        case .doubleQuote: return ASCII.quote
        }
    }
}

/// What the injected tokens do to the query.
struct SQLEffects: OptionSet, Sendable {
    let rawValue: UInt32
    static let logic = SQLEffects(rawValue: 1 << 0)
    static let comparison = SQLEffects(rawValue: 1 << 1)
    static let union = SQLEffects(rawValue: 1 << 2)
    static let stacked = SQLEffects(rawValue: 1 << 3)
    static let technique = SQLEffects(rawValue: 1 << 4)
    static let subquery = SQLEffects(rawValue: 1 << 5)
    static let orderBy = SQLEffects(rawValue: 1 << 6)
    static let truncation = SQLEffects(rawValue: 1 << 7)
    static let clause = SQLEffects(rawValue: 1 << 8)
    static let booleanLiteral = SQLEffects(rawValue: 1 << 9)
    static let variable = SQLEffects(rawValue: 1 << 10)
    static let stringFunction = SQLEffects(rawValue: 1 << 11)
    static let fileWrite = SQLEffects(rawValue: 1 << 12)
    static let timeTechnique = SQLEffects(rawValue: 1 << 13)
    static let errorTechnique = SQLEffects(rawValue: 1 << 14)
    static let outOfBand = SQLEffects(rawValue: 1 << 15)
    static let arithmetic = SQLEffects(rawValue: 1 << 16)
    /// A comparison between literals (`1=1`, `'a'='a'`, `-8=-3`): a tautology or contradiction.
    static let literalComparison = SQLEffects(rawValue: 1 << 17)
    /// A complete `CASE WHEN condition THEN … END`.
    static let caseExpression = SQLEffects(rawValue: 1 << 18)
    /// A system catalog named (`information_schema`, `pg_shadow`).
    static let catalog = SQLEffects(rawValue: 1 << 19)
    /// A `@@` system variable (`@@version`).
    static let systemVariable = SQLEffects(rawValue: 1 << 22)
    /// Closing parentheses right after the literal: the value escapes the query's own parentheses.
    static let parenBreakout = SQLEffects(rawValue: 1 << 20)
    /// A parenthesised expression started the value.
    static let parenthesised = SQLEffects(rawValue: 1 << 21)

    /// A query glued straight after the literal (`1 (SELECT … FROM t)`, `9999' (SELECT count(*) FROM a, b) '`).
    static let gluedQuery = SQLEffects(rawValue: 1 << 23)

    /// Effects that make an injection on their own.
    static let decisive: SQLEffects = [.union, .stacked, .technique, .fileWrite, .gluedQuery]
    /// Techniques that act (delay, raise errors, reach files or the network), unlike information functions.
    static let active: SQLEffects = [.union, .stacked, .fileWrite, .timeTechnique, .errorTechnique, .outOfBand]
    /// Operands that turn a boolean operator into a real condition.
    static let conditional: SQLEffects = [.comparison, .booleanLiteral, .subquery, .variable, .stringFunction, .technique]
    /// What makes a condition unmistakable even when the value starts with a word.
    static let unmistakable: SQLEffects = [.literalComparison, .booleanLiteral, .subquery, .stringFunction, .technique, .variable, .caseExpression, .catalog]
}

/// The recogniser's conclusion for one context.
struct SQLVerdict {
    var context: SQLContext
    var effects: SQLEffects
    /// Byte range of the injected code (from the breakout quote to the last token read).
    var fragment: Range<Int>
}

/// Decides whether a value, read from one context, breaks out of data and forms SQL with an effect.
/// A tolerant recursive-descent grammar runs over the tokens after the breakout point; prose fails it
/// quickly (a word straight after a literal is a syntax error), payloads pass it.
struct SQLRecognizer {
    private var lexer: SQLLexer
    private let context: SQLContext
    private var slots: (SQLToken?, SQLToken?, SQLToken?) = (nil, nil, nil)
    private var bufferedCount = 0
    private var exhausted = false
    private(set) var effects: SQLEffects = []
    private var lastEnd = 0
    private var budget = 512
    private var depth = 0
    /// The value ended inside a string of the context's own quote (the application closes it).
    private var endedInOpenString = false
    /// A comment came before the first token after the breakout.
    private var commentBeforeFirstToken = false
    /// A comment came after the last token read from the lexer.
    private var commentAfterLastToken = false
    private var tokensRead = 0
    /// How a numeric-context value began: it decides how much evidence an injection needs.
    private enum Start { case literal, expression, word, fragment }
    private var start = Start.literal
    /// A function call's arguments are being read (operators there do not shape the verdict).
    private var insideArguments = 0
    /// Whether the operand just parsed was a literal (number, string, known function, variable, sub-select).
    private var lastOperandLiteral = true
    /// Whether the operand just parsed was TRUE or FALSE.
    private var lastOperandBoolean = false
    /// The byte range of the operand just parsed when it was a single token.
    private var lastOperandRange: Range<Int>? = nil

    private func sameBytes(_ lhs: Range<Int>, _ rhs: Range<Int>) -> Bool {
        guard lhs.count == rhs.count, lhs.count > 0, lhs != rhs else { return false }
        for offset in 0..<lhs.count where ASCII.lower(lexer.bytes[lhs.lowerBound + offset]) != ASCII.lower(lexer.bytes[rhs.lowerBound + offset]) {
            return false
        }
        return true
    }
    /// Non-blank bytes in the string the value ends in (closed by the application): `'>='` has 0, `'1` has 1,
    /// prose like `"LIKE" STAMP` has more.
    private var openStringContent = 0
    /// The string the value ends in holds at most one short word of letters and digits (`' B`, `'`; not `';`).
    private var openStringClosesValue = false
    /// Operators read after the breakout.
    private var operatorCount = 0
    /// Terminated string literals read after the breakout.
    private var closedStrings = 0
    /// The statement being read is `COPY` (its FROM/TO name files).
    private var copyStatement = false
    /// `skipRest` read a MSSQL statement batched after the one it read (`… BEGIN DECLARE @s`).
    private var batched = false
    /// `skipRest` read a WHERE.
    private var sawWhere = false
    /// `skipRest` read a FROM.
    private var sawFrom = false
    /// An operator spelled as a word (AND, LIKE, MOD) was used: quoted words in prose look like that.
    private var keywordOperatorUsed = false
    /// The last comment holds no letter or digit.
    private var lastCommentBare = false
    /// A comma followed the first expression (`1,1`): a list, as data often is.
    private var listRead = false
    /// A column or table name was read as an operand (`(optional)`, `id`).
    private var sawName = false
    /// The last comment has at most a few bytes of body (`--`, `-- -`, `#a`), unlike text after `#2` or `--`.
    private var lastCommentShort = false

    /// The keyword consumed last (`.none` when the last token was no keyword).
    private var lastWord = SQLWord.none

    /// Deeper nesting than this is rejected.
    static let maxDepth = 24

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, context: SQLContext, vocabulary: SQLVocabulary) {
        self.lexer = SQLLexer(bytes: bytes, start: start, vocabulary: vocabulary)
        self.context = context
        self.lastEnd = start
    }

    // MARK: - Token window (comments filtered and remembered)

    private mutating func fill() -> SQLToken? {
        while budget > 0, let token = lexer.next() {
            budget -= 1
            if token.kind == .comment {
                if tokensRead == 0 { commentBeforeFirstToken = true }
                commentAfterLastToken = true
                lastCommentShort = commentBodyIsShort(token)
                lastCommentBare = lastCommentShort && commentBodyIsBare(token)
                continue
            }
            tokensRead += 1
            commentAfterLastToken = false
            return token
        }
        exhausted = true
        return nil
    }

    private mutating func peek(_ offset: Int = 0) -> SQLToken? {
        while bufferedCount <= offset && !exhausted {
            guard let token = fill() else { break }
            switch bufferedCount {
            case 0: slots.0 = token
            case 1: slots.1 = token
            default: slots.2 = token
            }
            bufferedCount += 1
        }
        guard offset < bufferedCount else { return nil }
        switch offset {
        case 0: return slots.0
        case 1: return slots.1
        default: return slots.2
        }
    }

    @discardableResult
    private mutating func advance() -> SQLToken? {
        guard let token = peek() else { return nil }
        slots = (slots.1, slots.2, nil)
        bufferedCount -= 1
        lastEnd = token.end
        lastWord = token.kind == .keyword ? token.word : .none
        return token
    }

    private mutating func atEnd() -> Bool { peek() == nil }

    /// True once every token was read and a short comment followed the last one.
    private mutating func endsInComment() -> Bool {
        atEnd() && commentAfterLastToken && lastCommentShort
    }

    /// No letter or digit in the comment (`--`, `-- -`, `/*`, `/*'*/`): it only cuts the query short.
    private func commentBodyIsBare(_ token: SQLToken) -> Bool {
        for index in token.start..<token.end where ASCII.isLetter(lexer.bytes[index]) || ASCII.isDigit(lexer.bytes[index]) {
            return false
        }
        return true
    }

    /// At most two non-blank bytes after the comment marker (`--`, `-- -`, `--+`, `#a`); `#2` is numbering.
    private func commentBodyIsShort(_ token: SQLToken) -> Bool {
        var index = token.start
        let bytes = lexer.bytes
        // Skip the marker: `--`, `#`, `/*`.
        let hash = index < token.end && bytes[index] == ASCII.hash
        index += hash ? 1 : 2
        if hash, index < token.end, ASCII.isDigit(bytes[index]) { return false }
        var count = 0
        while index < token.end {
            let byte = bytes[index]
            if !SQLLexer.isWhitespace(byte) && byte != ASCII.star && byte != ASCII.slash { count += 1 }
            if count > 2 { return false }
            index += 1
        }
        return true
    }

    private func isKeyword(_ token: SQLToken?, _ word: SQLWord) -> Bool {
        token?.kind == .keyword && token?.word == word
    }

    // MARK: - Entry

    /// Parses the tokens after the breakout; returns the effects if they form a valid injection tail.
    mutating func recognize(breakoutStart: Int) -> SQLVerdict? {
        if let first = peek(), first.start == lexer.startPosition, first.kind == .keyword || first.kind == .identifier {
            quotedWordAfterBreakout = true
        }
        // A comment straight after the breakout (and any closing parentheses) truncates the query.
        while peek()?.kind == .rightParen {
            advance()
            effects.insert(.parenBreakout)
        }
        if atEnd() {
            guard context == .singleQuote || context == .doubleQuote, commentBeforeFirstToken || commentAfterLastToken, lastCommentShort else { return nil }
            effects.insert(.truncation)
            return verdict(breakoutStart: breakoutStart, complete: true)
        }
        if context == .statement { return recognizeStatement(breakoutStart: breakoutStart) }
        if context == .numeric {
            guard let first = peek() else { return nil }
            if isOperandStart(first) {
                if first.kind == .leftParen { effects.insert(.parenthesised) }
                start = isLiteralStart(first) ? .literal : .expression
                guard parseExpression() else { return verdict(breakoutStart: breakoutStart, complete: false) }
            } else if first.kind == .identifier, peek(1).map(isContinuationStart) == true {
                start = .word
                advance()
                lastOperandLiteral = false
            } else if isContinuationStart(first) {
                start = .fragment
            } else {
                return nil
            }
        }
        let complete = parseContinuation()
        return verdict(breakoutStart: breakoutStart, complete: complete)
    }

    /// The whole value is a statement. A statement is data (a code snippet in a field) unless it acts — delays,
    /// errors, files, commands, UNION — or has a shape only a probe has: constant columns padding the select list
    /// of a query (`SELECT 1,2 FROM t`, `SELECT @v FROM t WHERE`), the server's own identity or its catalogs
    /// (`SELECT current_user`, `… FROM pg_shadow`). `SELECT x FROM y WHERE` alone is a snippet.
    private mutating func recognizeStatement(breakoutStart: Int) -> SQLVerdict? {
        // Statements that run something (CREATE starts scripts that go on to load files); other DDL only names things.
        guard let first = peek(), first.kind == .keyword, Self.startsStatement(first.word) else { return nil }
        advance()
        if first.word == .backup || first.word == .restore { effects.insert([.fileWrite, .outOfBand]) }
        copyStatement = first.word == .copy
        if first.word == .select { readSelectList() }
        _ = skipRest(inParentheses: false)
        // More statements after `;` (a script is still data): each one is read for what it does.
        while peek()?.kind == .semicolon {
            while peek()?.kind == .semicolon { advance() }
            guard let next = peek() else { break }
            advance()
            copyStatement = next.word == .copy
            _ = skipRest(inParentheses: false)
        }
        let acts: SQLEffects = [.timeTechnique, .errorTechnique, .outOfBand, .fileWrite, .systemVariable, .union]
        // A probe pads its select list with constants, or reads the server's identity or dumps catalogs without naming
        // any column (`SELECT * FROM pg_shadow`; `SELECT oid, datname FROM pg_database` and `… WHERE table_schema =
        // 'public'` are a DBA's queries).
        // Constant columns beside named ones (`SELECT id, 'active' AS status FROM users`) are a snippet's, unless the
        // statement stops at a clause for the application to finish (`SELECT id,sin(1),2 FROM bar WHERE`).
        let danglingClause = lastWord == .where || lastWord == .and || lastWord == .or
        let probe = first.word == .select
            && (!namedColumns && (effects.contains(.technique) || effects.contains(.catalog) && !sawWhere)
                || constantColumns && (sawFrom || commentAfterLastToken) && (!namedColumns || danglingClause))
        // CREATE names functions (`CREATE FUNCTION pg_sleep_for(…)`); it counts only when the script reaches for files.
        if first.word == .create && !effects.contains(.fileWrite) { return nil }
        guard !effects.isDisjoint(with: acts) || probe else { return nil }
        return SQLVerdict(context: context, effects: effects, fragment: breakoutStart..<max(lastEnd, breakoutStart))
    }

    /// Keywords a statement-context verdict can start with.
    static func startsStatement(_ word: SQLWord) -> Bool {
        switch word {
        case .select, .exec, .execute, .copy, .load, .declare, .set, .waitfor, .call, .do, .backup, .restore, .with, .insert, .update,
             .create:
            true
        default:
            false
        }
    }

    /// Looks for `UNION [ALL] SELECT` anywhere in a value whose start defeated the grammar (`{d 2} UNION SELECT …`,
    /// `-[id] UNION SELECT …`, `=/*!UnIoN*/ /*!SeLecT*/ 1,2 …`): it counts when the select list pads constants or
    /// reads server functions or catalogs — what a UNION-based extraction does, unlike prose (`union select committee`).
    mutating func recognizeUnionAnywhere(breakoutStart: Int) -> SQLVerdict? {
        while let token = advance() {
            guard token.kind == .keyword, token.word == .union else { continue }
            let unionStart = token.start
            while isKeyword(peek(), .all) || isKeyword(peek(), .distinct) || peek()?.kind == .leftParen { advance() }
            guard isKeyword(peek(), .select) else { continue }
            advance()
            effects = []
            constantColumns = false
            namedColumns = false
            readSelectList()
            _ = skipRest(inParentheses: false)
            guard constantColumns || !effects.isDisjoint(with: [.technique, .catalog, .systemVariable]) else { continue }
            effects.insert(.union)
            return SQLVerdict(context: context, effects: effects, fragment: max(unionStart, breakoutStart)..<max(lastEnd, unionStart))
        }
        return nil
    }

    /// The select list of a statement had a constant column (`1`, `'a'`, `@v`, `sin(1)`): no column of a table.
    private var constantColumns = false
    /// The select list of a statement named a column (`oid`, `CAST(x AS t)`).
    private var namedColumns = false

    /// Reads a select list up to FROM (or the end), noting constant columns, variables and server functions.
    private mutating func readSelectList() {
        while let token = peek(), token.kind == .keyword, token.word == .all || token.word == .distinct || token.word == .top {
            advance()
        }
        var level = 0
        // Paren levels opened by a function call (bit n: level n + 1): `count(1)` names no constant column.
        var callLevels: UInt32 = 0
        var afterFunction = false
        var literal = false
        var name = false
        func closeItem() {
            if literal && !name { constantColumns = true }
            if name { namedColumns = true }
            literal = false
            name = false
        }
        while let token = peek() {
            let insideCall = callLevels != 0
            switch token.kind {
            case .leftParen:
                level += 1
                guard level <= Self.maxDepth else { return }
                if afterFunction { callLevels |= 1 << UInt32(level - 1) }
            case .rightParen:
                guard level > 0 else { closeItem(); return }
                callLevels &= ~(1 << UInt32(level - 1))
                level -= 1
            case .comma where level == 0:
                closeItem()
            case .number, .string:
                if !insideCall { literal = true }
            case .variable:
                literal = true
                effects.insert(.variable)
                noteSystemVariable(token)
            case .function:
                noteFunction(token.word)
            case .identifier:
                // `SELECT current_user`: SQL's session identity needs no parentheses (`version` does: a column).
                if spells(token, "current_user") || spells(token, "session_user") || spells(token, "system_user")
                    || spells(token, "current_role") || spells(token, "current_schema") || spells(token, "current_catalog") {
                    effects.insert(.technique)
                } else {
                    name = true
                }
                noteCatalog(token)
            case .keyword where token.word == .from || token.word == .into:
                closeItem()
                return
            case .keyword where token.word == .union:
                // Constant columns then UNION: the column count of another query is being matched.
                closeItem()
                if constantColumns { effects.insert(.union) }
                return
            case .keyword where token.word == .as && level == 0:
                // An alias names the column; it is no column read from a table.
                closeItem()
                advance()
                if peek()?.kind == .identifier || peek()?.kind == .string { advance() }
                continue
            case .semicolon:
                closeItem()
                return
            default:
                break
            }
            afterFunction = token.kind == .function
            advance()
        }
        closeItem()
    }

    /// Applies the acceptance rules to what was parsed. `complete` is false when the grammar failed part
    /// way: then only decisive effects or an unmistakable condition already seen count.
    private mutating func verdict(breakoutStart: Int, complete: Bool) -> SQLVerdict? {
        // How the application's own closing quote is disposed of: a short comment, or an empty string it closes.
        // A lone quoted keyword after words (`select 'and'`, `say 'or'`) reads as prose; as the whole value
        // (`'DIV'`, `' XOR '`) it is an operator probe.
        let loneQuotedKeyword = keywordOperatorUsed && operatorCount == 1 && openStringContent == 0
            && !(nothingBeforeBreakout || !quotedWordAfterBreakout && singleWordBeforeBreakout(blankAfter: false))
        let terminated = endsInComment() || (endedInOpenString && openStringContent <= 3 && !loneQuotedKeyword)
        let logic = effects.contains(.logic)
        // `1 --`, `( BINARY ( 1) ) --`, `@v /*`: constants alone, then a comment cutting the query short.
        let bareTruncation = complete && wholeValueRead && atEnd() && commentAfterLastToken && lastCommentBare && !sawName && !listRead
        let tautology = !effects.isDisjoint(with: [.literalComparison, .booleanLiteral])
        let accepted: Bool
        switch context {
        case .singleQuote, .doubleQuote:
            if !effects.isDisjoint(with: .decisive) {
                accepted = true
            } else if !complete {
                accepted = logic && !effects.isDisjoint(with: .unmistakable)
            } else {
                // Weak evidence (an operator, a clause) needs the shape of a probe: at most one word before the
                // quote and no other string in the tail (code like `"Div": "/",` has several).
                accepted = (logic && !effects.isDisjoint(with: .conditional))
                    || (terminated && plainDataBeforeBreakout && (closedStrings == 0 || !quotedWordAfterBreakout)
                        && (singleWordBeforeBreakout(blankAfter: false) || openStringClosesValue && singleWordBeforeBreakout(blankAfter: true))
                        && !effects.isDisjoint(with: [.logic, .comparison, .arithmetic, .orderBy, .clause, .truncation, .subquery]))
            }
        case .numeric, .statement:
            if !effects.isDisjoint(with: SQLEffects.active) {
                accepted = true
            } else {
                switch start {
                case .literal:
                    if !complete {
                        accepted = (logic && !effects.isDisjoint(with: .unmistakable)) || effects.contains(.technique)
                    } else {
                        accepted = effects.contains(.technique)
                            || (logic && !effects.isDisjoint(with: .unmistakable))
                            || (logic && terminated)
                            || (logic && effects.contains(.comparison))
                            || effects.contains(.subquery) || effects.contains(.caseExpression)
                            || (effects.contains(.stringFunction) && !effects.isDisjoint(with: [.arithmetic, .comparison]))
                            || (effects.contains(.orderBy) && (terminated || effects.contains(.parenBreakout)))
                            || (effects.contains(.clause) && effects.contains(.literalComparison))
                            || (effects.contains(.literalComparison) && terminated)
                            || bareTruncation
                    }
                case .fragment:
                    // A bare `AND …` is a snippet of SQL unless it states a tautology or probes; `') OR (…` first
                    // breaks out of the query's parentheses.
                    accepted = ((logic || effects.contains(.clause)) && tautology) || effects.contains(.systemVariable)
                        || (complete && effects.contains(.orderBy))
                        || (effects.contains(.parenBreakout) && logic && !effects.isDisjoint(with: .unmistakable))
                case .word:
                    accepted = logic && (tautology || effects.contains(.technique) || effects.contains(.stringFunction) && effects.contains(.comparison))
                case .expression:
                    accepted = (logic && tautology) || effects.contains(.systemVariable) || bareTruncation
                        || (complete && effects.contains(.parenthesised) && effects.contains(.subquery) && wholeValueRead && !unclosedParenthesis)
                        // `ascii(substring(version() from 1 for 1))`: one expression reaching for server information.
                        || (complete && wholeValueRead && effects.contains(.technique))
                        || (effects.contains(.caseExpression) && effects.contains(.literalComparison))
                        // `CASE 1 WHEN 2 THEN 2 END`: a condition over constants alone, as the whole value.
                        || (complete && wholeValueRead && effects.contains(.caseExpression) && !sawName)
                        // `IF((SELECT mid(table_name,1,1) FROM information_schema.tables …)=…)`: a catalog read inside.
                        || (complete && wholeValueRead && effects.contains(.subquery) && effects.contains(.catalog))
                        || (complete && effects.contains(.parenthesised) && terminated && !effects.isDisjoint(with: [.logic, .comparison, .arithmetic]))
                }
            }
        }
        guard accepted else { return nil }
        return SQLVerdict(context: context, effects: effects, fragment: breakoutStart..<max(lastEnd, breakoutStart))
    }

    /// No space in the data before the breakout (`admin`, empty), leading blanks aside; with `blankAfter`, blanks
    /// may also separate the word from the quote (`A '>' B`).
    private func singleWordBeforeBreakout(blankAfter: Bool) -> Bool {
        var breakout = lexer.startPosition - 1
        guard breakout > 0 else { return true }
        var index = 0
        while index < breakout, SQLLexer.isWhitespace(lexer.bytes[index]) { index += 1 }
        while blankAfter, breakout > index, SQLLexer.isWhitespace(lexer.bytes[breakout - 1]) { breakout -= 1 }
        while index < breakout {
            if SQLLexer.isWhitespace(lexer.bytes[index]) { return false }
            index += 1
        }
        return true
    }

    /// The value starts with the breakout quote (blanks aside).
    private var nothingBeforeBreakout: Bool {
        let breakout = lexer.startPosition - 1
        for index in 0..<max(breakout, 0) where !SQLLexer.isWhitespace(lexer.bytes[index]) { return false }
        return true
    }

    /// A parenthesis was left open at the end of the value.
    private var unclosedParenthesis = false

    /// The first token after the breakout touches the quote: a quoted word (`"Div"`, `'exec'`).
    private var quotedWordAfterBreakout = false

    /// Every token of the value was consumed (nothing left unparsed).
    private var wholeValueRead: Bool { exhausted && bufferedCount == 0 }

    /// The data the application had before the breakout is plain text (`admin`, `A`, `1`), not code or markup.
    private var plainDataBeforeBreakout: Bool {
        guard context == .singleQuote || context == .doubleQuote else { return true }
        let breakout = lexer.startPosition - 1
        guard breakout > 0 else { return true }
        for index in 0..<breakout {
            let byte = lexer.bytes[index]
            if !(ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.space || byte == ASCII.dot || byte == ASCII.minus || byte == 0x5F
                 || byte == ASCII.at || byte >= 0x80 || byte == ASCII.backslash) { return false }
        }
        return true
    }

    /// Numbers, strings and signed numbers: a value that is data and then turns into code.
    private mutating func isLiteralStart(_ token: SQLToken) -> Bool {
        switch token.kind {
        case .number, .string: return true
        case .operator where token.word == .minus || token.word == .plus: return peek(1)?.kind == .number
        case .keyword: return token.word == .true || token.word == .false || token.word == .null
        default: return false
        }
    }

    /// True when `token` spells `word` (any case).
    private func spells(_ token: SQLToken, _ word: StaticString) -> Bool {
        guard token.end - token.start == word.utf8CodeUnitCount, token.end <= lexer.bytes.count else { return false }
        return word.withUTF8Buffer { expected in
            for offset in 0..<expected.count where ASCII.lower(lexer.bytes[token.start + offset]) != expected[offset] {
                return false
            }
            return true
        }
    }

    // MARK: - Continuation after a literal

    private func isOperandStart(_ token: SQLToken) -> Bool {
        switch token.kind {
        case .number, .variable, .function, .leftParen: return true
        case .string: return true
        case .operator: return token.word == .minus || token.word == .plus || token.word == .bitNot || token.word == .bang
        case .keyword: return token.word == .null || token.word == .true || token.word == .false || token.word == .binary || token.word == .not || token.word == .case
        default: return false
        }
    }

    private func isContinuationStart(_ token: SQLToken) -> Bool {
        switch token.kind {
        case .operator:
            return token.word != .bang && token.word != .question && token.word != .colon
        case .semicolon, .rightParen, .comma:
            return true
        case .keyword:
            switch token.word {
            case .and, .or, .xor, .union, .order, .group, .having, .where, .limit, .procedure, .into, .is, .like, .rlike,
                 .regexp, .in, .between, .div, .mod, .not, .waitfor, .exec, .execute, .declare, .sounds, .collate,
                 .lock, .for, .as:
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    private mutating func parseContinuation() -> Bool {
        while let token = peek() {
            if !effects.isDisjoint(with: SQLEffects.active) { return true }
            switch token.kind {
            case .rightParen:
                advance()
                effects.insert(.parenBreakout)
            case .comma:
                advance()
                listRead = true
                guard parseExpression() else { return false }
            case .semicolon:
                while peek()?.kind == .semicolon { advance() }
                if atEnd() { return true }
                return parseStatement()
            case .keyword where token.word == .as:
                advance()
                guard let alias = advance(), alias.kind == .identifier || alias.kind == .string else { return false }
            case .leftParen where isKeyword(peek(1), .select) || isKeyword(peek(1), .union):
                // `-1 (SELECT id FROM users LIMIT 1)`: a query glued to the literal (a comment may sit between).
                sawFrom = false
                let before = effects
                guard parsePrimary() else { return false }
                guard sawFrom || !effects.subtracting(before).isDisjoint(with: [.technique, .union]) else { return false }
                effects.insert(.gluedQuery)
            case .operator, .keyword:
                guard parseOperatorTail(token) else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// One binary operator or clause keyword following a complete expression.
    private mutating func parseOperatorTail(_ token: SQLToken) -> Bool {
        if token.kind == .operator {
            guard isBinaryOperator(token) else { return false }
            return parseBinary(token)
        }
        switch token.word {
        case .and, .or, .xor, .div, .mod:
            return parseBinary(token)
        case .is, .like, .rlike, .regexp, .ilike, .glob, .in, .between, .not, .sounds, .collate:
            return parsePostfix()
        case .union:
            return parseUnion()
        case .order, .group:
            advance()
            guard isKeyword(peek(), .by) else { return false }
            advance()
            if peek()?.kind == .number { effects.insert(.orderBy) } else { effects.insert(.clause) }
            guard parseExpression() else { return false }
            while isKeyword(peek(), .asc) || isKeyword(peek(), .desc) { advance() }
            while peek()?.kind == .comma {
                advance()
                if atEnd() { return true }
                guard parseExpression() else { return false }
                while isKeyword(peek(), .asc) || isKeyword(peek(), .desc) { advance() }
            }
            return true
        case .having, .where:
            advance()
            effects.insert(.clause)
            return parseExpression()
        case .limit:
            advance()
            guard parseExpression() else { return false }
            effects.insert(.clause)
            if peek()?.kind == .comma || isKeyword(peek(), .offset) {
                advance()
                return parseExpression()
            }
            return true
        case .into:
            advance()
            if isKeyword(peek(), .outfile) || isKeyword(peek(), .dumpfile) {
                advance()
                guard advance() != nil else { return false }
                effects.insert([.fileWrite, .outOfBand])
                return true
            }
            return false
        case .procedure:
            advance()
            guard peek()?.kind == .function else { return false }
            effects.insert(.clause)
            return parsePrimary()
        case .waitfor:
            return parseWaitfor()
        case .lock:
            // LOCK IN SHARE MODE
            advance()
            guard isKeyword(peek(), .in) else { return false }
            advance()
            guard isKeyword(peek(), .share) else { return false }
            advance()
            guard isKeyword(peek(), .mode) else { return false }
            advance()
            return true
        case .for:
            advance()
            guard isKeyword(peek(), .update) else { return false }
            advance()
            return true
        case .exec, .execute, .declare, .if, .while, .goto, .update, .delete, .insert, .drop, .shutdown, .begin,
             .create, .alter, .truncate:
            // MSSQL runs statements separated by whitespace alone (after plain data, not after code: `AS 'SELECT …'`).
            guard plainDataBeforeBreakout else { return false }
            return parseStatement()
        case .select:
            guard plainDataBeforeBreakout else { return false }
            // A batched SELECT counts when it is a real query (FROM) or reaches for a technique.
            let before = effects
            sawFrom = false
            guard parseStatement() else { return false }
            // … or starts a batch: `'; SELECT 'a'; DECLARE @s …`, `' SELECT 1 BEGIN DECLARE @s …`.
            let batch = batched || (peek()?.kind == .semicolon && peek(1).map { $0.kind == .keyword && $0.word.isStatement } == true)
            if !sawFrom && !batch && effects.subtracting(before).isDisjoint(with: [.technique, .fileWrite]) {
                effects = before
                return false
            }
            return true
        default:
            return false
        }
    }

    /// `op operand`, noting what kind of operator it was and whether both sides were literals.
    private mutating func parseBinary(_ token: SQLToken) -> Bool {
        let leftLiteral = lastOperandLiteral
        let leftOperand = lastOperandRange
        advance()
        lastOperandBoolean = false
        guard parseUnaryWithPostfix() else { return false }
        // `x=x`: comparing an operand with itself is a tautology code does not write.
        if token.word == .equal || token.word == .like, let leftOperand, let rightOperand = lastOperandRange, sameBytes(leftOperand, rightOperand) {
            effects.insert(.literalComparison)
        }
        // The operator counts once its operand parsed: `and \` is not a condition.
        noteOperator(token)
        if token.word.isComparison && leftLiteral && lastOperandLiteral { effects.insert(.literalComparison) }
        // `OR TRUE` is a tautology; `x = false` is a comparison like any other.
        if token.word.isLogical && lastOperandBoolean && insideArguments == 0 { effects.insert(.booleanLiteral) }
        return true
    }

    private func isBinaryOperator(_ token: SQLToken) -> Bool {
        guard token.kind == .operator else { return false }
        switch token.word {
        case .bang, .bitNot, .question, .colon: return false
        default: return true
        }
    }

    private mutating func noteOperator(_ token: SQLToken) {
        if token.kind == .keyword { keywordOperatorUsed = true }
        operatorCount += 1
        noteOperator(token.word)
    }

    private mutating func noteOperator(_ word: SQLWord) {
        guard insideArguments == 0 else { return }
        if word.isLogical { effects.insert(.logic) }
        else if word.isComparison { effects.insert(.comparison) }
        else if word.isArithmetic { effects.insert(.arithmetic) }
    }

    // MARK: - Expressions

    private mutating func parseExpression() -> Bool {
        guard parseUnaryWithPostfix() else { return false }
        while let token = peek() {
            if token.kind == .operator, isBinaryOperator(token) {
                guard parseBinary(token) else { return false }
            } else if token.kind == .keyword, token.word == .and || token.word == .or || token.word == .xor || token.word == .div || token.word == .mod {
                guard parseBinary(token) else { return false }
            } else {
                return true
            }
        }
        return true
    }

    private mutating func parseUnaryWithPostfix() -> Bool {
        guard parseUnary() else { return false }
        while let token = peek(), token.kind == .keyword {
            switch token.word {
            case .is, .like, .rlike, .regexp, .ilike, .glob, .in, .between, .sounds, .collate:
                guard parsePostfix() else { return false }
            case .not where isPostfixAfterNot(peek(1)):
                guard parsePostfix() else { return false }
            default:
                return true
            }
        }
        return true
    }

    private func isPostfixAfterNot(_ token: SQLToken?) -> Bool {
        guard let token, token.kind == .keyword else { return false }
        return token.word == .like || token.word == .in || token.word == .between || token.word == .regexp || token.word == .rlike || token.word == .ilike
    }

    /// `IS [NOT] NULL`, `[NOT] LIKE x`, `[NOT] IN (…)`, `[NOT] BETWEEN a AND b`, `SOUNDS LIKE x`, `COLLATE c`.
    private mutating func parsePostfix() -> Bool {
        let leftLiteral = lastOperandLiteral
        if isKeyword(peek(), .not) { advance() }
        guard let token = advance(), token.kind == .keyword else { return false }
        keywordOperatorUsed = true
        operatorCount += 1
        func compared(_ parsed: Bool) -> Bool {
            guard parsed else { return false }
            effects.insert(.comparison)
            if leftLiteral && lastOperandLiteral { effects.insert(.literalComparison) }
            lastOperandLiteral = true
            return true
        }
        switch token.word {
        case .is:
            if isKeyword(peek(), .not) { advance() }
            if let next = peek(), next.kind == .keyword, next.word == .null || next.word == .true || next.word == .false || next.word == .unknownWord {
                // IS [NOT] NULL tests a value; it states no tautology.
                advance()
                effects.insert(.comparison)
                lastOperandLiteral = true
                return true
            }
            return compared(parseUnary())
        case .like, .rlike, .regexp, .ilike, .glob:
            guard compared(parseUnary()) else { return false }
            if isKeyword(peek(), .escape) {
                advance()
                return parseUnary()
            }
            return true
        case .sounds:
            guard isKeyword(peek(), .like) else { return false }
            advance()
            return compared(parseUnary())
        case .in:
            if isKeyword(peek(), .boolean) || isKeyword(peek(), .natural) {
                // MATCH … AGAINST (… IN BOOLEAN MODE)
                advance()
                while let next = peek(), next.kind == .identifier || next.kind == .keyword, !isKeyword(next, .mode) { advance() }
                guard isKeyword(peek(), .mode) else { return false }
                advance()
                return true
            }
            guard peek()?.kind == .leftParen else { return false }
            return compared(parsePrimary())
        case .between:
            guard parseUnary(), isKeyword(peek(), .and) else { return false }
            advance()
            return compared(parseUnary())
        case .collate:
            guard let name = advance() else { return false }
            return name.kind == .identifier || name.kind == .string
        default:
            return false
        }
    }

    private mutating func parseUnary() -> Bool {
        while let token = peek() {
            if token.kind == .operator, token.word == .minus || token.word == .plus || token.word == .bitNot || token.word == .bang {
                advance()
            } else if token.kind == .keyword, token.word == .not || token.word == .binary {
                advance()
            } else {
                break
            }
        }
        return parsePrimary()
    }

    private mutating func parsePrimary() -> Bool {
        guard let token = peek() else { return false }
        lastOperandLiteral = true
        lastOperandRange = token.kind == .identifier || token.kind == .number || token.kind == .string ? token.start..<token.end : nil
        switch token.kind {
        case .number:
            advance()
            return true
        case .variable:
            advance()
            effects.insert(.variable)
            noteSystemVariable(token)
            return true
        case .string:
            if token.terminated { closedStrings += 1 }
            if !token.terminated {
                // The value ends inside the context's own quote: the application closes it.
                guard token.quote == context.quote, context != .numeric else { return false }
                endedInOpenString = true
                var content = 0
                var words = 0
                var inWord = false
                var alphanumeric = true
                for index in (token.start + 1)..<token.end {
                    let byte = lexer.bytes[index]
                    let blank = SQLLexer.isWhitespace(byte)
                    if !blank { content += 1 }
                    if !blank && !inWord { words += 1 }
                    if !blank && !ASCII.isLetter(byte) && !ASCII.isDigit(byte) { alphanumeric = false }
                    inWord = !blank
                }
                openStringContent = content
                openStringClosesValue = words <= 1 && content <= 2 && alphanumeric
            }
            advance()
            return true
        case .identifier:
            return parseName()
        case .function:
            advance()
            // Only SQL's own functions are literal-like; `pg_stat_get_function_calls(x)` is someone's schema.
            lastOperandLiteral = token.word != .none
            if token.word == .none { sawName = true }
            // version(), user(), database() take no arguments; `User(login_name)` is prose.
            if token.word != .infoFunction || peek(1)?.kind == .rightParen { noteFunction(token.word) }
            guard peek()?.kind == .leftParen else { return false }
            return skipBalancedArguments()
        case .leftParen:
            advance()
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { return false }
            if isKeyword(peek(), .select) || isKeyword(peek(), .with) {
                guard parseSelect(inParentheses: true) else { return false }
                effects.insert(.subquery)
            } else if isKeyword(peek(), .union) {
                guard parseUnion() else { return false }
            } else {
                guard parseExpression() else { return false }
                while peek()?.kind == .comma {
                    advance()
                    guard parseExpression() else { return false }
                }
            }
            if peek()?.kind == .rightParen {
                advance()
                return true
            }
            // An unclosed parenthesis at the very end is closed by the application's own.
            unclosedParenthesis = true
            return atEnd()
        case .keyword:
            switch token.word {
            case .null:
                advance()
                return true
            case .true, .false:
                advance()
                lastOperandBoolean = true
                return true
            case .case:
                return skipCase()
            case .exists:
                advance()
                guard peek()?.kind == .leftParen else { return false }
                return parsePrimary()
            case .like, .glob, .regexp:
                // In operand position these are functions: SQLite's like(x, y), glob(x, y).
                advance()
                guard peek()?.kind == .leftParen else { return false }
                effects.insert(.stringFunction)
                return skipBalancedArguments()
            case .select:
                // A sub-select without parentheses (`1 AND SELECT …`): invalid in most dialects, plain intent.
                guard parseSelect(inParentheses: false) else { return false }
                effects.insert(.subquery)
                return true
            case .interval:
                advance()
                guard parseUnary() else { return false }
                if peek()?.kind == .identifier { advance() }
                return true
            case .left, .right, .replace, .insert, .time, .mod, .values, .table, .first, .next, .rows, .mode, .objectType:
                // Keyword spellings used as column names.
                return parseName()
            default:
                return false
            }
        case .operator where token.word == .times:
            advance()
            lastOperandLiteral = false
            return true
        default:
            return false
        }
    }

    /// A (dotted) name: `column`, `table.column`, `schema.table.*`.
    private mutating func parseName() -> Bool {
        guard let first = advance() else { return false }
        lastOperandLiteral = false
        sawName = true
        noteCatalog(first)
        while peek()?.kind == .dot, let next = peek(1), next.kind == .identifier || next.kind == .keyword || (next.kind == .operator && next.word == .times) {
            advance()
            advance()
            noteCatalog(next)
        }
        return true
    }

    /// `@@version`: a server variable read is a technique.
    private mutating func noteSystemVariable(_ token: SQLToken) {
        if token.end - token.start > 2, lexer.bytes[token.start + 1] == ASCII.at { effects.insert([.technique, .systemVariable]) }
    }

    private mutating func noteCatalog(_ token: SQLToken) {
        if token.kind == .identifier, lexer.vocabulary.isCatalog(lexer.bytes, token.start..<token.end) { effects.insert(.catalog) }
    }

    private mutating func noteFunction(_ word: SQLWord) {
        switch word {
        case .timeFunction: effects.insert([.technique, .timeTechnique])
        case .errorFunction: effects.insert([.technique, .errorTechnique])
        case .fileFunction, .commandFunction: effects.insert([.technique, .outOfBand])
        case .infoFunction: effects.insert(.technique)
        case .stringFunction: effects.insert(.stringFunction)
        default: break
        }
    }

    /// Function arguments are read leniently (CAST … AS, CONVERT … USING, EXTRACT … FROM): any balanced
    /// tokens, noting functions and sub-selects inside.
    private mutating func skipBalancedArguments() -> Bool {
        guard peek()?.kind == .leftParen else { return false }
        advance()
        var level = 1
        insideArguments += 1
        defer { insideArguments -= 1 }
        var pattern = LiteralComparisonPattern()
        while let token = advance() {
            if pattern.step(token) { effects.insert(.literalComparison) }
            switch token.kind {
            case .leftParen:
                level += 1
                guard level <= Self.maxDepth else { return false }
            case .rightParen:
                level -= 1
                if level == 0 { return true }
            case .function:
                noteFunction(token.word)
            case .variable:
                effects.insert(.variable)
                noteSystemVariable(token)
            case .identifier:
                noteCatalog(token)
            case .keyword where token.word == .select:
                effects.insert(.subquery)
            case .string where !token.terminated:
                guard token.quote == context.quote, context != .numeric else { return false }
                endedInOpenString = true
            default:
                break
            }
        }
        // Unclosed arguments at the end of the value.
        unclosedParenthesis = true
        return true
    }

    /// `CASE [x] WHEN c THEN v … [ELSE v] END`, its conditions parsed as expressions.
    private mutating func skipCase() -> Bool {
        advance()
        if !isKeyword(peek(), .when) {
            guard parseExpression() else { return false }
        }
        var sawWhen = false
        while let token = peek() {
            guard token.kind == .keyword else { return false }
            switch token.word {
            case .when, .then, .else:
                if token.word == .when { sawWhen = true }
                advance()
                guard parseExpression() else { return false }
            case .end:
                advance()
                if sawWhen { effects.insert(.caseExpression) }
                lastOperandLiteral = true
                return sawWhen
            default:
                return false
            }
        }
        return false
    }

    // MARK: - SELECT, UNION, statements

    private mutating func parseUnion() -> Bool {
        advance()
        while isKeyword(peek(), .all) || isKeyword(peek(), .distinct) { advance() }
        var parenthesised = 0
        while let next = peek(), next.kind == .leftParen || (next.kind == .operator && (next.word == .minus || next.word == .plus)) {
            advance()
            if next.kind == .leftParen { parenthesised += 1 }
        }
        if atEnd() && parenthesised == 0 && (start == .literal || start == .expression) && context == .numeric {
            // `-1 UNION`, `1/**/union#`: a number then UNION and nothing else probes for a UNION injection.
            effects.insert(.union)
            return true
        }
        guard isKeyword(peek(), .select) else { return false }
        if peek(1) == nil {
            // `1 UNION SELECT` with nothing after it: a probe for the column count.
            advance()
            effects.insert(.union)
            return true
        }
        guard parseSelect(inParentheses: parenthesised > 0) else { return false }
        effects.insert(.union)
        return true
    }

    /// `SELECT [ALL|DISTINCT|TOP n] items [FROM …]`: the item list is checked, the rest read leniently.
    private mutating func parseSelect(inParentheses: Bool) -> Bool {
        if isKeyword(peek(), .with) { return skipRest(inParentheses: inParentheses) }
        advance()
        while let token = peek(), token.kind == .keyword, token.word == .all || token.word == .distinct || token.word == .top {
            advance()
            if token.word == .top, peek()?.kind == .number { advance() }
        }
        var items = 0
        var plainWords = 0
        while true {
            guard let token = peek() else { break }
            if token.kind == .identifier { plainWords += 1 }
            guard parseExpression() else {
                // Exotic select lists (`SELECT table`, vendor syntax): read the rest leniently.
                return items > 0 || token.kind != .identifier ? skipRest(inParentheses: inParentheses) : false
            }
            items += 1
            // Alias: `expr AS name` or `expr name`.
            if isKeyword(peek(), .as) { advance(); advance() } else if peek()?.kind == .identifier || peek()?.kind == .string && peek()?.terminated == true { advance() }
            guard peek()?.kind == .comma else { break }
            advance()
        }
        guard items > 0 else { return false }
        let next = peek()
        let endsHere = next == nil || next?.kind == .rightParen || next?.kind == .semicolon
        // "Union select committee" as a whole value: a lone word with nothing after it is prose, not a query.
        if (start == .fragment || start == .word) && items == 1 && plainWords == 1 && endsHere && !commentAfterLastToken { return false }
        return skipRest(inParentheses: inParentheses)
    }

    /// Reads the rest of a query leniently: to the matching `)` when parenthesised, else to the end.
    private mutating func skipRest(inParentheses: Bool) -> Bool {
        var level = 0
        var pattern = LiteralComparisonPattern()
        while let token = peek() {
            switch token.kind {
            case .leftParen:
                level += 1
                guard level <= Self.maxDepth else { return false }
            case .rightParen:
                if level == 0 { return true }
                level -= 1
            case .function:
                noteFunction(token.word)
            case .keyword where token.word == .select && level > 0:
                effects.insert(.subquery)
            case .identifier:
                noteCatalog(token)
                // LOAD DATA INFILE, COPY … TO 'file', COPY … FROM PROGRAM
                if spells(token, "infile") || (copyStatement && spells(token, "program")) { effects.insert([.fileWrite, .outOfBand]) }
                if copyStatement && spells(token, "to") && (peek(1)?.kind == .string || peek(1)?.kind == .operator) { effects.insert([.fileWrite, .outOfBand]) }
            case .keyword where level == 0 && (token.word == .declare || token.word == .exec || token.word == .execute || token.word == .goto):
                // MSSQL runs statements separated by whitespace: DECLARE @s, EXEC(@s), GOTO label.
                if let next = peek(1), next.kind == .variable || next.kind == .leftParen || (token.word == .goto && next.kind == .identifier) {
                    batched = true
                }
            case .keyword where level == 0 && (token.word == .drop || token.word == .truncate || token.word == .alter):
                // … ELSE DROP FUNCTION x, … DROP TABLE t
                if let next = peek(1), next.kind == .keyword, next.word == .table || next.word == .objectType || next.word == .procedure {
                    batched = true
                }
            case .keyword where token.word == .where:
                sawWhere = true
            case .keyword where token.word == .from:
                sawFrom = true
                if copyStatement && peek(1)?.kind == .string { effects.insert([.fileWrite, .outOfBand]) }
            case .variable:
                noteSystemVariable(token)
            case .keyword where token.word == .into:
                if isKeyword(peek(1), .outfile) || isKeyword(peek(1), .dumpfile) { effects.insert([.fileWrite, .outOfBand]) }
            case .semicolon where level == 0 && !inParentheses:
                return true
            case .string where !token.terminated:
                if token.quote == context.quote && context != .numeric { endedInOpenString = true }
            default:
                break
            }
            if pattern.step(token) { effects.insert(.literalComparison) }
            advance()
        }
        return true
    }

    private mutating func parseWaitfor() -> Bool {
        advance()
        guard isKeyword(peek(), .delay) || isKeyword(peek(), .time) else { return false }
        advance()
        guard let duration = peek(), duration.kind == .string || duration.kind == .variable else { return false }
        advance()
        effects.insert([.technique, .timeTechnique, .stacked])
        return true
    }

    /// A statement after `;` (or MSSQL whitespace batching): a statement keyword with a plausible next token.
    private mutating func parseStatement() -> Bool {
        guard let token = peek() else { return false }
        if token.kind == .function, spells(token, "if") {
            // IF(condition) statement
            guard parsePrimary() else { return false }
            return parseStatement()
        }
        guard token.kind == .keyword, token.word.isStatement else { return false }
        switch token.word {
        case .waitfor:
            return parseWaitfor()
        case .if, .while:
            advance()
            let before = effects
            guard parseExpression() else { return false }
            // The condition must be one: a comparison, EXISTS/sub-select or a function, not a lone word ('if').
            guard effects.subtracting(before).isDisjoint(with: [.comparison, .subquery, .technique, .stringFunction, .booleanLiteral]) == false
                || effects.contains(.comparison) && before.contains(.comparison) == false else { return false }
            if atEnd() {
                // `IF EXISTS (SELECT …` cut short: the condition alone is code.
                effects.insert(.stacked)
                return true
            }
            return parseStatement()
        case .goto:
            advance()
            guard peek()?.kind == .identifier else { return false }
            advance()
            effects.insert(.stacked)
            _ = skipRest(inParentheses: false)
            return true
        default:
            break
        }
        advance()
        let next = peek()
        switch token.word {
        case .shutdown:
            // SHUTDOWN, SHUTDOWN WITH NOWAIT — not `a shutdown function` in prose.
            guard next == nil || next?.kind == .semicolon || isKeyword(next, .with) && peek(1).map({ spells($0, "nowait") }) == true
            else { return false }
        case .commit, .rollback:
            guard next == nil || next?.kind == .semicolon || next.map({ spells($0, "tran") || spells($0, "transaction") || spells($0, "work") }) == true
            else { return false }
        case .with:
            // A common table expression: WITH [RECURSIVE] name [(columns)] AS ( — not `; with no sections`.
            var scan = 0
            var found = false
            while scan < 8, let ahead = peek(scan) {
                if isKeyword(ahead, .as) { found = peek(scan + 1)?.kind == .leftParen; break }
                guard ahead.kind == .identifier || ahead.kind == .leftParen || ahead.kind == .rightParen || ahead.kind == .comma
                    || spells(ahead, "recursive") else { break }
                scan += 1
            }
            guard found else { return false }
        case .begin:
            // BEGIN TRY, BEGIN TRAN[SACTION], BEGIN DECLARE …
            guard let next else { return true }
            guard next.kind == .keyword || spells(next, "try") || spells(next, "tran") || spells(next, "transaction") else { return false }
        case .select:
            guard let next else { return false }
            if next.kind == .identifier, !(isKeyword(peek(1), .from) || peek(1)?.kind == .comma || peek(1)?.kind == .dot) { return false }
        case .drop, .create, .alter, .truncate:
            // DROP TABLE x, DROP DATABASE test, CREATE USER name
            guard let next, next.kind == .keyword, next.word == .table || next.word == .objectType || next.word == .procedure
                || next.word == .if || next.word == .temporary else { return false }
        case .set:
            // SET @x = …, SET name = …
            guard let next, next.kind == .variable || next.kind == .identifier,
                  let after = peek(1), after.kind == .operator, after.word == .equal || after.word == .assign else { return false }
        case .exec, .execute:
            // EXEC xp_cmdshell …, EXEC master..xp_cmdshell, EXEC('…'), EXEC @sql
            guard let next else { return false }
            switch next.kind {
            case .function, .variable, .leftParen:
                break
            case .identifier:
                guard next.end - next.start >= 3, let after = peek(1), after.kind != .identifier && after.kind != .keyword || spells(next, "xp_cmdshell") else { return false }
            default:
                return false
            }
        case .call:
            guard next?.kind == .function else { return false }
        case .declare:
            // DECLARE @s …, DECLARE name CURSOR
            guard next?.kind == .variable || (next?.kind == .identifier && peek(1).map { spells($0, "cursor") } == true) else { return false }
        case .update:
            guard next?.kind == .identifier || next?.word == .objectType || next?.word == .table,
                  isKeyword(peek(1), .set) || peek(1)?.kind == .dot else { return false }
        case .delete:
            guard isKeyword(next, .from) || (next?.kind == .identifier && (isKeyword(peek(1), .where) || isKeyword(peek(1), .from))) else { return false }
        case .grant, .revoke:
            // GRANT … ON …, GRANT … TO …
            var scan = 0
            var found = false
            while scan < 2, let ahead = peek(scan) {
                if isKeyword(ahead, .on) || spells(ahead, "to") { found = true }
                scan += 1
            }
            guard found || (next?.kind == .identifier || next?.kind == .keyword) && (isKeyword(peek(2), .on) || peek(2).map { spells($0, "to") } == true) else { return false }
        case .insert:
            guard isKeyword(next, .into) else { return false }
        default:
            guard next != nil else { return false }
        }
        effects.insert(.stacked)
        _ = skipRest(inParentheses: false)
        return true
    }
}

/// Spots `literal <comparison> literal` (`4523=4523`, `'a'='b'`) in token streams read leniently (function
/// arguments, sub-selects): code compares columns with values, injections compare constants.
struct LiteralComparisonPattern {
    private var state = 0

    /// Feeds one token; true when it completes the pattern.
    mutating func step(_ token: SQLToken) -> Bool {
        let literal = token.kind == .number || (token.kind == .string && token.terminated)
        let comparison = token.kind == .operator && token.word.isComparison
        switch state {
        case 1 where comparison:
            state = 2
            return false
        case 2 where literal:
            state = 1
            return true
        default:
            state = literal ? 1 : 0
            return false
        }
    }
}
