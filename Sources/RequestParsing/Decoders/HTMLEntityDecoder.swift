import MirrorGuardCore

/// Decodes HTML/XML character references the way browsers do: named (`&lt;`, `&colon;`), decimal
/// (`&#60;`, `&#0000060`) and hexadecimal (`&#x3c;`), with the semicolon optional for numeric ones.
public enum HTMLEntityDecoder {
    /// Named references worth decoding for detection: the XML five plus the ones used to hide syntax.
    static let named: [String: UInt32] = [
        "lt": 0x3C, "gt": 0x3E, "amp": 0x26, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0,
        "colon": 0x3A, "semi": 0x3B, "comma": 0x2C, "period": 0x2E, "excl": 0x21, "quest": 0x3F,
        "lpar": 0x28, "rpar": 0x29, "lsqb": 0x5B, "rsqb": 0x5D, "lbrack": 0x5B, "rbrack": 0x5D,
        "lcub": 0x7B, "rcub": 0x7D, "lbrace": 0x7B, "rbrace": 0x7D, "sol": 0x2F, "bsol": 0x5C,
        "tab": 0x09, "newline": 0x0A, "num": 0x23, "dollar": 0x24, "percnt": 0x25, "plus": 0x2B,
        "equals": 0x3D, "grave": 0x60, "hat": 0x5E, "ast": 0x2A, "midast": 0x2A, "lowbar": 0x5F,
        "vert": 0x7C, "verbar": 0x7C, "commat": 0x40, "dash": 0x2010, "hyphen": 0x2010,
    ]

    /// Decodes every reference it recognises; anything else is kept.
    public static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == ASCII.ampersand, let (codePoint, length) = reference(at: index, in: bytes) {
                appendUTF8(codePoint, to: &output)
                index += length
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// True when the bytes contain at least one decodable reference.
    public static func containsReference(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while let ampersand = Bytes.firstIndex(of: ASCII.ampersand, in: bytes, from: index) {
            if reference(at: ampersand, in: bytes) != nil { return true }
            index = ampersand + 1
        }
        return false
    }

    /// The code point and byte length of the reference starting at `start` (an `&`), if any.
    static func reference(at start: Int, in bytes: [UInt8]) -> (UInt32, Int)? {
        var index = start + 1
        let count = bytes.count
        guard index < count else { return nil }
        if bytes[index] == ASCII.hash {
            index += 1
            var value: UInt32 = 0
            var digits = 0
            let hex = index < count && (bytes[index] | 0x20) == 0x78
            if hex { index += 1 }
            while index < count {
                let byte = bytes[index]
                let digit: UInt8?
                if hex { digit = ASCII.hexValue(byte) } else { digit = ASCII.isDigit(byte) ? byte - 0x30 : nil }
                guard let digit else { break }
                // Leading zeros are unlimited in browsers; the value itself is capped.
                if value <= 0x10FFFF { value = value * (hex ? 16 : 10) + UInt32(digit) }
                digits += 1
                index += 1
                if digits > 32 { return nil }
            }
            guard digits > 0 else { return nil }
            if index < count && bytes[index] == ASCII.semicolon { index += 1 }
            return (value == 0 ? 0xFFFD : value, index - start)
        }
        var name: [UInt8] = []
        while index < count, name.count <= 8, ASCII.isLetter(bytes[index]) {
            name.append(ASCII.lower(bytes[index]))
            index += 1
        }
        guard !name.isEmpty, let value = named[String(decoding: name, as: UTF8.self)] else { return nil }
        if index < count && bytes[index] == ASCII.semicolon {
            return (value, index + 1 - start)
        }
        // Browsers accept the legacy five without a semicolon.
        if value == 0x3C || value == 0x3E || value == 0x26 || value == 0x22 || value == 0xA0 {
            return (value, index - start)
        }
        return nil
    }
}
