import MirrorGuardCore

/// Header values a stream repeats, kept so later heads share one array for them instead of allocating their own.
/// A connection carries the same `Host`, `User-Agent`, `Accept`, `Accept-Language`… in head after head (and a mirror
/// connection carries many clients that send the same ones): a field whose value equals, byte for byte, the one kept
/// in its slot takes that array. Bounded: `slots` values of at most `maxBytes` bytes each per stream parser (at most
/// 5 KiB); a new value replaces the one in its slot, so a value that is never repeated costs a slot and no more.
struct HeaderValues: Sendable {
    static let slots = 32
    static let maxBytes = 160
    private var stored: [[UInt8]] = []

    /// Values taken from the table (for tests).
    private(set) var shared = 0

    /// `Array(bytes)`, or the kept array with the same bytes.
    mutating func value(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let count = bytes.count
        guard count >= 2, count <= Self.maxBytes, let base = bytes.baseAddress else { return Array(bytes) }
        if stored.isEmpty { stored = Array(repeating: [], count: Self.slots) }
        // The slot, in constant time: the length and the first and last eight bytes (four for shorter values, which
        // then cover every byte). Bytes alike there share a slot; they are compared in full before one is taken.
        let raw = UnsafeRawPointer(base)
        let head: UInt64, tail: UInt64
        if count >= 8 {
            head = raw.loadUnaligned(as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            head = UInt64(raw.loadUnaligned(as: UInt32.self))
            tail = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        } else {
            head = UInt64(base[0]) | UInt64(base[1]) << 8
            tail = UInt64(base[count - 1])
        }
        let mixed = ((head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)) &* 0xFF51_AFD7_ED55_8CCD
        let slot = Int(truncatingIfNeeded: mixed >> 59) & (Self.slots - 1)
        if stored[slot].count == count && stored[slot].withUnsafeBufferPointer({ Bytes.equal($0, bytes) }) {
            shared += 1
            return stored[slot]
        }
        let made = Array(bytes)
        stored[slot] = made
        return made
    }
}
