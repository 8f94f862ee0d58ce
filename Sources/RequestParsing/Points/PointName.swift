import MirrorGuardCore

/// Name helpers for extractors; the builders themselves live in Core (`PointNames`) so `Point.name`
/// can assemble lazily kept names.
public enum PointName {
    /// The escaped form of one key as a name segment.
    public static func segment(_ key: [UInt8], limit: Int) -> String {
        PointNames.child("", key[...], limit: limit, separator: nil)
    }

    /// `parent.KEY`, the key escaped and bounded.
    public static func child(_ parent: String, _ key: ArraySlice<UInt8>, limit: Int, separator: UInt8? = ASCII.dot) -> String {
        PointNames.child(parent, key, limit: limit, separator: separator)
    }

    /// `parent.KEY`, the key escaped and bounded.
    public static func child(_ parent: String, _ key: [UInt8], limit: Int, separator: UInt8? = ASCII.dot) -> String {
        PointNames.child(parent, key[...], limit: limit, separator: separator)
    }

    /// `parent[index]`.
    public static func indexed(_ parent: String, _ index: Int) -> String {
        PointNames.indexed(parent, index)
    }

    /// True when a key is an ordinary identifier (letters, digits, `_`, `-`, `.`, at most 64 bytes): such
    /// keys cannot carry an injection, so no key point is emitted for them.
    public static func isPlainKey(_ key: some Collection<UInt8>) -> Bool {
        guard !key.isEmpty, key.count <= 64 else { return false }
        for byte in key where !(ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == 0x5F || byte == ASCII.minus || byte == ASCII.dot) {
            return false
        }
        return true
    }
}

extension PointName {
    /// True when `keys` (which calls its argument with each key, a slice of `buffer`) yields at most 64 plain keys
    /// (`isPlainKey`: no key point, escaped as they stand) of at most `limit` bytes, no two alike: names made of a
    /// prefix and such keys are distinct as they stand, and nothing needs numbering.
    static func keysPlainlyDistinct(in buffer: ArraySlice<UInt8>, limit: Int, _ keys: ((ArraySlice<UInt8>) -> Void) -> Void) -> Bool {
        withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 64) { seen in
            var count = 0
            var distinct = true
            keys { key in
                guard distinct else { return }
                guard count < seen.count, key.count <= limit, isPlainKey(key) else { distinct = false; return }
                for earlier in 0..<count where seen[earlier].count == key.count && buffer[seen[earlier]].elementsEqual(key) {
                    distinct = false
                    return
                }
                seen[count] = key.startIndex..<key.endIndex
                count += 1
            }
            return distinct
        }
    }
}

/// A named value collected from one container before names are made unique.
struct NamedValue {
    var name: LazyPointName
    var value: [UInt8]
    var role: PointRole = .value
    /// The name holds `[]` slots (`a[]=1`) to be numbered in order.
    var hasListSlot = false

    init(name: LazyPointName, value: [UInt8], role: PointRole = .value, hasListSlot: Bool = false) {
        self.name = name
        self.value = value
        self.role = role
        self.hasListSlot = hasListSlot
    }

    init(name: String, value: [UInt8], role: PointRole = .value, hasListSlot: Bool = false) {
        self.init(name: LazyPointName(name), value: value, role: role, hasListSlot: hasListSlot)
    }
}

extension Array where Element == NamedValue {
    /// Gives repeated names indices (`query.id[0]`, `query.id[1]`) and numbers explicit `[]` slots in order.
    mutating func makeNamesUnique() {
        guard count > 1 || contains(where: \.hasListSlot) else { return }
        if count <= 64 && namesPlainlyDistinct() { return }
        // Small containers (headers, most queries) compare name fingerprints pairwise on the stack,
        // confirming a match by the names themselves; large ones hash the names.
        var anyRepeated = false
        if count <= 64 {
            var mask: UInt64 = 0
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { fingerprints in
                for index in indices {
                    fingerprints[index] = self[index].role == .value && !self[index].hasListSlot ? self[index].name.fingerprint : 0
                }
                for first in indices where fingerprints[first] != 0 && mask & (1 << UInt64(first)) == 0 {
                    for second in (first + 1)..<count where fingerprints[second] == fingerprints[first]
                        && self[second].name.isSameName(as: self[first].name) {
                        mask |= 1 << UInt64(first) | 1 << UInt64(second)
                        anyRepeated = true
                    }
                }
            }
            guard anyRepeated || contains(where: \.hasListSlot) else { return }
            renumber { mask & (1 << UInt64($0)) != 0 }
            return
        }
        var repeated = Array<Bool>(repeating: false, count: count)
        do {
            var totals: [String: Int] = [:]
            var names: [String?] = Array<String?>(repeating: nil, count: count)
            for index in indices where self[index].role == .value && !self[index].hasListSlot {
                let name = self[index].name.string
                names[index] = name
                totals[name, default: 0] += 1
            }
            for index in indices where (names[index].flatMap { totals[$0] } ?? 0) > 1 {
                repeated[index] = true
                anyRepeated = true
            }
        }
        guard anyRepeated || contains(where: \.hasListSlot) else { return }
        renumber { repeated[$0] }
    }

    /// True when every name is a key under a prefix (no `[]` slot, not cut at the limit) and no two keys agree in
    /// length, first and last byte (lowercased where the name lowercases), key-point mark and case rule. A name is
    /// its prefix, a dot and its escaped key, and escaped keys hold no dot, so equal names have equal keys: then no
    /// two names can be equal and nothing needs numbering. Any doubt answers false (the general pass decides).
    private func namesPlainlyDistinct() -> Bool {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { quick in
            for index in indices {
                let entry = self[index]
                guard !entry.hasListSlot, case let .key(key, lowercase, isKeyPoint) = entry.name.tail, key.count <= entry.name.limit,
                      let first = key.first, let last = key.last else { return false }
                let head = UInt64(lowercase ? ASCII.lower(first) : first), tail = UInt64(lowercase ? ASCII.lower(last) : last)
                quick[index] = UInt64(key.count) | head << 32 | tail << 40 | (isKeyPoint ? 1 << 48 : 0) | (lowercase ? 1 << 49 : 0)
                for earlier in 0..<index where quick[earlier] == quick[index] { return false }
            }
            return true
        }
    }

    private mutating func renumber(_ isRepeated: (Int) -> Bool) {
        var seen: [String: Int] = [:]
        for index in indices where isRepeated(index) || self[index].hasListSlot {
            let name = self[index].name.string
            let ordinal = seen[name] ?? 0
            seen[name] = ordinal + 1
            if self[index].hasListSlot {
                self[index].name = LazyPointName(Self.numberSlots(name, first: ordinal))
            } else {
                self[index].name = LazyPointName(prefix: name, tail: .index(ordinal), limit: 64)
            }
        }
    }

    /// Replaces the first `[]` with `[first]` and any later ones with `[0]`.
    private static func numberSlots(_ name: String, first: Int) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(name.utf8.count + 8)
        var usedFirst = false
        var previous: UInt8 = 0
        for byte in name.utf8 {
            if previous == ASCII.leftBracket && byte == ASCII.rightBracket {
                let number = usedFirst ? 0 : first
                usedFirst = true
                output.append(contentsOf: String(number).utf8)
            }
            output.append(byte)
            previous = byte
        }
        return String(decoding: output, as: UTF8.self)
    }
}
