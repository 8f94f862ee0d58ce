import MirrorGuardCore

/// Decodes JavaScript and JSON escapes: `\uXXXX` (with surrogate pairs), `\u{X…}`, `\xXX`, and the
/// single-character escapes. Unrecognised escapes keep their backslash.
public enum UnicodeEscapeDecoder {
    /// Decodes escapes in `bytes`.
    public static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            guard byte == ASCII.backslash, index + 1 < count else {
                output.append(byte)
                index += 1
                continue
            }
            let kind = bytes[index + 1]
            switch kind {
            case 0x75: // u
                if index + 2 < count, bytes[index + 2] == ASCII.leftBrace {
                    var value: UInt32 = 0
                    var scan = index + 3
                    var digits = 0
                    while scan < count, digits < 8, let digit = ASCII.hexValue(bytes[scan]) {
                        value = value << 4 | UInt32(digit)
                        scan += 1
                        digits += 1
                    }
                    if digits > 0, scan < count, bytes[scan] == ASCII.rightBrace {
                        appendUTF8(value, to: &output)
                        index = scan + 1
                        continue
                    }
                } else if let unit = PercentDecoder.hex4(bytes[...], index + 2) {
                    if (0xD800...0xDBFF).contains(unit), index + 11 < count, bytes[index + 6] == ASCII.backslash,
                       bytes[index + 7] == 0x75, let low = PercentDecoder.hex4(bytes[...], index + 8), (0xDC00...0xDFFF).contains(low) {
                        appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &output)
                        index += 12
                    } else {
                        appendUTF8(unit, to: &output)
                        index += 6
                    }
                    continue
                }
            case 0x78: // x
                if index + 3 < count, let high = ASCII.hexValue(bytes[index + 2]), let low = ASCII.hexValue(bytes[index + 3]) {
                    appendUTF8(UInt32(high << 4 | low), to: &output)
                    index += 4
                    continue
                }
            default:
                if let simple = simpleEscape(kind) {
                    output.append(simple)
                    index += 2
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// True when the bytes contain a `\u` or `\x` escape worth decoding.
    public static func containsEscape(_ bytes: [UInt8]) -> Bool {
        var index = 0
        let count = bytes.count
        while index + 3 < count {
            if bytes[index] == ASCII.backslash {
                let kind = bytes[index + 1]
                if kind == 0x78, ASCII.hexValue(bytes[index + 2]) != nil, ASCII.hexValue(bytes[index + 3]) != nil { return true }
                if kind == 0x75 && (bytes[index + 2] == ASCII.leftBrace || PercentDecoder.hex4(bytes[...], index + 2) != nil) { return true }
            }
            index += 1
        }
        return false
    }

    static func simpleEscape(_ kind: UInt8) -> UInt8? {
        switch kind {
        case 0x6E: return ASCII.lf // n
        case 0x72: return ASCII.cr // r
        case 0x74: return ASCII.tab // t
        case 0x62: return 0x08 // b
        case 0x66: return 0x0C // f
        case 0x30: return 0 // 0
        case ASCII.quote, ASCII.apostrophe, ASCII.backslash, ASCII.slash, ASCII.backquote: return kind
        default: return nil
        }
    }
}
