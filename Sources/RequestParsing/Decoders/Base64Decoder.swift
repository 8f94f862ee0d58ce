import MirrorGuardCore

/// Base64 and base64url decoding, strict about the alphabet, lenient about padding.
public enum Base64Decoder {
    /// Decodes standard or URL-safe base64; nil when any byte is outside the alphabet or the length is impossible.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var input = bytes
        while input.last == ASCII.equals { input = input.dropLast() }
        guard input.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        guard forEachDecodedByte(of: input, { output.append($0); return true }) else { return nil }
        return output
    }

    /// Decodes `input` (its padding removed), handing each byte to `emit` in order; false when a byte is outside the
    /// alphabet or `emit` returns false (then decoding stops there).
    @inline(__always)
    private static func forEachDecodedByte(of input: some Collection<UInt8>, _ emit: (UInt8) -> Bool) -> Bool {
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            guard let value = sextet(byte) else { return false }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                let decoded = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                accumulator &= (1 << UInt32(bits)) - 1
                if !emit(decoded) { return false }
            }
        }
        return true
    }

    /// Decodes a whole array.
    public static func decode(_ bytes: [UInt8]) -> [UInt8]? { decode(bytes[...]) }

    @inline(__always)
    static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: return byte - 0x41
        case 0x61...0x7A: return byte - 0x61 + 26
        case 0x30...0x39: return byte - 0x30 + 52
        case ASCII.plus, ASCII.minus: return 62
        case ASCII.slash, 0x5F: return 63
        default: return nil
        }
    }

    /// Heuristic used before decoding a value: long enough, only alphabet bytes, plausible padding,
    /// and not a pure hex or decimal string (ids and hashes are common and never meant as base64).
    public static func looksEncoded(_ bytes: [UInt8], minimumLength: Int = 16) -> Bool {
        guard bytes.count >= minimumLength else { return false }
        let table = looksTable
        var padding = 0
        var seen: UInt8 = 0
        for byte in bytes {
            let bits = table[Int(byte)]
            if bits == Self.padding { padding += 1; continue }
            guard padding == 0, bits & Self.outside == 0 else { return false }
            seen |= bits
        }
        guard padding <= 2, seen & Self.nonHex != 0, seen & Self.letter != 0 else { return false }
        return padding == 0 || bytes.count % 4 == 0
    }

    /// Byte classes for `looksEncoded`, one table lookup per byte.
    private static let outside: UInt8 = 1, padding: UInt8 = 2, nonHex: UInt8 = 4, letter: UInt8 = 8
    /// A literal, laid out at compile time (no once-check, no retain); `makeLooksTable()` is its definition, and a
    /// test checks they agree.
    static let looksTable: [UInt8] = [
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x04, 0x01, 0x04, 0x01, 0x04,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
        0x01, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C,
        0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x01, 0x01, 0x01, 0x01, 0x04,
        0x01, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C,
        0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x0C, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    ]

    static func makeLooksTable() -> [UInt8] {
        (0...255).map { value in
            let byte = UInt8(value)
            if byte == ASCII.equals { return padding }
            guard sextet(byte) != nil else { return outside }
            return (ASCII.hexValue(byte) == nil ? nonHex : 0) | (ASCII.isLetter(byte) ? letter : 0)
        }
    }

    /// True when decoded bytes are text a person or program wrote: valid UTF-8, mostly printable.
    public static func isPrintableText(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isPrintableText($0) }
    }

    /// `isPrintableText`, read in place.
    static func isPrintableText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, Bytes.isValidUTF8(bytes) else { return false }
        var printable = 0
        for byte in bytes where isPrintable(byte) { printable += 1 }
        return printable * 100 >= bytes.count * 97
    }

    /// A byte `isPrintableText` counts: not a control other than tab, LF and CR.
    @inline(__always)
    private static func isPrintable(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte != 0x7F) || byte == ASCII.tab || byte == ASCII.lf || byte == ASCII.cr
    }

    /// `decode(bytes)` when it is `isPrintableText`, else nil. The bytes are decoded into scratch space first and
    /// copied out only when they are text, and decoding stops once too many controls make that impossible: values
    /// that look like base64 and are not (trace ids, slugs, hashes) cost no allocation.
    public static func decodeText(_ bytes: [UInt8]) -> [UInt8]? {
        var count = bytes.count
        while count > 0 && bytes[count - 1] == ASCII.equals { count -= 1 }
        guard count > 0, count % 4 != 1 else { return nil }
        // What `decode` writes: six bits per byte, whole bytes only.
        let decodedCount = count * 6 / 8
        // `isPrintableText` allows controls in 3 % of the bytes.
        let allowedControls = decodedCount * 3 / 100
        return bytes.withUnsafeBufferPointer { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: decodedCount) { output -> [UInt8]? in
                var written = 0
                var controls = 0
                let complete = forEachDecodedByte(of: UnsafeBufferPointer(rebasing: input[0..<count])) { byte in
                    if !isPrintable(byte) {
                        controls += 1
                        if controls > allowedControls { return false }
                    }
                    output[written] = byte
                    written += 1
                    return true
                }
                guard complete else { return nil }
                let decoded = UnsafeBufferPointer(rebasing: output[..<written])
                return Bytes.isValidUTF8(decoded) ? Array(decoded) : nil
            }
        }
    }
}
