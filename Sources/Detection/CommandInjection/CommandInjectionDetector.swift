import MirrorGuardCore

/// OS command injection. A shell scanner finds the places a command can start — the value's start, after
/// `;` `|` `||` `&` `&&`, a newline (raw or written `\n`), inside backquotes and `$(…)` — reads the command word
/// the way a shell would (quotes and backslashes inside it removed: `c'a't`, `c\at`; `${IFS}` as space;
/// `/bin/c?t` globs; a path prefix `/usr/bin/id`) and reports it when the word is a command and its
/// arguments are shaped like a command line's (`ShellVocabulary`). Words that are also English (`cat`,
/// `sleep`, `type`) need shaped arguments (a path, a number, a flag), so prose stays quiet.
public struct CommandInjectionDetector: PointDetector {
    public var id: String { "rce.shell" }
    public var attackType: AttackType { AttackType.rce }

    /// Bytes of a value scanned for command positions.
    static let maxBytes = 4096
    /// Tokens a command line with an English-word command may have before it reads as prose.
    static let maxWordCommandTokens = 8
    /// Tokens a whole-value command line may have.
    static let maxAloneTokens = 5

    public init() {}

    private static let separators: ValueProfile.Classes = [.semicolon, .pipe, .ampersand, .control, .backquote, .dollar, .backslash, .percent]

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny(Self.separators) || (profile.hasAny(.letter) && profile.hasAny([.whitespace, .slash]))
            || (profile.hasAny(.letter) && !profile.hasAny([.dot, .equals, .colon]))
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        let bytes = UnsafeBufferPointer(rebasing: value[0..<min(value.count, Self.maxBytes)])
        var scanner = ShellScanner(bytes)
        guard let found = scanner.firstCommand(separated: profile.hasAny(Self.separators)) else { return }
        let fragment = Fragment.text(bytes, found.range)
        let reason = found.afterSeparator
            ? "`\(found.name)` runs as a command after a shell separator"
            : "the value is a `\(found.name)` command line"
        hits.append(Hit(type: .rce, point: point.name, fragment: fragment, detector: id, context: found.context.rawValue, reason: reason))
    }
}

/// Finds command positions and reads commands and their arguments.
struct ShellScanner {
    struct Found {
        let name: String
        let range: Range<Int>
        let afterSeparator: Bool
        let context: Context
    }

    /// Where the command stands (reported as the hit's context). An enum, not a string: the separator loop sets
    /// one for every byte it reads.
    enum Context: String {
        case commandLine = "command-line"
        case afterSeparator = "after-separator"
        case substitution
        /// A backquote after a space or a letter: as likely Markdown as shell; reported as `substitution`.
        case proseSubstitution = "prose-substitution"
    }

    let bytes: UnsafeBufferPointer<UInt8>

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func firstCommand(separated: Bool) -> Found? {
        if let found = command(at: skipBreakout(0), afterSeparator: false, context: .commandLine) { return found }
        guard separated else { return nil }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            var next = -1
            var context = Context.afterSeparator
            switch byte {
            case ASCII.semicolon, ASCII.pipe, ASCII.lf, ASCII.cr:
                next = index + 1
            case ASCII.ampersand:
                // `&amp;` and friends are character references, not a background operator.
                if !isCharacterReference(at: index) { next = index + 1 }
            case ASCII.backquote:
                next = index + 1
                // After a space or a letter a backquote is as likely Markdown as shell (`ls` in prose).
                let previous: UInt8 = index > 0 ? bytes[index - 1] : 0
                context = index > 0 && (ASCII.isWhitespace(previous) || ASCII.isLetter(previous)) ? .proseSubstitution : .substitution
            case ASCII.dollar where index + 1 < bytes.count && bytes[index + 1] == ASCII.leftParen:
                next = index + 2
                context = .substitution
            case ASCII.backslash where index + 1 < bytes.count && (bytes[index + 1] == 0x6E || bytes[index + 1] == 0x72):
                // `\n` written out: many sinks (JSON, printf, echo -e) turn it into a newline.
                next = index + 2
            case ASCII.percent where index + 2 < bytes.count && bytes[index + 1] == 0x30
                && (bytes[index + 2] | 0x20 == 0x61 || bytes[index + 2] | 0x20 == 0x64):
                // `%0a` still encoded (double encoding): a newline once the application decodes it.
                next = index + 3
            default:
                break
            }
            if next >= 0 {
                // `||`, `&&`, `;;`: one separator.
                while next < bytes.count && (bytes[next] == byte || bytes[next] == ASCII.ampersand || bytes[next] == ASCII.pipe) && byte != ASCII.backquote {
                    next += 1
                }
                if let found = command(at: next, afterSeparator: true, context: context) {
                    return context == .proseSubstitution ? Found(name: found.name, range: found.range, afterSeparator: true, context: .substitution) : found
                }
                index = max(next, index + 1)
                continue
            }
            index += 1
        }
        return nil
    }

    private func isCharacterReference(at index: Int) -> Bool {
        var cursor = index + 1
        if cursor < bytes.count && bytes[cursor] == ASCII.hash { cursor += 1 }
        let start = cursor
        while cursor < bytes.count && cursor - start <= 10 && (ASCII.isLetter(bytes[cursor]) || ASCII.isDigit(bytes[cursor])) { cursor += 1 }
        return cursor > start && cursor < bytes.count && bytes[cursor] == ASCII.semicolon
    }

    /// At the value's start an injection may first close the application's quote or call: `'`, `"`, `)`.
    private func skipBreakout(_ start: Int) -> Int {
        var index = start
        while index < bytes.count && (bytes[index] == ASCII.apostrophe || bytes[index] == ASCII.quote || ASCII.isWhitespace(bytes[index])) {
            index += 1
        }
        return index
    }

    /// Skips spaces, tabs, `${IFS}`, `$IFS$9`, and grouping `{` `(`.
    private func skipBlank(_ start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.space || byte == ASCII.tab || byte == ASCII.leftBrace || byte == ASCII.leftParen {
                index += 1
            } else if byte == ASCII.dollar, let after = ifsEnd(index) {
                index = after
            } else {
                break
            }
        }
        return index
    }

    /// The end of `${IFS}` / `$IFS` (and a following `$9`-style empty positional) at `index`.
    private func ifsEnd(_ index: Int) -> Int? {
        var cursor = index + 1
        let braced = cursor < bytes.count && bytes[cursor] == ASCII.leftBrace
        if braced { cursor += 1 }
        guard cursor + 3 <= bytes.count, bytes[cursor] == 0x49, bytes[cursor + 1] == 0x46, bytes[cursor + 2] == 0x53 else { return nil }
        cursor += 3
        if braced {
            guard cursor < bytes.count, bytes[cursor] == ASCII.rightBrace else { return nil }
            cursor += 1
        }
        if cursor + 1 < bytes.count && bytes[cursor] == ASCII.dollar && ASCII.isDigit(bytes[cursor + 1]) { cursor += 2 }
        return cursor
    }

    private static func endsWord(_ byte: UInt8) -> Bool {
        switch byte {
        case ASCII.space, ASCII.tab, ASCII.lf, ASCII.cr, ASCII.semicolon, ASCII.pipe, ASCII.ampersand, ASCII.lessThan, ASCII.greaterThan,
            ASCII.leftParen, ASCII.rightParen, ASCII.comma, ASCII.rightBrace, ASCII.backquote, ASCII.nul:
            true
        default:
            false
        }
    }

    /// Reads the command word at `start` and decides.
    private func command(at position: Int, afterSeparator: Bool, context: Context) -> Found? {
        let start = skipBlank(position)
        guard start < bytes.count else { return nil }
        let first = bytes[start]
        guard ASCII.isLetter(first) || first == ASCII.slash || first == ASCII.backslash || first == ASCII.apostrophe || first == ASCII.quote
        else { return nil }
        // The word as the shell reads it: quotes, backslashes and `$@` removed; the last path component.
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var obfuscated = false
        var hadPath = false
        var glob = false
        var index = start
        var letters = 0
        var quotes = 0
        var stop = false
        withUnsafeMutableBytes(of: &storage) { word in
            while index < bytes.count && !Self.endsWord(bytes[index]) {
                let byte = bytes[index]
                switch byte {
                case ASCII.backslash where index + 1 < bytes.count && (bytes[index + 1] == 0x6E || bytes[index + 1] == 0x72)
                    && (index + 2 == bytes.count || !ASCII.isLetter(bytes[index + 2])):
                    // `id\n`: a written-out newline ends the word.
                    stop = true
                case ASCII.apostrophe, ASCII.quote:
                    quotes += 1
                    if letters > 0 { obfuscated = true }
                case ASCII.backslash:
                    if letters > 0 { obfuscated = true }
                case ASCII.dollar where index + 1 < bytes.count && bytes[index + 1] == ASCII.at:
                    obfuscated = true
                    index += 1
                case ASCII.dollar where ifsEnd(index) != nil:
                    // `cat${IFS}/etc/passwd`: `${IFS}` is a space.
                    stop = true
                case ASCII.slash:
                    hadPath = true
                    count = 0
                    letters = 0
                case ASCII.question, 0x2A, ASCII.leftBracket, ASCII.rightBracket:
                    glob = true
                    if count < word.count { word[count] = byte }
                    count += 1
                default:
                    if count < word.count { word[count] = ASCII.lower(byte) }
                    count += 1
                    letters += 1
                }
                if stop { break }
                index += 1
            }
        }
        // An unpaired quote (`I'd`, `node'`) is prose or the end of a string, not a quoted command word.
        guard count > 0 && count <= 24 && quotes % 2 == 0 else { return nil }
        let wordEnd = index
        let found: ShellCommand? = withUnsafeBytes(of: storage) { word in
            let name = UnsafeBufferPointer(rebasing: word.bindMemory(to: UInt8.self)[0..<count])
            if glob { return hadPath ? Self.globMatch(name) : nil }
            return ShellVocabulary.command(named: name)
        }
        guard let command = found else { return nil }
        let line = arguments(from: wordEnd, command: command)
        let range = start..<max(wordEnd, line.end)
        // Obfuscated or path-qualified command words are never prose.
        if obfuscated || glob || (hadPath && bytes[start] == ASCII.slash) {
            return Found(name: command.name, range: range, afterSeparator: afterSeparator, context: context)
        }
        var wanted = afterSeparator ? command.afterSeparator : command.alone
        // Backquotes also mark code in Markdown (`ls`): a bare English-word command inside them is prose.
        if context == .proseSubstitution && command.isWord { wanted.remove(.none) }
        guard !wanted.isDisjoint(with: line.shapes) else { return nil }
        if command.isWord && line.tokens > CommandInjectionDetector.maxWordCommandTokens { return nil }
        if !afterSeparator && line.tokens > (command.isWord ? CommandInjectionDetector.maxAloneTokens : CommandInjectionDetector.maxWordCommandTokens + 4) {
            return nil
        }
        // Alone, the command line must be the whole value (or end at a separator).
        if !afterSeparator && !line.endsAtBoundary { return nil }
        return Found(name: command.name, range: range, afterSeparator: afterSeparator, context: context)
    }

    /// Matches a glob word (`c?t`, `c*`) against command names of the same shape.
    private static func globMatch(_ pattern: UnsafeBufferPointer<UInt8>) -> ShellCommand? {
        for command in ShellVocabulary.commands where command.name.utf8.count >= 2 {
            if globMatches(pattern, Array(command.name.utf8)) && pattern.contains(where: { ASCII.isLetter($0) }) { return command }
        }
        return nil
    }

    private static func globMatches(_ pattern: UnsafeBufferPointer<UInt8>, _ name: [UInt8]) -> Bool {
        var p = 0
        var n = 0
        var star = -1
        var mark = 0
        while n < name.count {
            if p < pattern.count && (pattern[p] == ASCII.question || pattern[p] == name[n]) {
                p += 1
                n += 1
            } else if p < pattern.count && pattern[p] == 0x2A {
                star = p
                mark = n
                p += 1
            } else if p < pattern.count && pattern[p] == ASCII.leftBracket, let close = pattern[p...].firstIndex(of: ASCII.rightBracket) {
                guard pattern[(p + 1)..<close].contains(name[n]) else { return false }
                p = close + 1
                n += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                n = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == 0x2A { p += 1 }
        return p == pattern.count
    }

    struct Line {
        var shapes: ShellCommand.Arguments = []
        var tokens = 0
        var end = 0
        var endsAtBoundary = false
    }

    /// Classifies the arguments after a command word up to the next separator.
    private func arguments(from start: Int, command: ShellCommand) -> Line {
        var line = Line()
        var index = skipBlank(start)
        line.end = index
        while true {
            guard index < bytes.count else {
                line.endsAtBoundary = true
                break
            }
            let byte = bytes[index]
            if byte == ASCII.semicolon || byte == ASCII.pipe || byte == ASCII.ampersand || byte == ASCII.lf || byte == ASCII.cr
                || byte == ASCII.backquote || byte == ASCII.rightParen || byte == ASCII.nul
                || (byte == ASCII.backslash && index + 1 < bytes.count && (bytes[index + 1] == 0x6E || bytes[index + 1] == 0x72)) {
                line.endsAtBoundary = true
                break
            }
            if (byte == ASCII.apostrophe || byte == ASCII.quote) && index + 1 == bytes.count {
                // The quote that closes a breakout (`'|id'`) ends the line too.
                line.endsAtBoundary = true
                break
            }
            let tokenEnd = tokenEnd(from: index)
            if line.tokens < 3 { line.shapes.formUnion(shape(index..<tokenEnd, command: command)) }
            line.tokens += 1
            line.end = tokenEnd
            index = skipBlank(tokenEnd)
            if line.tokens > 64 { break }
        }
        if line.tokens == 0 { line.shapes.insert(.none) }
        return line
    }

    private func tokenEnd(from start: Int) -> Int {
        var index = start
        let quote = bytes[start]
        if quote == ASCII.apostrophe || quote == ASCII.quote {
            index += 1
            while index < bytes.count && bytes[index] != quote { index += 1 }
            return min(index + 1, bytes.count)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.space || byte == ASCII.tab || byte == ASCII.semicolon || byte == ASCII.pipe || byte == ASCII.ampersand
                || byte == ASCII.lf || byte == ASCII.cr || byte == ASCII.backquote {
                break
            }
            if byte == ASCII.dollar, ifsEnd(index) != nil, index > start { break }
            index += 1
        }
        return max(index, start + 1)
    }

    private func shape(_ range: Range<Int>, command: ShellCommand) -> ShellCommand.Arguments {
        let token = UnsafeBufferPointer(rebasing: bytes[range])
        guard let first = token.first else { return [] }
        let second: UInt8 = token.count > 1 ? token[1] : 0
        switch first {
        case ASCII.minus where ASCII.isLetter(second) || ASCII.isDigit(second) || second == ASCII.minus:
            return .flag
        case ASCII.slash:
            // `/etc/passwd` is a path; `/all`, `/c`, `/ADD` are Windows switches.
            var shapes: ShellCommand.Arguments = []
            if token.count > 1 && ASCII.isLetter(second) || second == ASCII.dot || second == 0x2A { shapes.insert(.path) }
            if token.count <= 5 && ASCII.isLetter(second) && !token.dropFirst().contains(ASCII.slash) { shapes.insert(.flag) }
            if token.count == 1 { shapes.insert(.path) }
            return shapes
        case 0x7E where second == ASCII.slash, ASCII.dot where second == ASCII.slash || second == ASCII.dot:
            return .path
        case ASCII.backslash where second == ASCII.backslash:
            return .path
        case ASCII.percent where token.dropFirst().contains(ASCII.percent):
            return .path
        case ASCII.dollar, ASCII.backquote:
            return .variable
        case ASCII.greaterThan, ASCII.lessThan:
            return .redirect
        case ASCII.apostrophe, ASCII.quote:
            return .quoted
        default:
            break
        }
        if ASCII.isDigit(first) && token.count >= 2 && token[1] == ASCII.greaterThan { return .redirect }
        if token.count >= 3 && ASCII.isLetter(first) && token[1] == ASCII.colon && (token[2] == ASCII.backslash || token[2] == ASCII.slash) {
            return .path
        }
        if ASCII.hasPrefixIgnoringCase(token, "http://") || ASCII.hasPrefixIgnoringCase(token, "https://")
            || ASCII.hasPrefixIgnoringCase(token, "ftp://") {
            return .url
        }
        var digits = 0
        var dots = 0
        var letters = 0
        for byte in token {
            if ASCII.isDigit(byte) { digits += 1 } else if byte == ASCII.dot { dots += 1 } else if ASCII.isLetter(byte) || byte == ASCII.minus { letters += 1 }
        }
        if digits == token.count { return .number }
        if dots == 3 && digits + dots == token.count { return .address }
        if dots >= 1 && letters > 0 && digits + dots + letters == token.count && token.last != ASCII.dot && first != ASCII.dot {
            return [.address, .word]
        }
        // Only commands that are not also words count as the argument of `which` or `sudo`.
        if let named = ShellVocabulary.command(named: token), !named.alone.isEmpty { return [.command, .word] }
        for subcommand in command.subcommands where token.count == subcommand.utf8.count {
            if zip(token, subcommand.utf8).allSatisfy({ ASCII.lower($0) == $1 }) { return [.subcommand, .word] }
        }
        return .word
    }
}
