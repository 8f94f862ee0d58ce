import MirrorGuardCore

/// A fixed set of short ASCII words (at most 16 bytes) looked up case-insensitively with one multiply-shift
/// hash and linear probing — cheaper than `Dictionary` with SipHash on the hot path.
struct WordTable: Sendable {
    private var keys: [NameKey?]
    private var values: [Int32]
    private let shift: UInt64
    /// Bit n set when some word has n bytes; bit b of the pair when some word starts with lowercase byte b (< 128).
    private var lengths: UInt32 = 0
    private var firstBytes: (UInt64, UInt64) = (0, 0)

    /// Words and the value each maps to; longer words are ignored.
    init(_ words: [(String, Int)]) {
        var capacity = 16
        while capacity < words.count * 4 { capacity *= 2 }
        keys = [NameKey?](repeating: nil, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (word, value) in words {
            guard let key = NameKey(Array(word.utf8)) else { continue }
            var slot = slot(for: key)
            while let existing = keys[slot], existing != key { slot = (slot + 1) & (keys.count - 1) }
            keys[slot] = key
            values[slot] = Int32(value)
            lengths |= 1 << UInt32(word.utf8.count)
            let first = UInt64(key.low & 0x7F)
            if first < 64 { firstBytes.0 |= 1 << first } else { firstBytes.1 |= 1 << (first - 64) }
        }
    }

    private func slot(for key: NameKey) -> Int {
        Int(truncatingIfNeeded: ((key.low ^ (key.high &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value of `word`, if it is in the table.
    func value(_ word: UnsafeBufferPointer<UInt8>) -> Int? {
        // Most words of a value are rejected by their length or first byte before a key is built.
        guard let head = word.first, word.count <= 16, lengths & (1 << UInt32(word.count)) != 0 else { return nil }
        let first = UInt64(ASCII.lower(head))
        guard first < 128, (first < 64 ? firstBytes.0 >> first : firstBytes.1 >> (first - 64)) & 1 != 0 else { return nil }
        guard let key = NameKey(word) else { return nil }
        var slot = slot(for: key)
        while let existing = keys[slot] {
            if existing == key { return Int(values[slot]) }
            slot = (slot + 1) & (keys.count - 1)
        }
        return nil
    }
}

/// Up to 16 lowercase ASCII bytes as two integers.
struct NameKey: Hashable, Sendable {
    let low: UInt64
    let high: UInt64

    init?(_ bytes: [UInt8]) {
        guard let key = bytes.withUnsafeBufferPointer({ NameKey($0) }) else { return nil }
        self = key
    }

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        guard count > 0, count <= 16 else { return nil }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for offset in 0..<count {
            let byte = bytes[offset]
            guard byte >= 0x21 && byte < 0x7F else { return nil }
            let lowered = UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            if offset < 8 { low |= lowered << (8 * UInt64(offset)) } else { high |= lowered << (8 * UInt64(offset - 8)) }
        }
        self.low = low
        self.high = high
    }
}
