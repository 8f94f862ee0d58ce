import MirrorGuardCore

/// Header and path values the detectors found nothing in, remembered so that the same bytes under the same point
/// name and host are not inspected again. Mirrored traffic repeats them: a client sends the same `User-Agent`,
/// `Accept-Language`, `Referer` and `Origin` with every request, the same endpoints are called over and over, and
/// the detectors spend a quarter of a benign request's time on the `User-Agent` alone.
///
/// Sound because a detector is a pure function of the point (name, part, decoders, role), its value and the
/// request's host (`PointDetector` keeps no state between calls): only values as sent (no decoder applied) under a
/// name without a key tail are kept — a header under its common field name (`header.user-agent`), the path
/// (`path`) and its segments (`path[1]`) — whose name prefix also tells the part; an entry matches only when the
/// name prefix, the index, the host and the value are all equal byte for byte. The hash only picks the slot; a
/// crafted collision evicts an entry at most, it never matches one. Only values without hits are kept, and the
/// entries belong to one detector set: handed to an analyser with other detectors enabled, the cache empties itself
/// first.
///
/// Bounded: `capacity` slots, each holding at most one value of at most `maxValueBytes` bytes; a new value replaces
/// the one in its slot. Not thread-safe: each analysis worker owns one.
public final class CleanValueCache {
    /// Slots of a cache made without a capacity (and of each serve worker's, unless configured).
    public static let defaultCapacity = 4096
    /// Slots (a power of two).
    public let capacity: Int
    /// Longest value kept; longer ones are inspected every time.
    public let maxValueBytes: Int
    // One owner at a time (see above): the stored properties skip Swift's run-time exclusivity checks, which cost more
    // than a lookup that misses.
    /// Values looked up (header and path values eligible for the cache).
    @exclusivity(unchecked) public private(set) var lookups = 0
    /// Lookups that found the value: its detectors were skipped.
    @exclusivity(unchecked) public private(set) var hits = 0
    /// Values stored after the detectors found nothing in them.
    @exclusivity(unchecked) public private(set) var stores = 0

    /// An object, so a lookup holds one reference to it rather than copying its three buffers.
    private final class Entry {
        let name: String
        let index: Int
        let host: [UInt8]
        let value: [UInt8]

        init(name: String, index: Int, host: [UInt8], value: [UInt8]) {
            self.name = name
            self.index = index
            self.host = host
            self.value = value
        }
    }

    @exclusivity(unchecked) private var slots: [Entry?]
    /// Each slot's hash (0 when empty; stored hashes are never 0): a lookup that misses reads only this.
    @exclusivity(unchecked) private var hashes: [UInt64]
    /// The detector set the entries were found clean by.
    private var detectors: UInt64?

    /// Creates an empty cache. `capacity` is rounded up to a power of two within 1...65,536 slots; memory stays
    /// below `capacity × (maxValueBytes + name + host)` bytes.
    public init(capacity: Int = CleanValueCache.defaultCapacity, maxValueBytes: Int = 1024) {
        var slots = 1
        while slots < min(max(capacity, 1), 1 << 16) { slots <<= 1 }
        self.capacity = slots
        self.maxValueBytes = max(maxValueBytes, 0)
        self.slots = Array(repeating: nil, count: slots)
        self.hashes = Array(repeating: 0, count: slots)
    }

    /// Entries held now.
    public var count: Int { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Where a value is looked up: its slot hash and the index that completes its name prefix (-1 for none).
    struct Key {
        let hash: UInt64
        let index: Int
    }

    /// The key of a value of `point`, or nil when it is not looked up here: only a header value under its common field
    /// name, the path or a path segment, as sent, within `maxValueBytes`.
    func key(of point: inout Point, _ value: UnsafeBufferPointer<UInt8>, hostHash: UInt64) -> Key? {
        guard point.location == .header || point.location == .path, point.role == .value, value.count <= maxValueBytes,
              point.decoders.isEmpty else { return nil }
        let index: Int
        switch point.lazyName.tail {
        case .none: index = -1
        case let .index(position) where point.location == .path: index = position
        default: return nil
        }
        return Key(hash: Self.hash(name: point.lazyName.prefix, index: index, value: value, hostHash: hostHash), index: index)
    }

    /// Empties the cache when `detectors` differs from the set its entries were found clean by.
    func use(detectors bits: UInt64) {
        guard detectors != bits else { return }
        if detectors != nil {
            for index in slots.indices {
                slots[index] = nil
                hashes[index] = 0
            }
        }
        detectors = bits
    }

    /// The host's share of the slot hash, computed once per exchange.
    static func hostHash(_ host: [UInt8]) -> UInt64 {
        mix(host, seed: 0)
    }

    /// The slot hash of a value under a name (prefix and index) and host hash (`hostHash`); never 0.
    static func hash(name: String, index: Int, value: UnsafeBufferPointer<UInt8>, hostHash: UInt64) -> UInt64 {
        let seed = hostHash ^ UInt64(bitPattern: Int64(index))
        // Read in place: the names are native strings (a copy made contiguous only for a bridged one).
        let nameHash = name.utf8.withContiguousStorageIfAvailable { mix($0, seed: seed) } ?? mix(Array(name.utf8), seed: seed)
        return mix(value, seed: nameHash) | 1
    }

    static func mix(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        bytes.withUnsafeBufferPointer { mix($0, seed: seed) }
    }

    /// Eight bytes per step, multiplied and folded: spreads values that share a prefix and a length. The bytes after
    /// the last whole word are read as one word too — the last eight bytes, overlapping the word before, or two
    /// overlapping four-byte halves of a shorter value — never byte by byte.
    static func mix(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = bytes.count
        var hash = (seed ^ UInt64(count)) &* multiplier
        guard let base = bytes.baseAddress, count > 0 else { return hash }
        let raw = UnsafeRawPointer(base)
        let last: UInt64
        if count >= 8 {
            var index = 0
            while index + 8 <= count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* multiplier
                hash ^= hash >> 29
                index += 8
            }
            guard index < count else { return hash ^ (hash >> 32) }
            last = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            last = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
        } else {
            last = UInt64(base[0]) | UInt64(base[count / 2]) << 8 | UInt64(base[count - 1]) << 16
        }
        hash = (hash ^ last) &* multiplier
        return hash ^ (hash >> 32)
    }

    /// True when `value` under `name` (with the key's index) and `host` was found clean.
    func contains(_ key: Key, name: String, host: [UInt8], value: UnsafeBufferPointer<UInt8>) -> Bool {
        lookups += 1
        let slot = Int(truncatingIfNeeded: key.hash) & (capacity - 1)
        guard hashes[slot] == key.hash, let entry = slots[slot], entry.value.count == value.count,
              entry.index == key.index, entry.name == name,
              entry.host.withUnsafeBufferPointer({ stored in host.withUnsafeBufferPointer { Bytes.equal(stored, $0) } }) else { return false }
        let equal = entry.value.withUnsafeBufferPointer { Bytes.equal($0, value) }
        if equal { hits += 1 }
        return equal
    }

    /// Remembers that `value` under `name` (with the key's index) and `host` has no hits.
    func store(_ key: Key, name: String, host: [UInt8], value: [UInt8]) {
        guard value.count <= maxValueBytes else { return }
        let slot = Int(truncatingIfNeeded: key.hash) & (capacity - 1)
        slots[slot] = Entry(name: name, index: key.index, host: host, value: value)
        hashes[slot] = key.hash
        stores += 1
    }
}
