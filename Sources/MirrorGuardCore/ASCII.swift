/// Byte constants and ASCII helpers shared by every layer that reads traffic as UTF-8 bytes.
public enum ASCII {
    public static let nul: UInt8 = 0x00
    public static let tab: UInt8 = 0x09
    public static let lf: UInt8 = 0x0A
    public static let cr: UInt8 = 0x0D
    public static let space: UInt8 = 0x20
    public static let quote: UInt8 = 0x22
    public static let hash: UInt8 = 0x23
    public static let dollar: UInt8 = 0x24
    public static let percent: UInt8 = 0x25
    public static let ampersand: UInt8 = 0x26
    public static let apostrophe: UInt8 = 0x27
    public static let leftParen: UInt8 = 0x28
    public static let rightParen: UInt8 = 0x29
    public static let star: UInt8 = 0x2A
    public static let plus: UInt8 = 0x2B
    public static let comma: UInt8 = 0x2C
    public static let minus: UInt8 = 0x2D
    public static let dot: UInt8 = 0x2E
    public static let slash: UInt8 = 0x2F
    public static let colon: UInt8 = 0x3A
    public static let semicolon: UInt8 = 0x3B
    public static let lessThan: UInt8 = 0x3C
    public static let equals: UInt8 = 0x3D
    public static let greaterThan: UInt8 = 0x3E
    public static let question: UInt8 = 0x3F
    public static let at: UInt8 = 0x40
    public static let leftBracket: UInt8 = 0x5B
    public static let backslash: UInt8 = 0x5C
    public static let rightBracket: UInt8 = 0x5D
    public static let backquote: UInt8 = 0x60
    public static let leftBrace: UInt8 = 0x7B
    public static let pipe: UInt8 = 0x7C
    public static let rightBrace: UInt8 = 0x7D

    /// Uppercases an ASCII letter; every other byte is returned unchanged.
    @inlinable @inline(__always)
    public static func upper(_ byte: UInt8) -> UInt8 {
        (byte &- 0x61) < 26 ? byte & 0xDF : byte
    }

    /// Lowercases an ASCII letter; every other byte is returned unchanged.
    @inlinable @inline(__always)
    public static func lower(_ byte: UInt8) -> UInt8 {
        (byte &- 0x41) < 26 ? byte | 0x20 : byte
    }

    /// True for `0`–`9`.
    @inlinable @inline(__always)
    public static func isDigit(_ byte: UInt8) -> Bool { (byte &- 0x30) < 10 }

    /// True for ASCII letters.
    @inlinable @inline(__always)
    public static func isLetter(_ byte: UInt8) -> Bool { ((byte | 0x20) &- 0x61) < 26 }

    /// True for space, tab, CR, LF, vertical tab and form feed.
    @inlinable @inline(__always)
    public static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || (byte &- tab) < 5
    }

    /// Value of a hexadecimal digit, or nil.
    @inlinable @inline(__always)
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        if (byte &- 0x30) < 10 { return byte &- 0x30 }
        let folded = byte | 0x20
        if (folded &- 0x61) < 6 { return folded &- 0x61 &+ 10 }
        return nil
    }

    /// True for RFC 9110 `tchar`: the bytes allowed in methods and header names.
    @inlinable
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        switch byte {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E:
            return true
        default:
            return false
        }
    }

    /// Compares bytes with an ASCII string ignoring ASCII case.
    @inlinable
    public static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { expected in
            var index = 0
            for byte in bytes {
                if lower(byte) != lower(expected[index]) { return false }
                index += 1
            }
            return true
        }
    }

    /// True when `needle` occurs anywhere in `bytes`, ignoring ASCII case.
    @inlinable
    public static func containsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, bytes.count >= count else { return false }
        return needle.withUTF8Buffer { expected in
            let first = lower(expected[0])
            for start in 0...(bytes.count - count) where lower(bytes[start]) == first {
                var offset = 1
                while offset < count, lower(bytes[start + offset]) == lower(expected[offset]) { offset += 1 }
                if offset == count { return true }
            }
            return false
        }
    }

    /// From `start`, skips whole eight-byte words in which every byte is at least 0x0E (no LF, CR, NUL or other low
    /// control byte); returns where the word holding such a byte begins, or where fewer than eight bytes remain before
    /// `end`. Text runs are crossed a word per step; callers read the bytes from there one by one.
    @inline(__always)
    public static func skipWordsWithoutLowControls(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var index = start
        // Never past the buffer, whatever `end` says.
        while index + 8 <= end && index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if (word &- 0x0E0E_0E0E_0E0E_0E0E) & ~word & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        return index
    }

    /// True when some byte is 0x80 or above: eight bytes tested per step.
    public static func containsNonASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var index = 0
        while index + 8 <= bytes.count {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return true }
            index += 1
        }
        return false
    }

    /// Whether any of the eight bytes of `word` equals `byte`. May answer true for a word without it (a borrow from a
    /// matching byte can mark the next one), never false for a word with it: callers check the word byte by byte.
    @inlinable @inline(__always)
    public static func mayHoldByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let zeroed = word ^ (UInt64(byte) &* ones)
        return (zeroed &- ones) & ~zeroed & 0x8080_8080_8080_8080 != 0
    }

    /// The first index at or after `start` holding `target`: eight bytes compared per step, then the word that holds
    /// it byte by byte.
    public static func firstIndex(of target: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start >= 0 else { return nil }
        var index = start
        while index + 8 <= bytes.count {
            if mayHoldByte(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self), target) { break }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == target { return index }
            index += 1
        }
        return nil
    }

    /// True when any of `needles` occurs in `bytes`, ignoring ASCII case: one pass over the bytes (a table of the
    /// needles' first bytes, both cases, picks the positions worth comparing) instead of one pass per needle.
    public static func containsAnyIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ needles: [StaticString]) -> Bool {
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: 256) { starts in
            starts.initialize(repeating: false)
            for needle in needles where needle.utf8CodeUnitCount > 0 {
                let first = needle.utf8Start[0]
                starts[Int(lower(first))] = true
                starts[Int(isLetter(first) ? lower(first) & 0xDF : first)] = true
            }
            for start in 0..<bytes.count where starts[Int(bytes[start])] {
                let rest = UnsafeBufferPointer(rebasing: bytes[start...])
                for needle in needles where hasPrefixIgnoringCase(rest, needle) { return true }
            }
            return false
        }
    }

    /// True when `bytes` begins with `prefix`, ignoring ASCII case.
    @inlinable
    public static func hasPrefixIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return prefix.withUTF8Buffer { expected in
            var index = 0
            for byte in bytes {
                if index == count { return true }
                if lower(byte) != lower(expected[index]) { return false }
                index += 1
            }
            return true
        }
    }
}

extension String {
    /// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD (for display only).
    @inlinable
    public init(lossyUTF8 bytes: some Collection<UInt8>) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// Byte-level helpers over `[UInt8]` values.
public enum Bytes {
    /// True when both hold the same bytes: eight compared per step.
    public static func equal(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        guard left.count == right.count else { return false }
        guard let leftBase = left.baseAddress, let rightBase = right.baseAddress else { return true }
        // The same storage (a shared header value) is equal without a read.
        if leftBase == rightBase { return true }
        var index = 0
        while index + 8 <= left.count {
            if UnsafeRawPointer(leftBase + index).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(rightBase + index).loadUnaligned(as: UInt64.self) {
                return false
            }
            index += 8
        }
        while index < left.count {
            if left[index] != right[index] { return false }
            index += 1
        }
        return true
    }

    /// The length mixed with the first and last eight bytes (every byte of a shorter value): equal bytes have equal
    /// fingerprints, and values that share one are compared in full by whoever relies on equality. Constant time for
    /// values of eight bytes or more (two loads), not a hash of every byte.
    @inline(__always)
    public static func edgeFingerprint(_ value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        let count = value.count
        if count >= 8, let base = value.baseAddress {
            // The first eight bytes, and the last eight in reverse order, one load each.
            head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            tail = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self).byteSwapped
        } else {
            for index in 0..<count {
                head |= UInt64(value[index]) << (8 * UInt64(index))
                tail |= UInt64(value[count - 1 - index]) << (8 * UInt64(index))
            }
        }
        return (head &* 0x9E37_79B9_7F4A_7C15 ^ tail) &* 0xFF51_AFD7_ED55_8CCD ^ UInt64(count)
    }

    /// True when every byte sequence is well-formed UTF-8.
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isValidUTF8($0) }
    }

    /// True when `bytes` is well-formed UTF-8, read in place.
    public static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Fast path: pure ASCII.
        if !ASCII.containsNonASCII(bytes) { return true }
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 { index += 1; continue }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            if byte & 0xE0 == 0xC0 { length = 2; scalar = UInt32(byte & 0x1F); minimum = 0x80 }
            else if byte & 0xF0 == 0xE0 { length = 3; scalar = UInt32(byte & 0x0F); minimum = 0x800 }
            else if byte & 0xF8 == 0xF0 { length = 4; scalar = UInt32(byte & 0x07); minimum = 0x10000 }
            else { return false }
            guard index + length <= count else { return false }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
            index += length
        }
        return true
    }

    /// Removes leading and trailing spaces and tabs. Inlinable: a call across modules would retain the slice it
    /// returns (cookies and parameters are trimmed per pair).
    @inlinable
    public static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper, bytes[lower] == ASCII.space || bytes[lower] == ASCII.tab { lower += 1 }
        while upper > lower, bytes[upper - 1] == ASCII.space || bytes[upper - 1] == ASCII.tab { upper -= 1 }
        return bytes[lower..<upper]
    }

    /// Removes leading and trailing spaces and tabs, in place over a buffer.
    public static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lower = 0
        var upper = bytes.count
        while lower < upper, bytes[lower] == ASCII.space || bytes[lower] == ASCII.tab { lower += 1 }
        while upper > lower, bytes[upper - 1] == ASCII.space || bytes[upper - 1] == ASCII.tab { upper -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
    }

    /// Removes leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
    public static func trimmedWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper, ASCII.isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, ASCII.isWhitespace(bytes[upper - 1]) { upper -= 1 }
        return bytes[lower..<upper]
    }

    /// Lowercased ASCII copy of the bytes as a `String` (names of headers, media types).
    public static func lowercasedString(_ bytes: ArraySlice<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = ASCII.lower(byte)
                index += 1
            }
            return index
        }
    }

    /// Index of the first occurrence of `byte` at or after `from`, or nil.
    @inlinable
    public static func firstIndex(of byte: UInt8, in bytes: [UInt8], from: Int = 0) -> Int? {
        var index = max(from, 0)
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// Index of the first occurrence of `needle` in `haystack` at or after `from`, or nil.
    public static func firstRange(of needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var index = max(from, 0)
        let last = haystack.count - needle.count
        while index <= last {
            // Candidates for the first byte found eight bytes at a time.
            guard let candidate = haystack.withUnsafeBufferPointer({ ASCII.firstIndex(of: first, in: $0, from: index) }), candidate <= last else {
                return nil
            }
            index = candidate
            if haystack[index] == first {
                var matched = true
                var offset = 1
                while offset < needle.count {
                    if haystack[index + offset] != needle[offset] { matched = false; break }
                    offset += 1
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// Parses a non-negative decimal integer, returning nil on any non-digit or on overflow.
    @inlinable
    public static func decimalValue<C: Collection<UInt8>>(_ bytes: C) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard ASCII.isDigit(byte) else { return nil }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int(byte &- 0x30))
            if overflow1 || overflow2 { return nil }
            value = added
        }
        return value
    }
}
