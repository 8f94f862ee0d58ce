import MirrorGuardCore

/// Code injection into interpreters that reach the OS: PHP (`<?php`, `system('…')`, `${@print(…)}`,
/// superglobals), Python (`__import__('os')`, `os.system(`, `subprocess.`), Node (`child_process`,
/// `process.mainModule`), Java (`Runtime.getRuntime()`, `ProcessBuilder`), PowerShell (`IEX(`,
/// `DownloadString(`) and Bash function import (Shellshock `() {`). An identifier scanner reads dotted names
/// outside method calls (`regex.exec(x)` is not `exec(`) and checks what follows them.
public struct CodeInjectionDetector: PointDetector {
    public var id: String { "rce.code" }
    public var attackType: AttackType { AttackType.rce }

    /// Bytes of a value scanned.
    static let maxBytes = 8192

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny([.parenthesis, .lessThan, .brace, .dollar]) || (profile.hasAny(.dot) && profile.hasAny(.letter))
    }

    /// What must follow a name for it to be code.
    enum Requirement {
        /// The name alone is enough (`child_process`, `java.lang.Runtime`).
        case name
        /// A call whose first argument is a string, a variable, a backquoted command or another call.
        case callWithCode
        /// A call with no arguments (`phpinfo()`).
        case emptyCall
    }

    static let names: [(String, Requirement)] = [
        // PHP
        ("system", .callWithCode), ("exec", .callWithCode), ("shell_exec", .callWithCode), ("passthru", .callWithCode),
        ("popen", .callWithCode), ("proc_open", .callWithCode), ("pcntl_exec", .callWithCode), ("eval", .callWithCode),
        ("assert", .callWithCode), ("create_function", .callWithCode), ("call_user_func", .callWithCode),
        ("fwrite", .callWithCode), ("include", .callWithCode), ("require_once", .callWithCode),
        ("include_once", .callWithCode), ("base64_decode", .callWithCode), ("phpinfo", .emptyCall), ("phpversion", .emptyCall),
        ("php_uname", .emptyCall), ("getcwd", .emptyCall), ("get_current_user", .emptyCall),
        // Python, Node, Java
        ("__import__", .callWithCode), ("child_process", .name), ("execsync", .callWithCode), ("spawnsync", .callWithCode),
        ("processbuilder", .callWithCode),
        // PowerShell
        ("iex", .callWithCode), ("invoke-expression", .name), ("invoke-webrequest", .name), ("downloadstring", .callWithCode),
        ("downloadfile", .callWithCode), ("start-process", .name),
    ]

    private static let index = WordTable(names.enumerated().map { ($0.element.0, $0.offset) })
    /// The names that need no call (`child_process`), by their place in `names`.
    private static let aloneIndex = WordTable(names.enumerated().filter { $0.element.1 == .name }.map { ($0.element.0, $0.offset) })

    /// Names of at most 16 bytes (longer ones are dotted and matched by `matchDotted`).
    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        let bytes = UnsafeBufferPointer(rebasing: value[0..<min(value.count, Self.maxBytes)])
        guard let (range, reason) = find(bytes, profile: profile) else { return }
        hits.append(Hit(type: .rce, point: point.name, fragment: Fragment.text(bytes, range), detector: id, context: "code", reason: reason))
    }

    func find(_ bytes: UnsafeBufferPointer<UInt8>, profile: ValueProfile) -> (Range<Int>, String)? {
        if profile.hasAny(.parenthesis), let range = shellshock(bytes) {
            return (range, "a Bash function definition `() {` (Shellshock)")
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.lessThan && index + 4 < bytes.count && bytes[index + 1] == ASCII.question
                && (ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: bytes[(index + 2)...]), "php")
                    || bytes[index + 2] == ASCII.equals) {
                return (index..<min(bytes.count, index + 40), "a PHP open tag")
            }
            if byte == ASCII.dollar, let range = phpInterpolation(bytes, index) {
                return (range, "PHP string interpolation that calls a function (`${…(…)}`)")
            }
            if byte == ASCII.dollar && index + 2 < bytes.count && bytes[index + 1] == 0x5F, let range = superglobal(bytes, index) {
                return (range, "a PHP request superglobal used as code")
            }
            if ASCII.isLetter(byte) || byte == 0x5F {
                let previous: UInt8 = index > 0 ? bytes[index - 1] : 0
                var end = index
                while end < bytes.count && (ASCII.isLetter(bytes[end]) || ASCII.isDigit(bytes[end]) || bytes[end] == 0x5F || bytes[end] == ASCII.minus) {
                    end += 1
                }
                // A method or property of something else (`regex.exec(`, `$obj->system(`) is not the global function.
                let isMember = previous == ASCII.dot || previous == ASCII.greaterThan || previous == ASCII.dollar
                    || ASCII.isDigit(previous) || previous == 0x5F
                if !isMember {
                    if end < bytes.count && bytes[end] == ASCII.dot && Self.dottedHeads.value(UnsafeBufferPointer(rebasing: bytes[index..<end])) != nil,
                       let found = matchDotted(bytes, index) {
                        return found
                    }
                    if let found = match(bytes, index, end) { return found }
                }
                index = end
                continue
            }
            index += 1
        }
        return nil
    }

    /// Dotted names (`os.system`, `java.lang.Runtime`) starting at `start`, followed by a non-name byte.
    private func matchDotted(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> (Range<Int>, String)? {
        let rest = UnsafeBufferPointer(rebasing: bytes[start...])
        for entry in Self.dottedNames where ASCII.hasPrefixIgnoringCase(rest, entry.text) {
            let end = start + entry.text.utf8CodeUnitCount
            if end < bytes.count && (ASCII.isLetter(bytes[end]) || ASCII.isDigit(bytes[end]) || bytes[end] == 0x5F) { continue }
            return match(bytes, start, end, requirement: entry.requirement, text: String(describing: entry.text))
        }
        return nil
    }

    /// The first segments of the dotted names (`os`, `java`): only a word that is one starts the dotted comparison.
    private static let dottedHeads = WordTable(dottedNames.map { entry in
        (String(String(describing: entry.text).prefix { $0 != "." }), 0)
    })

    private static let dottedNames: [(text: StaticString, requirement: Requirement)] = [
        ("os.system", .callWithCode), ("os.popen", .callWithCode), ("os.exec", .name), ("subprocess.call", .callWithCode),
        ("subprocess.popen", .callWithCode), ("subprocess.run", .callWithCode), ("subprocess.check_output", .callWithCode),
        ("pty.spawn", .callWithCode), ("process.mainmodule", .name), ("process.binding", .callWithCode), ("runtime.getruntime", .name),
        ("java.lang.runtime", .name), ("java.lang.processbuilder", .name), ("javax.script.scriptenginemanager", .name),
        ("kernel.system", .callWithCode), ("kernel.exec", .callWithCode), ("io.popen", .callWithCode), ("open3.popen3", .callWithCode),
        ("net.webclient", .name),
    ]

    private func match(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Range<Int>, String)? {
        let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
        // Calls need `(` right after the name (`match` below); without one only the names that count alone can match.
        let called = end < bytes.count && bytes[end] == ASCII.leftParen
        guard let position = called ? Self.index.value(name) : Self.aloneIndex.value(name) else { return nil }
        return match(bytes, start, end, requirement: Self.names[position].1, text: Self.names[position].0)
    }

    private func match(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, requirement: Requirement, text: String
    ) -> (Range<Int>, String)? {
        // Calls need the parenthesis right after the name: `system ('x')` is how prose quotes things.
        var cursor = end
        switch requirement {
        case .name:
            return (start..<min(bytes.count, end + 40), "`\(text)` names an interpreter's way to run commands")
        case .emptyCall:
            guard cursor + 1 < bytes.count, bytes[cursor] == ASCII.leftParen, bytes[cursor + 1] == ASCII.rightParen else { return nil }
            return (start..<(cursor + 2), "a call to `\(text)()`")
        case .callWithCode:
            guard cursor < bytes.count, bytes[cursor] == ASCII.leftParen else { return nil }
            cursor += 1
            while cursor < bytes.count && (bytes[cursor] == ASCII.space || bytes[cursor] == ASCII.tab || bytes[cursor] == ASCII.at) { cursor += 1 }
            guard cursor < bytes.count else { return nil }
            let argument = bytes[cursor]
            let isCode = argument == ASCII.apostrophe || argument == ASCII.quote || argument == ASCII.dollar || argument == ASCII.backquote
                || (ASCII.isLetter(argument) && followsCall(bytes, cursor))
            guard isCode else { return nil }
            let close = bytes[cursor...].firstIndex(of: ASCII.rightParen).map { $0 + 1 } ?? bytes.count
            return (start..<min(close, start + Hit.maxFragmentBytes), "a call to `\(text)(…)` with code as its argument")
        }
    }

    /// `name(` at `start`: the argument of a dangerous call is itself a call (`eval(base64_decode(…))`).
    private func followsCall(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var index = start
        while index < bytes.count && (ASCII.isLetter(bytes[index]) || ASCII.isDigit(bytes[index]) || bytes[index] == 0x5F || bytes[index] == ASCII.dot) {
            index += 1
        }
        return index < bytes.count && bytes[index] == ASCII.leftParen && index > start
    }

    /// `() {` at the value's start (Shellshock: Bash imports it as a function and runs what follows).
    private func shellshock(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var index = 0
        while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
        let start = index
        guard index + 1 < bytes.count, bytes[index] == ASCII.leftParen else { return nil }
        index += 1
        while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] == ASCII.rightParen else { return nil }
        index += 1
        while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] == ASCII.leftBrace else { return nil }
        return start..<min(bytes.count, start + 60)
    }

    /// `${name(`, `${@name(`, `{${name(` — PHP's complex interpolation evaluating a call.
    private func phpInterpolation(_ bytes: UnsafeBufferPointer<UInt8>, _ dollar: Int) -> Range<Int>? {
        var index = dollar + 1
        guard index < bytes.count, bytes[index] == ASCII.leftBrace else { return nil }
        index += 1
        if index < bytes.count && bytes[index] == ASCII.at { index += 1 }
        let nameStart = index
        while index < bytes.count && (ASCII.isLetter(bytes[index]) || ASCII.isDigit(bytes[index]) || bytes[index] == 0x5F) { index += 1 }
        guard index > nameStart, index < bytes.count, bytes[index] == ASCII.leftParen, ASCII.isLetter(bytes[nameStart]) else { return nil }
        // JavaScript template literals call functions inside `${…}` too: PHP's forms carry `@`, an outer `{`,
        // or call a function that runs or prints something.
        let silenced = bytes[dollar + 2] == ASCII.at
        let braced = dollar > 0 && bytes[dollar - 1] == ASCII.leftBrace
        let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<index])
        guard silenced || braced || Self.interpolatedCalls.contains(where: { ASCII.equalsIgnoringCase(name, $0) }) else { return nil }
        return dollar..<min(bytes.count, index + 40)
    }

    private static let interpolatedCalls: [StaticString] = [
        "system", "exec", "shell_exec", "passthru", "popen", "eval", "assert", "print", "phpinfo", "sleep", "file_get_contents",
        "readfile", "include", "require",
    ]

    private static let superglobals: [StaticString] = ["_GET", "_POST", "_REQUEST", "_COOKIE", "_SERVER", "_FILES", "_ENV", "GLOBALS"]

    /// `$_GET[…]` used as code: inside `{…}`, as a call argument, or called.
    private func superglobal(_ bytes: UnsafeBufferPointer<UInt8>, _ dollar: Int) -> Range<Int>? {
        let rest = UnsafeBufferPointer(rebasing: bytes[(dollar + 1)...])
        for name in Self.superglobals where ASCII.hasPrefixIgnoringCase(rest, name) {
            let after = dollar + 1 + name.utf8CodeUnitCount
            guard after < bytes.count, bytes[after] == ASCII.leftBracket else { return nil }
            let before: UInt8 = dollar > 0 ? bytes[dollar - 1] : 0
            if before == ASCII.leftBrace || before == ASCII.leftParen || before == ASCII.semicolon || dollar == 0 {
                return dollar..<min(bytes.count, after + 30)
            }
        }
        return nil
    }
}
