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
        guard count > 0, count <= 16, let base = bytes.baseAddress else { return nil }
        // Packed eight bytes at a time, checked and lowercased in the word (SWAR), not byte by byte.
        let low = Self.pack(base, count: min(count, 8))
        let high = count > 8 ? Self.pack(base + 8, count: count - 8) : 0
        guard Self.isPrintable(low, count: min(count, 8)), count <= 8 || Self.isPrintable(high, count: count - 8) else { return nil }
        self.low = Self.lowercased(low)
        self.high = Self.lowercased(high)
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// `count` (1…8) bytes, the first in the lowest byte.
    @inline(__always)
    private static func pack(_ base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        if count == 8 { return UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)) }
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(base[index]) << (8 * UInt64(index)) }
        return word
    }

    /// Every one of the `count` low bytes is in 0x21…0x7E.
    @inline(__always)
    private static func isPrintable(_ word: UInt64, count: Int) -> Bool {
        let mask = count == 8 ? highBits : highBits & ((1 << (8 * UInt64(count))) &- 1)
        guard word & highBits == 0 else { return false }
        // Below 0x80 no addition carries into the next byte: + 0x5F sets the top bit from 0x21 up, + 0x01 from 0x7F up.
        return (word &+ 0x5F &* ones) & mask == mask && (word &+ ones) & mask == 0
    }

    /// ASCII letters lowercased in place (bytes below 0x80).
    @inline(__always)
    private static func lowercased(_ word: UInt64) -> UInt64 {
        let upper = (word &+ 0x3F &* ones) & ~(word &+ 0x25 &* ones) & highBits
        return word | (upper >> 2)
    }
}
