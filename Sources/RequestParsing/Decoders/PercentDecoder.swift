import MirrorGuardCore

/// Percent-decoding as servers do it: `%XX`, IIS-style `%uXXXX`, optionally `+` as space.
/// Malformed escapes (`%zz`, a lone `%`) are kept as they are.
public enum PercentDecoder {
    /// Decodes `bytes`; `plusAsSpace` applies form rules (`application/x-www-form-urlencoded`).
    public static func decode(_ bytes: ArraySlice<UInt8>, plusAsSpace: Bool = false) -> [UInt8] {
        if !needsDecoding(bytes, plusAsSpace: plusAsSpace) { return Array(bytes) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == ASCII.percent {
                if index + 2 < end, let high = ASCII.hexValue(bytes[index + 1]), let low = ASCII.hexValue(bytes[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
                if index + 5 < end, bytes[index + 1] | 0x20 == 0x75, let unit = hex4(bytes, index + 2) {
                    // %uD83D%uDE00: a UTF-16 surrogate pair written as two IIS escapes.
                    if (0xD800...0xDBFF).contains(unit), index + 11 < end, bytes[index + 6] == ASCII.percent,
                       bytes[index + 7] | 0x20 == 0x75, let low = hex4(bytes, index + 8), (0xDC00...0xDFFF).contains(low) {
                        appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &output)
                        index += 12
                    } else {
                        appendUTF8(unit, to: &output)
                        index += 6
                    }
                    continue
                }
            } else if byte == ASCII.plus && plusAsSpace {
                output.append(ASCII.space)
                index += 1
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// The bytes themselves when there is nothing to decode (no copy), decoded bytes otherwise.
    public static func decodeIfNeeded(_ bytes: ArraySlice<UInt8>, plusAsSpace: Bool = false) -> ArraySlice<UInt8> {
        if !needsDecoding(bytes, plusAsSpace: plusAsSpace) { return bytes }
        return decode(bytes, plusAsSpace: plusAsSpace)[...]
    }

    /// Decodes a whole array.
    public static func decode(_ bytes: [UInt8], plusAsSpace: Bool = false) -> [UInt8] {
        decode(bytes[...], plusAsSpace: plusAsSpace)
    }

    /// True when the bytes hold a `%` (or a `+` under form rules): eight bytes tested per step.
    static func needsDecoding(_ bytes: ArraySlice<UInt8>, plusAsSpace: Bool) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            var index = 0
            while index + 8 <= buffer.count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if ASCII.mayHoldByte(word, ASCII.percent) || (plusAsSpace && ASCII.mayHoldByte(word, ASCII.plus)) { break }
                index += 8
            }
            while index < buffer.count {
                if buffer[index] == ASCII.percent || (plusAsSpace && buffer[index] == ASCII.plus) { return true }
                index += 1
            }
            return false
        }
    }

    /// True when the bytes contain at least one well-formed escape (cheap check before decoding).
    public static func containsEscape(_ bytes: [UInt8]) -> Bool {
        var index = 0
        let count = bytes.count
        while index + 2 < count {
            if bytes[index] == ASCII.percent {
                if ASCII.hexValue(bytes[index + 1]) != nil && ASCII.hexValue(bytes[index + 2]) != nil { return true }
                if index + 5 < count && bytes[index + 1] | 0x20 == 0x75 && hex4(bytes[...], index + 2) != nil { return true }
            }
            index += 1
        }
        return false
    }

    static func hex4(_ bytes: ArraySlice<UInt8>, _ start: Int) -> UInt32? {
        guard start + 3 < bytes.endIndex else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = ASCII.hexValue(bytes[start + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// Appends the UTF-8 encoding of a code point; surrogates and out-of-range values become U+FFFD.
@inline(__always)
func appendUTF8(_ codePoint: UInt32, to output: inout [UInt8]) {
    var scalar = codePoint
    if scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { scalar = 0xFFFD }
    switch scalar {
    case 0..<0x80:
        output.append(UInt8(scalar))
    case 0x80..<0x800:
        output.append(UInt8(0xC0 | (scalar >> 6)))
        output.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        output.append(UInt8(0xE0 | (scalar >> 12)))
        output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        output.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        output.append(UInt8(0xF0 | (scalar >> 18)))
        output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        output.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}
