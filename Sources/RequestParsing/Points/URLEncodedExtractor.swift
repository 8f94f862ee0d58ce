import MirrorGuardCore

/// Reads `a=1&b=2` (query strings and `application/x-www-form-urlencoded` bodies) into named values,
/// understanding the bracket forms frameworks use: `a[]=1` (list), `a[b][c]=1` (hash), `a[0]=1`.
enum URLEncodedExtractor {
    /// Extracts pairs under `prefix` (`query` or `body.form`). When `maxParameters` is reached, the
    /// undivided rest is added as one raw point named `prefix` so nothing escapes analysis.
    static func extract(_ bytes: ArraySlice<UInt8>, prefix: String, location: PointLocation, plusAsSpace: Bool, decoders: [DecoderStep] = [], into collector: inout PointCollector) {
        // The usual case: plain, distinct keys (no escapes, no brackets) that all fit. Each value goes straight to the
        // collector; should its derived points fill it, the rest is cut as below.
        var pairs = 0
        if PointName.keysPlainlyDistinct(in: bytes, limit: collector.limits.maxNameSegmentBytes, { visit in
            forEachPair(bytes) { key, _ in
                pairs += 1
                visit(key)
            }
        }) && pairs <= collector.limits.maxParameters - collector.points.count {
            var cut: Int? = nil
            forEachPair(bytes) { key, value in
                guard cut == nil else { return }
                let name = LazyPointName(prefix: prefix, tail: .key(key, lowercase: false, isKeyPoint: false), limit: collector.limits.maxNameSegmentBytes)
                let decoded = value.map { PercentDecoder.decode($0, plusAsSpace: plusAsSpace) } ?? []
                if !collector.add(name, decoded, location, decoders: decoders) { cut = key.startIndex }
            }
            if let cut {
                collector.markFull()
                collector.addRemainder(prefix, PercentDecoder.decode(bytes[cut...], plusAsSpace: plusAsSpace), location, decoders: decoders)
            }
            return
        }
        var values: [NamedValue] = []
        var starts: [Int] = []
        values.reserveCapacity(16)
        starts.reserveCapacity(16)
        var position = bytes.startIndex
        let room = max(collector.limits.maxParameters - collector.points.count, 0)
        var cutAt: Int? = nil
        while position < bytes.endIndex {
            var end = position
            while end < bytes.endIndex && bytes[end] != ASCII.ampersand { end += 1 }
            let pair = bytes[position..<end]
            if !pair.isEmpty {
                if values.count >= room {
                    cutAt = position
                    break
                }
                append(pair, prefix: prefix, plusAsSpace: plusAsSpace, limit: collector.limits.maxNameSegmentBytes, to: &values)
                while starts.count < values.count { starts.append(position) }
            }
            position = end + 1
        }
        let total = values.count
        let added = collector.add(values, location, decoders: decoders)
        if added < total { cutAt = starts[added] }
        if let cutAt {
            // Everything from the first value not analysed on is analysed as one raw point.
            collector.markFull()
            collector.addRemainder(prefix, PercentDecoder.decode(bytes[cutAt...], plusAsSpace: plusAsSpace), location, decoders: decoders)
        }
    }

    /// Calls `body` with the key of each non-empty `&`-separated pair and its value (nil without `=`), as written.
    static func forEachPair(_ bytes: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>?) -> Void) {
        var position = bytes.startIndex
        while position < bytes.endIndex {
            let end = bytes[position...].firstIndex(of: ASCII.ampersand) ?? bytes.endIndex
            if end > position {
                let pair = bytes[position..<end]
                let equals = pair.firstIndex(of: ASCII.equals)
                body(pair[pair.startIndex..<(equals ?? pair.endIndex)], equals.map { pair[($0 + 1)...] })
            }
            position = end + 1
        }
    }

    private static func append(_ pair: ArraySlice<UInt8>, prefix: String, plusAsSpace: Bool, limit: Int, to values: inout [NamedValue]) {
        let equals = pair.firstIndex(of: ASCII.equals)
        let rawKey = pair[pair.startIndex..<(equals ?? pair.endIndex)]
        let key = PercentDecoder.decodeIfNeeded(rawKey, plusAsSpace: plusAsSpace)
        let value = equals.map { PercentDecoder.decode(pair[($0 + 1)...], plusAsSpace: plusAsSpace) } ?? []
        if key.last != ASCII.rightBracket || key.first == ASCII.leftBracket {
            // The common case: one plain segment, named lazily from the key bytes.
            if !PointName.isPlainKey(key) {
                values.append(NamedValue(name: LazyPointName(prefix: prefix, tail: .key(key, lowercase: false, isKeyPoint: true), limit: limit), value: Array(key), role: .key))
            }
            values.append(NamedValue(name: LazyPointName(prefix: prefix, tail: .key(key, lowercase: false, isKeyPoint: false), limit: limit), value: value))
            return
        }
        let (name, hasListSlot) = bracketName(prefix, key, limit: limit)
        if !PointName.isPlainKey(key) && !isPlainBracketKey(key) {
            values.append(NamedValue(name: name + "#key", value: Array(key), role: .key))
        }
        values.append(NamedValue(name: name, value: value, hasListSlot: hasListSlot))
    }

    /// `prefix` + `a[b][0][]` → `prefix.a.b[0][]`; a key that is not bracket-shaped is one segment.
    static func bracketName(_ prefix: String, _ key: ArraySlice<UInt8>, limit: Int) -> (name: String, hasListSlot: Bool) {
        guard let open = key.firstIndex(of: ASCII.leftBracket), open > key.startIndex, key.last == ASCII.rightBracket else {
            return (PointName.child(prefix, key, limit: limit), false)
        }
        var name = PointName.child(prefix, key[key.startIndex..<open], limit: limit)
        var hasListSlot = false
        var position = open
        var parts = 0
        while position < key.endIndex, key[position] == ASCII.leftBracket, parts < 8 {
            guard let close = key[position...].firstIndex(of: ASCII.rightBracket) else { break }
            let inner = key[(position + 1)..<close]
            if inner.isEmpty {
                name += "[]"
                hasListSlot = true
            } else if inner.count <= 9, inner.allSatisfy(ASCII.isDigit) {
                name = PointName.indexed(name, Bytes.decimalValue(inner) ?? 0)
            } else {
                name = PointName.child(name, inner, limit: limit)
            }
            position = close + 1
            parts += 1
        }
        if position < key.endIndex {
            name = PointName.child(name, key[position...], limit: limit)
        }
        return (name, hasListSlot)
    }

    /// `a[b][c]` whose parts are all plain identifiers.
    private static func isPlainBracketKey(_ key: ArraySlice<UInt8>) -> Bool {
        guard key.count <= 128, key.last == ASCII.rightBracket else { return false }
        return key.allSatisfy { ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == 0x5F || $0 == ASCII.minus || $0 == ASCII.leftBracket || $0 == ASCII.rightBracket || $0 == ASCII.dot }
    }
}
