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
        guard count >= 2, count <= Self.maxBytes else { return Array(bytes) }
        if stored.isEmpty { stored = Array(repeating: [], count: Self.slots) }
        // The slot, in constant time (`Bytes.edgeFingerprint`): bytes alike in length and edges share one; they are
        // compared in full before one is taken.
        let slot = Int(truncatingIfNeeded: Bytes.edgeFingerprint(bytes) >> 59) & (Self.slots - 1)
        if stored[slot].count == count && stored[slot].withUnsafeBufferPointer({ Bytes.equal($0, bytes) }) {
            shared += 1
            return stored[slot]
        }
        let made = Array(bytes)
        stored[slot] = made
        return made
    }
}
