import MirrorGuardCore

/// SQL injection: a value is an attack when, read from a numeric, single-quote or double-quote context,
/// it breaks out of data and the tokens after the breakout parse as SQL that changes the query
/// (boolean condition, UNION, stacked statement, time/error/out-of-band function, truncation, probing).
public struct SQLInjectionDetector: PointDetector {
    public var id: String { "sqli.grammar" }
    public var attackType: AttackType { AttackType.sqli }
    var vocabulary: SQLVocabulary { SQLVocabulary.shared }

    public init() {}

    /// A SQL injection needs at least two tokens joined by something other than letters and digits. A slash joins
    /// them only as a `/*` comment (`1/**/OR/**/1`): alone it is a path or a division, never an injection.
    private static let needed: ValueProfile.Classes = [
        .apostrophe, .quote, .backquote, .parenthesis, .semicolon, .hash, .equals, .pipe, .ampersand, .whitespace,
        .control, .lessThan, .greaterThan, .at,
    ]

    private static func hasNeeded(_ profile: ValueProfile) -> Bool {
        profile.hasAny(needed) || profile.hasAny(.slash) && profile.hasAny(.star)
    }

    public func wants(_ profile: ValueProfile) -> Bool {
        Self.hasNeeded(profile) || profile.hasAny(.minus)
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        // `&#39;` reaches the database as text: entity-decoded values are not SQL the application runs.
        if point.decoders.contains(.html) { return }
        // Values whose only separators are `-` (dates, UUIDs, `en-US`) matter only with a `--` comment in them.
        if !Self.hasNeeded(profile) && !Self.containsDoubleMinus(value) { return }
        if let verdict = recognize(value, profile: profile) {
            hits.append(hit(for: verdict, value: value, point: point))
        }
    }

    /// The first context in which the value is an injection, if any.
    func recognize(_ value: UnsafeBufferPointer<UInt8>, profile: ValueProfile) -> SQLVerdict? {
        if isWordsWithoutSQL(value) { return nil }
        return recognizeInEveryContext(value, profile: profile)
    }

    /// Letters, digits and blanks only, and no run of letters an SQL word (`red dress`, `12 Rue de la Paix`): no quote to
    /// break out of, no operator, comment or variable, and no keyword — nothing any context reads as injected SQL, so
    /// prose skips the recognisers. Letters are read in runs split at every other byte, so a keyword the lexer would
    /// see inside an identifier is seen here too (`1or2` shows `or`).
    func isWordsWithoutSQL(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        var wordStart = -1
        while index <= value.count {
            let byte: UInt8 = index < value.count ? value[index] : ASCII.space
            if ASCII.isLetter(byte) {
                if wordStart < 0 { wordStart = index }
            } else {
                guard ASCII.isDigit(byte) || byte == ASCII.space || byte == ASCII.tab || byte == ASCII.lf || byte == ASCII.cr else { return false }
                if wordStart >= 0 {
                    if vocabulary.keyword(value, wordStart..<index) != .none { return false }
                    wordStart = -1
                }
            }
            index += 1
        }
        return true
    }

    /// `recognize` without the prose shortcut.
    func recognizeInEveryContext(_ value: UnsafeBufferPointer<UInt8>, profile: ValueProfile) -> SQLVerdict? {
        if profile.hasAny(.apostrophe), let verdict = recognizeQuoted(value, context: .singleQuote) { return verdict }
        if profile.hasAny(.quote), let verdict = recognizeQuoted(value, context: .doubleQuote) { return verdict }
        if let verdict = recognize(value, context: .numeric, breakout: 0) { return verdict }
        if mayBeStatement(value), let verdict = recognize(value, context: .statement, breakout: 0) { return verdict }
        guard ASCII.containsIgnoringCase(value, "union") else { return nil }
        var recognizer = SQLRecognizer(bytes: value, start: 0, context: .numeric, vocabulary: vocabulary)
        return recognizer.recognizeUnionAnywhere(breakoutStart: 0)
    }

    /// False when the value (after blanks and closing parentheses) starts with a word that begins no statement:
    /// prose and identifiers skip the statement grammar. Anything else (comments, symbols) goes through it.
    func mayBeStatement(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < value.count, ASCII.isWhitespace(value[index]) || value[index] == 0x29 { index += 1 }
        guard index < value.count, ASCII.isLetter(value[index]) else { return true }
        let start = index
        while index < value.count, ASCII.isLetter(value[index]) { index += 1 }
        return SQLRecognizer.startsStatement(vocabulary.keyword(value, start..<index))
    }

    /// A quote context: the first quote MySQL would honour (backslash escapes), then the first quote at all.
    private func recognizeQuoted(_ value: UnsafeBufferPointer<UInt8>, context: SQLContext) -> SQLVerdict? {
        let escaped = Self.breakoutQuote(in: value, quote: context.quote, backslashEscapes: true)
        if let escaped, let verdict = recognize(value, context: context, breakout: escaped) { return verdict }
        // Without backslash escaping (MSSQL, or an application that escapes with backslashes itself).
        if let plain = Self.breakoutQuote(in: value, quote: context.quote, backslashEscapes: false), plain != escaped {
            return recognize(value, context: context, breakout: plain)
        }
        return nil
    }

    func recognize(_ value: UnsafeBufferPointer<UInt8>, context: SQLContext) -> SQLVerdict? {
        switch context {
        case .numeric, .statement:
            return recognize(value, context: context, breakout: 0)
        case .singleQuote, .doubleQuote:
            guard let quote = Self.breakoutQuote(in: value, quote: context.quote, backslashEscapes: true) else { return nil }
            return recognize(value, context: context, breakout: quote)
        }
    }

    private func recognize(_ value: UnsafeBufferPointer<UInt8>, context: SQLContext, breakout: Int) -> SQLVerdict? {
        let start = context == .numeric || context == .statement ? 0 : breakout + 1
        var recognizer = SQLRecognizer(bytes: value, start: start, context: context, vocabulary: vocabulary)
        guard let verdict = recognizer.recognize(breakoutStart: breakout) else { return nil }
        if (context == .singleQuote || context == .doubleQuote) && verdict.effects == .truncation {
            // `admin'--` truncates; "the students' -- and" is prose: the data before must be one word.
            for index in 0..<breakout where ASCII.isWhitespace(value[index]) { return nil }
        }
        return verdict
    }

    static func containsDoubleMinus(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 1
        while index < value.count {
            if value[index] == ASCII.minus && value[index - 1] == ASCII.minus { return true }
            index += 1
        }
        return false
    }

    /// The first quote that ends the application's string (a doubled quote is an escaped one).
    static func breakoutQuote(in value: UnsafeBufferPointer<UInt8>, quote: UInt8, backslashEscapes: Bool) -> Int? {
        var index = 0
        while index < value.count {
            if backslashEscapes && value[index] == ASCII.backslash && index + 1 < value.count && value[index + 1] == quote
                && !(index + 2 < value.count && value[index + 2] == quote) {
                // MySQL: `\'` stays inside the string.
                index += 2
                continue
            }
            if value[index] == quote {
                if index + 1 < value.count && value[index + 1] == quote {
                    // `\''`: the backslash was meant to escape the application's escaping, so the second quote breaks out.
                    if index > 0 && value[index - 1] == ASCII.backslash { return index + 1 }
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }

    private func hit(for verdict: SQLVerdict, value: UnsafeBufferPointer<UInt8>, point: Point) -> Hit {
        let fragment = Fragment.text(value, verdict.fragment)
        let technique = Self.technique(verdict.effects)
        let reason = "tokens `\(fragment.count > 60 ? String(fragment.prefix(60)) + "…" : fragment)` parse as \(technique) from a \(verdict.context.rawValue) context"
        return Hit(type: .sqli, point: point.name, fragment: fragment, detector: id, context: verdict.context.rawValue, reason: reason)
    }

    static func technique(_ effects: SQLEffects) -> String {
        if effects.contains(.union) { return "a UNION-based injection" }
        if effects.contains(.timeTechnique) { return "a time-based blind injection" }
        if effects.contains(.errorTechnique) { return "an error-based injection" }
        if effects.contains(.fileWrite) || effects.contains(.outOfBand) { return "an out-of-band / file access injection" }
        if effects.contains(.stacked) { return "a stacked query" }
        if effects.contains(.technique) { return "a database function probe" }
        if effects.contains(.logic) { return "a boolean injection" }
        if effects.contains(.orderBy) { return "ORDER BY / GROUP BY probing" }
        if effects.contains(.subquery) { return "a subquery injection" }
        if effects.contains(.truncation) { return "a comment truncation" }
        if effects.contains(.clause) { return "an injected clause" }
        return "an operator injection"
    }
}
