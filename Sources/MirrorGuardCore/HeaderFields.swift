/// One header line as received: the name keeps its original case, the value its raw bytes.
public struct HeaderField: Sendable, Hashable {
    /// The field name exactly as sent (lossily decoded if it was not UTF-8).
    public var name: String
    /// The field value bytes with surrounding whitespace removed.
    public var value: [UInt8]

    /// Creates a field from a name and raw value bytes.
    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// Creates a field from a name and a UTF-8 value.
    public init(name: String, value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }

    /// The value decoded as UTF-8 for display (invalid bytes become U+FFFD).
    public var valueString: String { String(lossyUTF8: value) }

    /// True when the name equals `lowercase`, a literal, ignoring ASCII case: the parser's and the extractor's checks
    /// for `cookie`, `content-length`…, which run for every field of every request. The name is read in place (no
    /// copy of the string).
    @inlinable
    public func hasName(lowercase other: StaticString) -> Bool {
        guard name.utf8.count == other.utf8CodeUnitCount else { return false }
        return name.utf8.withContiguousStorageIfAvailable { ASCII.equalsIgnoringCase($0, other) } ?? ASCII.equalsIgnoringCase(name.utf8, other)
    }

    /// True when the name equals `other` ignoring ASCII case.
    @inlinable
    public func hasName(_ other: String) -> Bool {
        guard name.utf8.count == other.utf8.count else { return false }
        // Contiguous UTF-8 compared in place (no copy of either string); others byte by byte.
        let compared: Bool?? = name.utf8.withContiguousStorageIfAvailable { left in
            other.utf8.withContiguousStorageIfAvailable { right in
                for index in 0..<left.count where ASCII.lower(left[index]) != ASCII.lower(right[index]) { return false }
                return true
            }
        }
        if let compared = compared ?? nil { return compared }
        return zip(name.utf8, other.utf8).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }
}

/// Ordered header fields: order, duplicates and original case are kept; lookup ignores case.
public struct HeaderFields: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The fields in the order they were received.
    public private(set) var fields: [HeaderField]

    /// Creates a header list from fields in order.
    public init(_ fields: [HeaderField] = []) {
        self.fields = fields
    }

    /// An empty list with room for `minimumCapacity` fields (a parser's typical head).
    public init(minimumCapacity: Int) {
        self.fields = []
        fields.reserveCapacity(minimumCapacity)
    }

    /// Creates a header list from `(name, value)` pairs.
    public init(arrayLiteral elements: (String, String)...) {
        self.fields = elements.map { HeaderField(name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// Appends a field at the end, keeping any earlier field of the same name.
    /// (Taken over, not copied: a parser appends every field of every head.)
    public mutating func append(_ field: consuming HeaderField) {
        fields.append(field)
    }

    /// Appends a field built from a name and raw value bytes (taken over).
    public mutating func append(name: consuming String, value: consuming [UInt8]) {
        fields.append(HeaderField(name: name, value: value))
    }

    /// The first value for `name` (case-insensitive), or nil.
    public func first(_ name: String) -> [UInt8]? {
        // By index, as the lookups below: a closure over the fields would copy (retain) each one.
        for index in fields.indices where fields[index].hasName(name) { return fields[index].value }
        return nil
    }

    /// The first value for `name`, a lowercase literal (case-insensitive), or nil: the per-request lookups
    /// (`host`, `content-type`), compared in place.
    public func first(lowercase name: StaticString) -> [UInt8]? {
        for index in fields.indices where fields[index].hasName(lowercase: name) { return fields[index].value }
        return nil
    }

    /// True when at least one field is called `name`, a lowercase literal (case-insensitive).
    public func contains(lowercase name: StaticString) -> Bool {
        for index in fields.indices where fields[index].hasName(lowercase: name) { return true }
        return false
    }

    /// The first value for `name`, a lowercase literal, decoded as UTF-8, or nil.
    public func firstString(lowercase name: StaticString) -> String? {
        first(lowercase: name).map { String(lossyUTF8: $0) }
    }

    /// Every value for `name`, a lowercase literal (case-insensitive), in order.
    public func values(lowercase name: StaticString) -> [[UInt8]] {
        fields.indices.filter { fields[$0].hasName(lowercase: name) }.map { fields[$0].value }
    }

    /// The first value for `name` decoded as UTF-8, or nil.
    public func firstString(_ name: String) -> String? {
        first(name).map { String(lossyUTF8: $0) }
    }

    /// Every value for `name` (case-insensitive), in order.
    public func values(_ name: String) -> [[UInt8]] {
        fields.filter { $0.hasName(name) }.map(\.value)
    }

    /// True when at least one field is called `name` (case-insensitive).
    public func contains(_ name: String) -> Bool {
        for index in fields.indices where fields[index].hasName(name) { return true }
        return false
    }

    /// Removes every field called `name` (case-insensitive).
    public mutating func removeAll(named name: String) {
        fields.removeAll { $0.hasName(name) }
    }
}

extension HeaderFields {
    /// Appends an obs-fold continuation line to the previous field's value, joined by one space.
    package mutating func continueLastValue(_ bytes: some Collection<UInt8>) {
        guard !fields.isEmpty else { return }
        fields[fields.count - 1].value.append(ASCII.space)
        fields[fields.count - 1].value.append(contentsOf: bytes)
    }
}
