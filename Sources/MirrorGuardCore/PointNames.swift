/// Builds point names from attacker-chosen keys. A segment can never break the name grammar: `.`, `[`,
/// `]`, `|`, `#`, `@`, `%`, spaces, controls and non-ASCII are percent-escaped, and a segment longer than
/// its limit is cut and marked `~~`. Each builder makes its name in one allocation.
public enum PointNames {
    /// `parent` + separator + escaped `key` (optionally lowercased), cut at `limit` key bytes.
    public static func child(_ parent: String, _ key: ArraySlice<UInt8>, limit: Int, separator: UInt8? = ASCII.dot, lowercase: Bool = false) -> String {
        var parent = parent
        let kept = min(key.count, limit)
        var escapedLength = 0
        var counted = 0
        for byte in key {
            if counted == kept { break }
            escapedLength += isPlainNameByte(byte) ? 1 : 3
            counted += 1
        }
        let capacity = parent.utf8.count + (separator == nil ? 0 : 1) + escapedLength + (key.count > limit ? 2 : 0)
        return parent.withUTF8 { parentBytes in
            String(unsafeUninitializedCapacity: capacity) { buffer in
                var index = 0
                for byte in parentBytes { buffer[index] = byte; index += 1 }
                if let separator { buffer[index] = separator; index += 1 }
                var written = 0
                for raw in key {
                    if written == kept { break }
                    let byte = lowercase ? ASCII.lower(raw) : raw
                    if isPlainNameByte(byte) {
                        buffer[index] = byte
                        index += 1
                    } else {
                        buffer[index] = ASCII.percent
                        buffer[index + 1] = hexDigit(byte >> 4)
                        buffer[index + 2] = hexDigit(byte & 0x0F)
                        index += 3
                    }
                    written += 1
                }
                if key.count > limit {
                    buffer[index] = 0x7E
                    buffer[index + 1] = 0x7E
                    index += 2
                }
                return index
            }
        }
    }

    /// The last name component of a point name, lowercased: `body.json.auth.redirect_uri[0]|percent` →
    /// `redirect_uri`, `items[].sku` → `sku`.
    public static func parameterName(_ name: String) -> String {
        // Read as UTF-8 bytes (names are ASCII: keys are escaped); the separators are ASCII either way.
        var name = name
        return name.withUTF8 { bytes in
            var end = bytes.count
            for index in 0..<bytes.count where bytes[index] == 0x7C {
                end = index
                break
            }
            while end > 0, bytes[end - 1] == ASCII.rightBracket {
                var open = end - 1
                while open > 0, bytes[open] != ASCII.leftBracket { open -= 1 }
                guard bytes[open] == ASCII.leftBracket else { break }
                end = open
            }
            var start = end
            while start > 0, bytes[start - 1] != ASCII.dot { start -= 1 }
            let leaf = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if leaf.contains(where: { $0 >= 0x80 }) { return String(decoding: leaf, as: UTF8.self).lowercased() }
            return String(unsafeUninitializedCapacity: leaf.count) { buffer in
                for index in 0..<leaf.count { buffer[index] = ASCII.lower(leaf[index]) }
                return leaf.count
            }
        }
    }

    /// `parent[index]`.
    public static func indexed(_ parent: String, _ index: Int) -> String {
        var parent = parent
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = UInt(max(index, 0))
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(0x30 + remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
        }
        let digitCount = count
        let capacity = parent.utf8.count + digitCount + 2
        return withUnsafeBytes(of: &digits) { raw in
            parent.withUTF8 { parentBytes in
                String(unsafeUninitializedCapacity: capacity) { buffer in
                    var position = 0
                    for byte in parentBytes { buffer[position] = byte; position += 1 }
                    buffer[position] = ASCII.leftBracket
                    position += 1
                    var digit = digitCount
                    while digit > 0 {
                        digit -= 1
                        buffer[position] = raw[digit]
                        position += 1
                    }
                    buffer[position] = ASCII.rightBracket
                    return position + 1
                }
            }
        }
    }

    /// Bytes that stand for themselves inside a name segment.
    @inlinable @inline(__always)
    public static func isPlainNameByte(_ byte: UInt8) -> Bool {
        if ASCII.isLetter(byte) || ASCII.isDigit(byte) { return true }
        switch byte {
        case 0x5F, ASCII.minus, ASCII.dollar, ASCII.colon, 0x7E, 0x21, 0x2A, ASCII.apostrophe, ASCII.plus,
             ASCII.comma, ASCII.semicolon, ASCII.equals, ASCII.slash, 0x28, 0x29, ASCII.leftBrace, ASCII.rightBrace, 0x5E:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    public static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x41 + nibble - 10
    }
}

/// The names of the nodes of one nested document (a JSON body or value): each node is its parent's name and one
/// segment, so a container's name is never built as a string; a point names a node and its name is assembled only
/// when read. Nodes are appended by the extractor that builds the tree, before any point naming them leaves it;
/// afterwards the tree is only read (hence `@unchecked Sendable`).
public final class NameTree: @unchecked Sendable, Hashable {
    /// How a node's name continues its parent's: `.KEY` (escaped, cut at `limit`) or `[index]`.
    public enum Segment: Sendable, Hashable {
        case key(ArraySlice<UInt8>)
        case index(Int)
    }

    /// Plain values only (no reference to retain or release per node): a key's bytes are kept in `keyBytes`.
    struct Node {
        /// The parent node, or -1 for the root.
        var parent: Int
        /// A key: `keyBytes[start..<start + count]`; an index: `count` is -1 and `start` the index.
        var start: Int
        var count: Int
        /// `LazyPointName.fingerprint(foldingIndices: true)` of the node's name: hashed as the node is added (extending
        /// its parent's), so API discovery, which reads it for every point, does not walk the chain.
        var foldedFingerprint: UInt64
    }

    /// The keys of the nodes, one after another, each cut after `limit + 1` bytes: a name uses at most `limit` bytes
    /// of a key and whether there were more.
    @exclusivity(unchecked) private var keyBytes: [UInt8] = []

    /// The name of the root (`body.json`, `query.data|json`).
    public let root: String
    /// Longest key kept in a name.
    public let limit: Int
    /// Written only while the tree is built, by its one builder: no dynamic exclusivity check per node.
    @exclusivity(unchecked) private(set) var nodes: [Node] = []

    /// The root's fingerprint with indices folded.
    let rootFoldedFingerprint: UInt64

    /// An empty tree; room for `expectedNodes` nodes is made at once.
    public init(root: String, limit: Int, expectedNodes: Int = 0) {
        self.root = root
        self.limit = limit
        rootFoldedFingerprint = LazyPointName(root).fingerprint(foldingIndices: true)
        nodes.reserveCapacity(expectedNodes)
    }

    /// Adds a node under `parent` (-1: the root; any index not yet added also means the root, so every chain of
    /// parents ends) and returns its index.
    public func add(parent: Int, _ segment: Segment) -> Int {
        switch segment {
        case let .key(key): key.withUnsafeBufferPointer { add(parent: parent, key: $0) }
        case let .index(position): add(parent: parent, index: position)
        }
    }

    /// Adds a node named by `key` (read in place) under `parent`.
    public func add(parent: Int, key: UnsafeBufferPointer<UInt8>) -> Int {
        let parent = parent < nodes.count ? parent : -1
        var folded = foldedFingerprint(of: parent)
        LazyPointName.hashKey(key, lowercase: false, limit: limit, into: &folded)
        let start = keyBytes.count
        let kept = UnsafeBufferPointer(rebasing: key[0..<min(key.count, limit + 1)])
        keyBytes.append(contentsOf: kept)
        nodes.append(Node(parent: parent, start: start, count: kept.count, foldedFingerprint: folded))
        return nodes.count - 1
    }

    /// Adds a node named by `[position]` under `parent`.
    public func add(parent: Int, index position: Int) -> Int {
        let parent = parent < nodes.count ? parent : -1
        var folded = foldedFingerprint(of: parent)
        LazyPointName.hashIndex(position, fold: true, into: &folded)
        nodes.append(Node(parent: parent, start: position, count: -1, foldedFingerprint: folded))
        return nodes.count - 1
    }

    /// The segment of node `index` (a key as kept: cut after `limit + 1` bytes).
    func segment(of index: Int) -> Segment {
        let node = nodes[index]
        return node.count < 0 ? .index(node.start) : .key(keyBytes[node.start..<(node.start + node.count)])
    }

    /// The folded fingerprint of node `index` (the root's for the root or an unknown node).
    func foldedFingerprint(of index: Int) -> UInt64 {
        index >= 0 && index < nodes.count ? nodes[index].foldedFingerprint : rootFoldedFingerprint
    }

    /// The dotted name of node `index`.
    func name(of index: Int) -> String {
        chain(to: index) { chain in
            var name = root
            for node in chain {
                switch segment(of: node) {
                case let .key(key): name = PointNames.child(name, key, limit: limit)
                case let .index(position): name = PointNames.indexed(name, position)
                }
            }
            return name
        }
    }

    /// Calls `body` with the nodes from the root's child down to `index`.
    func chain<Result>(to index: Int, _ body: (UnsafeBufferPointer<Int>) -> Result) -> Result {
        var depth = 0
        var node = index
        while node >= 0 && node < nodes.count {
            depth += 1
            node = nodes[node].parent
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: depth) { chain in
            var node = index
            for slot in stride(from: depth - 1, through: 0, by: -1) {
                chain[slot] = node
                node = nodes[node].parent
            }
            return body(UnsafeBufferPointer(chain))
        }
    }

    public static func == (lhs: NameTree, rhs: NameTree) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A point name kept as parts until read: a shared prefix plus the raw key or index that ends it, so the
/// benign fast path builds no strings. Reading `name` assembles the dotted form.
public struct LazyPointName: Sendable, Hashable {
    /// What follows the prefix.
    public enum Tail: Sendable, Hashable {
        /// Nothing: the prefix is the whole name.
        case none
        /// `.KEY` (escaped; lowercased when `lowercase`), then `#key` when `isKeyPoint`.
        case key(ArraySlice<UInt8>, lowercase: Bool, isKeyPoint: Bool)
        /// `[index]`.
        case index(Int)
        /// The name of a node of a tree (the prefix is the tree's root), then `#key` when `isKeyPoint`.
        case node(NameTree, Int, isKeyPoint: Bool)
    }

    /// The already-built prefix (`query`, `body.json.user`, `header.host`).
    public var prefix: String
    /// The end of the name.
    public var tail: Tail
    /// Longest key kept in the name.
    public var limit: Int

    /// A name that is only a prefix.
    public init(_ name: String) {
        self.prefix = name
        self.tail = .none
        self.limit = 64
    }

    /// A name made of a prefix and a tail.
    public init(prefix: String, tail: Tail, limit: Int) {
        self.prefix = prefix
        self.tail = tail
        self.limit = limit
    }

    /// The dotted name.
    public var string: String {
        switch tail {
        case .none:
            return prefix
        case let .key(key, lowercase, isKeyPoint):
            let name = PointNames.child(prefix, key, limit: limit, lowercase: lowercase)
            return isKeyPoint ? name + "#key" : name
        case let .index(index):
            return PointNames.indexed(prefix, index)
        case let .node(tree, index, isKeyPoint):
            let name = tree.name(of: index)
            return isKeyPoint ? name + "#key" : name
        }
    }

    /// A name for node `index` of `tree` (a key point's when `isKeyPoint`).
    public init(tree: NameTree, node index: Int, isKeyPoint: Bool = false) {
        self.init(prefix: tree.root, tail: .node(tree, index, isKeyPoint: isKeyPoint), limit: tree.limit)
    }

    /// A 64-bit FNV-1a hash of exactly the bytes `string` would hold, computed without building it.
    public var fingerprint: UInt64 { fingerprint(foldingIndices: false) }

    /// `fingerprint`, optionally of the name with array indices folded (`items[3].sku` hashed as `items[].sku`):
    /// how API discovery identifies a parameter without building its name.
    public func fingerprint(foldingIndices fold: Bool) -> UInt64 {
        // One local accumulator, no closure capturing it: this runs for every point API discovery reads.
        let prime: UInt64 = 0x0000_0100_0000_01B3
        if fold, case let .node(tree, index, isKeyPoint) = tail {
            // Hashed as the tree was built, from its root (this name's prefix) on.
            var hash = tree.foldedFingerprint(of: index)
            if isKeyPoint { for byte in "#key".utf8 { hash = (hash ^ UInt64(byte)) &* prime } }
            return hash
        }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var prefix = prefix
        hash = prefix.withUTF8 { bytes in
            var hash = hash
            // Keys escape `[` and `]`, so brackets in a name only ever hold an index.
            var inIndex = false
            for byte in bytes {
                if fold && inIndex {
                    if byte == ASCII.rightBracket {
                        inIndex = false
                        hash = (hash ^ UInt64(byte)) &* prime
                    }
                    continue
                }
                if byte == ASCII.leftBracket { inIndex = true }
                hash = (hash ^ UInt64(byte)) &* prime
            }
            return hash
        }
        switch tail {
        case .none:
            break
        case let .key(key, lowercase, isKeyPoint):
            Self.hashKey(key, lowercase: lowercase, limit: limit, into: &hash)
            if isKeyPoint { for byte in "#key".utf8 { hash = (hash ^ UInt64(byte)) &* prime } }
        case let .index(index):
            Self.hashIndex(index, fold: fold, into: &hash)
        case let .node(tree, index, isKeyPoint):
            // Unfolded (folded ones returned above): the chain from the root's child down.
            hash = tree.chain(to: index) { chain in
                var hash = hash
                for node in chain {
                    switch tree.segment(of: node) {
                    case let .key(key): Self.hashKey(key, lowercase: false, limit: limit, into: &hash)
                    case let .index(position): Self.hashIndex(position, fold: false, into: &hash)
                    }
                }
                return hash
            }
            if isKeyPoint { for byte in "#key".utf8 { hash = (hash ^ UInt64(byte)) &* prime } }
        }
        return hash
    }

    /// Hashes `.KEY` as `PointNames.child` writes it (escaped, cut at `limit` and marked `~~`).
    @inline(__always)
    static func hashKey(_ key: some Collection<UInt8>, lowercase: Bool, limit: Int, into hash: inout UInt64) {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        hash = (hash ^ UInt64(ASCII.dot)) &* prime
        var written = 0
        for raw in key {
            if written == limit {
                hash = (hash ^ 0x7E) &* prime
                hash = (hash ^ 0x7E) &* prime
                break
            }
            let byte = lowercase ? ASCII.lower(raw) : raw
            if PointNames.isPlainNameByte(byte) {
                hash = (hash ^ UInt64(byte)) &* prime
            } else {
                hash = (hash ^ UInt64(ASCII.percent)) &* prime
                hash = (hash ^ UInt64(PointNames.hexDigit(byte >> 4))) &* prime
                hash = (hash ^ UInt64(PointNames.hexDigit(byte & 0x0F))) &* prime
            }
            written += 1
        }
    }

    /// Hashes `[index]`, or `[]` when indices are folded.
    @inline(__always)
    static func hashIndex(_ index: Int, fold: Bool, into hash: inout UInt64) {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        hash = (hash ^ UInt64(ASCII.leftBracket)) &* prime
        if !fold { for byte in String(index).utf8 { hash = (hash ^ UInt64(byte)) &* prime } }
        hash = (hash ^ UInt64(ASCII.rightBracket)) &* prime
    }

    /// True when both build the same name, compared without building either when possible.
    public func isSameName(as other: LazyPointName) -> Bool {
        switch (tail, other.tail) {
        case (.none, .none):
            return prefix == other.prefix
        case let (.key(a, lowerA, keyA), .key(b, lowerB, keyB)) where lowerA == lowerB && keyA == keyB && prefix == other.prefix && limit == other.limit:
            if lowerA { return a.count == b.count && zip(a, b).allSatisfy { ASCII.lower($0) == ASCII.lower($1) } }
            return a.elementsEqual(b)
        case let (.index(a), .index(b)) where prefix == other.prefix:
            return a == b
        case let (.node(treeA, a, keyA), .node(treeB, b, keyB)) where treeA === treeB:
            return a == b && keyA == keyB || string == other.string
        default:
            return string == other.string
        }
    }
}
