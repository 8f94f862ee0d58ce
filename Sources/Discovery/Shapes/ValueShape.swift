import MirrorGuardCore

/// What a value looks like, read once over its bytes: the kinds and formats a parameter's schema and a path
/// segment's template are inferred from. A value can have several formats at once (`42` is an integer and a
/// number); a parameter keeps the intersection over every value it carried.
public struct ValueFormats: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Decimal integer (optional sign), fits in `Int64`.
    public static let integer = ValueFormats(rawValue: 1 << 0)
    /// Decimal number (integer, fraction or exponent).
    public static let number = ValueFormats(rawValue: 1 << 1)
    /// `true` or `false`.
    public static let boolean = ValueFormats(rawValue: 1 << 2)
    /// RFC 4122 UUID.
    public static let uuid = ValueFormats(rawValue: 1 << 3)
    /// 16+ hexadecimal characters with a digit and a letter (hashes, object ids).
    public static let hex = ValueFormats(rawValue: 1 << 4)
    /// `YYYY-MM-DD`.
    public static let date = ValueFormats(rawValue: 1 << 5)
    /// RFC 3339 date-time.
    public static let dateTime = ValueFormats(rawValue: 1 << 6)
    /// An e-mail address.
    public static let email = ValueFormats(rawValue: 1 << 7)
    /// Dotted-quad IPv4 address.
    public static let ipv4 = ValueFormats(rawValue: 1 << 8)
    /// IPv6 address.
    public static let ipv6 = ValueFormats(rawValue: 1 << 9)
    /// Absolute `http(s)://` URL.
    public static let url = ValueFormats(rawValue: 1 << 10)
    /// 20+ characters of the base64/base64url alphabet mixing cases and digits (tokens, blobs).
    public static let base64 = ValueFormats(rawValue: 1 << 11)
    /// A JSON Web Token (`eyJ….….…`).
    public static let jwt = ValueFormats(rawValue: 1 << 12)
    /// Letters and digits mixed, 6+ characters, optionally with `-`/`_` (slugs, order codes).
    public static let mixedSlug = ValueFormats(rawValue: 1 << 13)

    /// Every format: the start of an intersection.
    public static let all = ValueFormats(rawValue: (1 << 14) - 1)

    /// Formats that make a path segment a parameter on sight (one request is evidence enough).
    public static let variableOnSight: ValueFormats = [.integer, .uuid, .hex, .date, .dateTime, .email, .ipv4, .base64, .jwt]
}

/// Reads a value's formats in one pass over its bytes (plus a second, bounded one for the few candidates).
public enum ValueShape {
    /// Values longer than this are plain strings: no format reading past it.
    public static let maxFormatBytes = 512

    /// The formats `value` has.
    public static func formats(_ value: ArraySlice<UInt8>) -> ValueFormats {
        let count = value.count
        if count == 0 || count > maxFormatBytes { return [] }
        var digits = 0, lower = 0, upper = 0, hexLetters = 0, dots = 0, dashes = 0, colons = 0, ats = 0
        var underscores = 0, others = 0, base64Extra = 0
        for byte in value {
            switch byte {
            case 0x30...0x39: digits += 1
            case 0x61...0x7A: lower += 1; if byte <= 0x66 { hexLetters += 1 }
            case 0x41...0x5A: upper += 1; if byte <= 0x46 { hexLetters += 1 }
            case ASCII.dot: dots += 1
            case ASCII.minus: dashes += 1
            case ASCII.colon: colons += 1
            case ASCII.at: ats += 1
            case 0x5F: underscores += 1
            case ASCII.plus, ASCII.slash, ASCII.equals: base64Extra += 1
            default: others += 1
            }
            // Any other byte (space, `?`, `%`, `&`, …) rules out every format but a URL: stop reading.
            if others > 0 { break }
        }
        if others > 0 {
            return count > 10 && (value[value.startIndex] | 0x20) == 0x68 && isHTTPURL(value) ? .url : []
        }
        let letters = lower + upper
        var result: ValueFormats = []
        let first = value[value.startIndex]
        if digits > 0 && others == 0 && letters == 0 && colons == 0 && ats == 0 && underscores == 0 && base64Extra == 0 {
            if isInteger(value) { result.insert([.integer, .number]) }
            else if isNumber(value) { result.insert(.number) }
            if dashes == 2 && count == 10 && isDate(value) { result.insert(.date) }
            if dots == 3 && dashes == 0 && isIPv4(value) { result.insert(.ipv4) }
        } else if letters > 0 && (first == 0x74 || first == 0x66 || first == 0x54 || first == 0x46) && (count == 4 || count == 5) {
            if ASCII.equalsIgnoringCase(value, "true") || ASCII.equalsIgnoringCase(value, "false") { result.insert(.boolean) }
        }
        if (first == ASCII.plus || first == ASCII.minus) && others == 0 && letters <= 1 && isNumber(value) {
            result.insert(.number)
            if isInteger(value) { result.insert(.integer) }
        } else if letters == 1 && (value.contains(0x65) || value.contains(0x45)) && isNumber(value) {
            result.insert(.number)
        }
        if count == 36 && dashes == 4 && isUUID(value) { result.insert(.uuid) }
        if count >= 16 && dashes == 0 && dots == 0 && letters == hexLetters && letters > 0 && digits > 0
            && digits + letters == count { result.insert(.hex) }
        if count >= 19 && digits >= 12 && isDateTime(value) { result.insert(.dateTime) }
        if ats == 1 && others == 0 && isEmail(value) { result.insert(.email) }
        if colons >= 2 && isIPv6(value) { result.insert(.ipv6) }
        if count > 10 && (first == 0x68 || first == 0x48) && isHTTPURL(value) { result.insert(.url) }
        if count >= 20 && others == 0 && dots == 0 && colons == 0 && ats == 0 && digits > 0 && lower > 0 && upper > 0 {
            result.insert(.base64)
        }
        if dots == 2 && count >= 20 && isJWT(value) { result.insert(.jwt) }
        if count >= 6 && digits > 0 && letters > 0 && others == 0 && dots == 0 && colons == 0 && ats == 0 && base64Extra == 0
            && !result.contains(.hex) && !result.contains(.uuid) {
            result.insert(.mixedSlug)
        }
        return result
    }

    /// `formats` over a whole array.
    public static func formats(_ value: [UInt8]) -> ValueFormats { formats(value[...]) }

    /// The value as an integer, when it is one.
    public static func integerValue(_ value: ArraySlice<UInt8>) -> Int64? {
        guard isInteger(value) else { return nil }
        var index = value.startIndex
        var negative = false
        if value[index] == ASCII.minus || value[index] == ASCII.plus { negative = value[index] == ASCII.minus; index += 1 }
        var result: Int64 = 0
        while index < value.endIndex {
            let (product, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int64(value[index] - 0x30))
            if overflow1 || overflow2 { return nil }
            result = sum
            index += 1
        }
        return negative ? -result : result
    }

    /// The value as a number, when it is one (for range learning; precision beyond `Double` does not matter).
    public static func numberValue(_ value: ArraySlice<UInt8>) -> Double? {
        guard isNumber(value), value.count <= 64 else { return nil }
        return Double(String(decoding: value, as: UTF8.self))
    }

    // MARK: - Format grammars

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    private static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- 0x61 < 6 }
    private static func isAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- 0x61 < 26 }

    static func isInteger(_ value: ArraySlice<UInt8>) -> Bool {
        var index = value.startIndex
        if index < value.endIndex, value[index] == ASCII.minus || value[index] == ASCII.plus { index += 1 }
        let digits = value.endIndex - index
        guard digits > 0, digits <= 18 else { return false }
        // A leading zero makes it a code (`007`, zip codes), not a number.
        if digits > 1 && value[index] == 0x30 { return false }
        return value[index...].allSatisfy(isDigit)
    }

    static func isNumber(_ value: ArraySlice<UInt8>) -> Bool {
        var index = value.startIndex
        let end = value.endIndex
        if index < end, value[index] == ASCII.minus || value[index] == ASCII.plus { index += 1 }
        var mantissa = 0
        // A leading zero before more digits makes it a code (`007`), not a number.
        if end - index > 1, value[index] == 0x30, isDigit(value[index + 1]) { return false }
        while index < end, isDigit(value[index]) { index += 1; mantissa += 1 }
        if index < end, value[index] == ASCII.dot {
            index += 1
            while index < end, isDigit(value[index]) { index += 1; mantissa += 1 }
        }
        guard mantissa > 0, mantissa <= 40 else { return false }
        if index < end, value[index] | 0x20 == 0x65 {
            index += 1
            if index < end, value[index] == ASCII.minus || value[index] == ASCII.plus { index += 1 }
            var exponent = 0
            while index < end, isDigit(value[index]) { index += 1; exponent += 1 }
            guard exponent > 0, exponent <= 3 else { return false }
        }
        return index == end
    }

    private static func isDate(_ value: ArraySlice<UInt8>) -> Bool {
        let base = value.startIndex
        guard value.count >= 10, value[base + 4] == ASCII.minus, value[base + 7] == ASCII.minus else { return false }
        for offset in [0, 1, 2, 3, 5, 6, 8, 9] where !isDigit(value[base + offset]) { return false }
        let month = Int(value[base + 5] - 0x30) * 10 + Int(value[base + 6] - 0x30)
        let day = Int(value[base + 8] - 0x30) * 10 + Int(value[base + 9] - 0x30)
        return (1...12).contains(month) && (1...31).contains(day)
    }

    private static func isDateTime(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.count >= 19, isDate(value.prefix(10)) else { return false }
        let base = value.startIndex
        func at(_ offset: Int) -> UInt8 { value[base + offset] }
        guard at(10) == 0x54 || at(10) == 0x74 || at(10) == ASCII.space, at(13) == ASCII.colon, at(16) == ASCII.colon else { return false }
        for offset in [11, 12, 14, 15, 17, 18] where !isDigit(at(offset)) { return false }
        var offset = 19
        let count = value.count
        if offset < count, at(offset) == ASCII.dot {
            offset += 1
            let start = offset
            while offset < count, isDigit(at(offset)) { offset += 1 }
            if offset == start { return false }
        }
        if offset == count { return true }
        if at(offset) == 0x5A || at(offset) == 0x7A { return offset + 1 == count }
        guard at(offset) == ASCII.plus || at(offset) == ASCII.minus, count - offset == 6, at(offset + 3) == ASCII.colon else { return false }
        return isDigit(at(offset + 1)) && isDigit(at(offset + 2)) && isDigit(at(offset + 4)) && isDigit(at(offset + 5))
    }

    private static func isUUID(_ value: ArraySlice<UInt8>) -> Bool {
        for (offset, byte) in value.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                if byte != ASCII.minus { return false }
            } else if !isHex(byte) {
                return false
            }
        }
        return true
    }

    private static func isEmail(_ value: ArraySlice<UInt8>) -> Bool {
        guard let at = value.firstIndex(of: ASCII.at), at > value.startIndex, at < value.endIndex - 3 else { return false }
        let domain = value[(at + 1)...]
        guard let lastDot = domain.lastIndex(of: ASCII.dot), lastDot > domain.startIndex, lastDot < domain.endIndex - 2
        else { return false }
        guard domain.allSatisfy({ isAlnum($0) || $0 == ASCII.dot || $0 == ASCII.minus }) else { return false }
        return value[..<at].allSatisfy { isAlnum($0) || $0 == ASCII.dot || $0 == ASCII.minus || $0 == 0x5F || $0 == ASCII.plus }
    }

    private static func isIPv4(_ value: ArraySlice<UInt8>) -> Bool {
        var parts = 0
        var current = 0
        var length = 0
        for byte in value {
            if byte == ASCII.dot {
                guard length > 0, current <= 255 else { return false }
                parts += 1; current = 0; length = 0
            } else {
                guard isDigit(byte), length < 3 else { return false }
                current = current * 10 + Int(byte - 0x30)
                length += 1
            }
        }
        return parts == 3 && length > 0 && current <= 255
    }

    private static func isIPv6(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.count <= 45 else { return false }
        var groups = 0, run = 0, doubleColons = 0
        var previousColon = false
        for byte in value {
            if byte == ASCII.colon {
                if previousColon { doubleColons += 1 }
                if run > 0 { groups += 1 }
                run = 0
                previousColon = true
            } else if isHex(byte) || byte == ASCII.dot {
                run += 1
                if run > 15 { return false }
                previousColon = false
            } else {
                return false
            }
        }
        if run > 0 { groups += 1 }
        return doubleColons <= 1 && (groups == 8 || (doubleColons == 1 && groups < 8)) && groups >= 1
    }

    private static func isHTTPURL(_ value: ArraySlice<UInt8>) -> Bool {
        ASCII.hasPrefixIgnoringCase(value, "http://") || ASCII.hasPrefixIgnoringCase(value, "https://")
    }

    private static func isJWT(_ value: ArraySlice<UInt8>) -> Bool {
        guard ASCII.hasPrefixIgnoringCase(value, "eyj") else { return false }
        var parts = 1, run = 0
        for byte in value {
            if byte == ASCII.dot {
                if run == 0 { return false }
                parts += 1; run = 0
            } else if isAlnum(byte) || byte == ASCII.minus || byte == 0x5F || byte == ASCII.equals {
                run += 1
            } else {
                return false
            }
        }
        return parts == 3
    }
}
