import MirrorGuardCore

/// The obfuscations met while canonicalising a path-like value. None appears in a path a browser or an
/// ordinary client sends, so each is evidence on its own once the value also climbs directories.
struct PathObfuscation: OptionSet, Sendable {
    let rawValue: UInt16
    /// Percent-encoding that survived one decoding (`%252e`, `%%32%65`).
    static let multipleEncoding = PathObfuscation(rawValue: 1 << 0)
    /// `%uXXXX` escapes (`%uff0e`, `%u2215`).
    static let unicodeEscape = PathObfuscation(rawValue: 1 << 1)
    /// Overlong UTF-8 (`%c0%ae`, `%e0%80%af`) or a broken imitation of it (`%c0%qf`).
    static let overlongUTF8 = PathObfuscation(rawValue: 1 << 2)
    /// Fullwidth or look-alike dots and slashes (U+FF0E, U+2215).
    static let lookalike = PathObfuscation(rawValue: 1 << 3)
    /// `0x2e` written out as text.
    static let hexText = PathObfuscation(rawValue: 1 << 4)
    /// A NUL byte (truncates the path in C-based file APIs).
    static let nul = PathObfuscation(rawValue: 1 << 5)
}

/// Rewrites a value the way a file API would finally see it: percent layers undone (at most
/// `maxPasses`), `%uXXXX` and overlong UTF-8 folded, look-alike dots and slashes mapped to ASCII, `0x2e`
/// text read as a dot. Output is bounded by the input length (`maxBytes` of input are read).
struct PathCanonicalizer {
    /// Bytes of a value canonicalised; the rest is not inspected for traversal.
    static let maxBytes = 4096
    /// Percent-decoding passes (the value itself arrives decoded once by its container).
    static let maxPasses = 3

    private(set) var bytes: [UInt8] = []
    private(set) var obfuscation: PathObfuscation = []
    /// Adjacent dot pairs in which at least one dot was encoded (`%2e.`, `%c0%ae%c0%ae`, `0x2e0x2e`).
    private(set) var encodedDotPairs = 0

    /// Whether canonicalising could change what the traversal rules see. Escapes of punctuation the rules
    /// ignore (`%27`, `%40`, `%3D`, `%7B` in a form body or a cookie) cannot; escapes of letters, digits, dots,
    /// separators, `%`, `:`, `~`, whitespace or markup, `%u`, bare `%`, control bytes and the non-ASCII leads of
    /// overlong forms and look-alikes can.
    static func mayRewrite(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let end = min(value.count, maxBytes)
        while index < end {
            let byte = value[index]
            // Of the non-ASCII bytes only overlong leads (C0, C1, E0…FC) and the leads of three-byte look-alikes (E2, EE,
            // EF) are folded; ordinary two-byte letters (`é` is C3 A9) and continuation bytes pass unchanged.
            if byte >= 0xE0 || byte == 0xC0 || byte == 0xC1 || (byte < 0x20 && byte != ASCII.tab && byte != ASCII.lf && byte != ASCII.cr) {
                return true
            }
            if byte == ASCII.percent {
                guard index + 2 < end, let high = ASCII.hexValue(value[index + 1]), let low = ASCII.hexValue(value[index + 2]) else { return true }
                let decoded = high << 4 | low
                if decoded < 0x21 || decoded >= 0x7F || ASCII.isLetter(decoded) || ASCII.isDigit(decoded) {
                    return true
                }
                switch decoded {
                case ASCII.dot, ASCII.slash, ASCII.backslash, ASCII.percent, ASCII.colon, 0x7E, ASCII.lessThan, ASCII.greaterThan:
                    return true
                default:
                    index += 3
                    continue
                }
            }
            index += 1
        }
        return false
    }

    init(_ value: UnsafeBufferPointer<UInt8>) {
        var current = Array(UnsafeBufferPointer(rebasing: value[0..<min(value.count, Self.maxBytes)]))
        var pass = 0
        while pass < Self.maxPasses, current.contains(ASCII.percent) {
            let (decoded, changed) = Self.percentPass(current, obfuscation: &obfuscation, encodedDotPairs: &encodedDotPairs)
            if !changed { break }
            if pass > 0 { obfuscation.insert(.multipleEncoding) }
            current = decoded
            pass += 1
        }
        bytes = Self.foldCharacters(current, obfuscation: &obfuscation, encodedDotPairs: &encodedDotPairs)
    }

    /// One layer of `%XX` and `%uXXXX`. A `%` that does not start an escape stays.
    private static func percentPass(
        _ input: [UInt8], obfuscation: inout PathObfuscation, encodedDotPairs: inout Int
    ) -> ([UInt8], Bool) {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var changed = false
        var index = 0
        var previousDecodedDot = false
        while index < input.count {
            let byte = input[index]
            if byte == ASCII.percent {
                if index + 2 < input.count, let high = ASCII.hexValue(input[index + 1]), let low = ASCII.hexValue(input[index + 2]) {
                    let decoded = high << 4 | low
                    if decoded == ASCII.dot && (previousDecodedDot || output.last == ASCII.dot) { encodedDotPairs += 1 }
                    previousDecodedDot = decoded == ASCII.dot
                    output.append(decoded)
                    index += 3
                    changed = true
                    continue
                }
                // `%5%c`: what `%%35%%63` leaves after one layer, a nibble-encoded escape.
                if index + 3 < input.count, let high = ASCII.hexValue(input[index + 1]), input[index + 2] == ASCII.percent,
                    let low = ASCII.hexValue(input[index + 3]) {
                    obfuscation.insert(.multipleEncoding)
                    output.append(high << 4 | low)
                    index += 4
                    changed = true
                    continue
                }
                if index + 5 < input.count, input[index + 1] | 0x20 == 0x75, let scalar = hex4(input, index + 2) {
                    obfuscation.insert(.unicodeEscape)
                    appendScalar(scalar, to: &output, obfuscation: &obfuscation)
                    index += 6
                    changed = true
                    continue
                }
            }
            if byte == ASCII.dot && previousDecodedDot { encodedDotPairs += 1 }
            previousDecodedDot = false
            output.append(byte)
            index += 1
        }
        return (output, changed)
    }

    private static func hex4(_ input: [UInt8], _ start: Int) -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = ASCII.hexValue(input[start + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Look-alikes of `.`, `/` and `\` that Windows, IIS or a normalising framework turn into the ASCII ones.
    private static func lookalike(_ scalar: UInt32) -> UInt8? {
        switch scalar {
        case 0xFF0E, 0x2024, 0xFE52: ASCII.dot
        case 0xFF0F, 0x2215, 0x2044, 0xEFC8, 0xF025: ASCII.slash
        case 0xFF3C, 0x2216, 0xFE68: ASCII.backslash
        default: nil
        }
    }

    private static func appendScalar(_ scalar: UInt32, to output: inout [UInt8], obfuscation: inout PathObfuscation) {
        if let ascii = lookalike(scalar) {
            obfuscation.insert(.lookalike)
            output.append(ascii)
        } else if scalar < 0x80 {
            output.append(UInt8(scalar))
        } else if scalar < 0x800 {
            output.append(0xC0 | UInt8(scalar >> 6))
            output.append(0x80 | UInt8(scalar & 0x3F))
        } else {
            output.append(0xE0 | UInt8(scalar >> 12))
            output.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            output.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Overlong UTF-8, UTF-8 look-alikes, `0x2e` text and `..2f` (a climb whose `%` was dropped).
    private static func foldCharacters(_ input: [UInt8], obfuscation: inout PathObfuscation, encodedDotPairs: inout Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var previousEncodedDot = false
        func emit(_ byte: UInt8, encoded: Bool) {
            if byte == ASCII.dot && output.last == ASCII.dot && (encoded || previousEncodedDot) { encodedDotPairs += 1 }
            previousEncodedDot = encoded && byte == ASCII.dot
            output.append(byte)
        }
        var index = 0
        while index < input.count {
            let byte = input[index]
            let remaining = input.count - index
            if (byte == 0xC0 || byte == 0xC1) && remaining > 1 {
                // Two-byte overlong forms of ASCII. Lists also carry broken imitations (`%c0%qf`, `%c1%8s`):
                // a lead byte followed by a `%` and two non-hex characters, meant as a separator.
                obfuscation.insert(.overlongUTF8)
                let next = input[index + 1]
                if next == ASCII.percent && remaining > 3 {
                    emit(ASCII.slash, encoded: true)
                    index += 4
                } else {
                    emit(overlongMeaning(next), encoded: true)
                    index += 2
                }
            } else if byte >= 0xE0 && byte <= 0xFC, let length = overlongLength(input, index) {
                // Three- to six-byte overlong forms: a lead byte, `0x80` padding, the meaningful last byte.
                obfuscation.insert(.overlongUTF8)
                emit(overlongMeaning(input[index + length - 1]), encoded: true)
                index += length
            } else if byte >= 0xE1 && byte <= 0xEF && remaining > 2,
                let ascii = lookalike(UInt32(byte & 0x0F) << 12 | UInt32(input[index + 1] & 0x3F) << 6 | UInt32(input[index + 2] & 0x3F)) {
                obfuscation.insert(.lookalike)
                emit(ascii, encoded: true)
                index += 3
            } else if byte == 0x30 && remaining > 3 && input[index + 1] | 0x20 == 0x78, let ascii = hexTextMeaning(input[index + 2], input[index + 3]) {
                obfuscation.insert(.hexText)
                emit(ascii, encoded: true)
                index += 4
            } else if (byte == 0x32 || byte == 0x35) && remaining > 1 && output.count >= 2 && output[output.count - 1] == ASCII.dot
                && output[output.count - 2] == ASCII.dot, hexTextMeaning(byte, input[index + 1]).map({ $0 != ASCII.dot }) == true {
                obfuscation.insert(.hexText)
                emit(ASCII.slash, encoded: true)
                index += 2
            } else {
                if byte == ASCII.nul { obfuscation.insert(.nul) }
                emit(byte, encoded: false)
                index += 1
            }
        }
        return output
    }

    /// The length of an overlong sequence at `index` (lead, one or more `0x80`, a last byte), if it is one.
    private static func overlongLength(_ input: [UInt8], _ index: Int) -> Int? {
        let lead = input[index]
        let length = lead >= 0xFC ? 6 : lead >= 0xF8 ? 5 : lead >= 0xF0 ? 4 : 3
        guard (lead == 0xE0 || lead == 0xF0 || lead == 0xF8 || lead == 0xFC), index + length <= input.count else { return nil }
        for offset in 1..<(length - 1) where input[index + offset] != 0x80 { return nil }
        return length
    }

    /// `2e`, `2f`, `5c` after `0x`.
    private static func hexTextMeaning(_ high: UInt8, _ low: UInt8) -> UInt8? {
        switch (high, low | 0x20) {
        case (0x32, 0x65): ASCII.dot
        case (0x32, 0x66): ASCII.slash
        case (0x35, 0x63): ASCII.backslash
        default: nil
        }
    }

    /// What an overlong continuation byte stands for: the dot forms end in `e` (`%c0%ae`, `%c0%2e`, `%c0%5e`);
    /// everything else in these lists is a separator (`%c0%af`, `%c1%9c`, `%c0%5c`).
    private static func overlongMeaning(_ byte: UInt8) -> UInt8 {
        byte & 0x0F == 0x0E ? ASCII.dot : byte & 0x3F == 0x1C || byte == ASCII.backslash ? ASCII.backslash : ASCII.slash
    }
}
