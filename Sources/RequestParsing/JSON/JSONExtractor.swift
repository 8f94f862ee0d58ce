import MirrorGuardCore

/// Turns a JSON document into points: every leaf (strings decoded, numbers and booleans as written)
/// named by its path (`body.json.user.emails[0]`), and every key that is not a plain identifier as a key
/// point (`body.json.$where#key`). Tolerant: what parsed before an error is kept.
enum JSONExtractor {
    /// Extracts `bytes` into `collector`; returns false when the document is not valid JSON.
    @discardableResult
    static func extract(_ bytes: [UInt8], prefix: String, location: PointLocation, decoders: [DecoderStep], into collector: inout PointCollector) -> Bool {
        var parser = JSONPointParser(bytes: bytes, prefix: prefix, location: location, decoders: decoders, limits: collector.limits)
        parser.skipWhitespace()
        guard parser.index < bytes.count else { return false }
        parser.parseValue(node: JSONPointParser.root, depth: 0, into: &collector)
        parser.skipWhitespace()
        if parser.index < bytes.count && parser.valid && !collector.isFull { parser.valid = false }
        if parser.depthExceeded {
            collector.anomalies.append(Anomaly(.jsonDepthExceeded, "\(prefix) nests deeper than \(collector.limits.maxNestingDepth); deeper values analysed as raw text"))
        }
        return parser.valid
    }
}

/// Recursive-descent JSON reader bounded by `maxNestingDepth`; subtrees below it are skipped
/// iteratively and reported as one raw leaf. Names are nodes of one `NameTree` per document: no container's name is
/// built as a string.
struct JSONPointParser {
    let bytes: [UInt8]
    let prefix: String
    let location: PointLocation
    let decoders: [DecoderStep]
    let limits: ParsingLimits
    let names: NameTree
    var index = 0
    var valid = true
    var depthExceeded = false

    /// The node standing for the document itself (named `prefix`).
    static let root = -1

    init(bytes: [UInt8], prefix: String, location: PointLocation, decoders: [DecoderStep], limits: ParsingLimits) {
        self.bytes = bytes
        self.prefix = prefix
        self.location = location
        self.decoders = decoders
        self.limits = limits
        // A node takes at least two bytes of JSON (`1,`); the collector stops at `maxParameters` points.
        self.names = NameTree(root: prefix, limit: limits.maxNameSegmentBytes, expectedNodes: min(bytes.count / 8, limits.maxParameters))
    }

    /// The point name of `node`.
    func name(_ node: Int, isKeyPoint: Bool = false) -> LazyPointName {
        node == Self.root ? LazyPointName(prefix) : LazyPointName(tree: names, node: node, isKeyPoint: isKeyPoint)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == ASCII.space || byte == ASCII.lf || byte == ASCII.cr || byte == ASCII.tab else { return }
            index += 1
        }
    }

    mutating func parseValue(node: Int, depth: Int, into collector: inout PointCollector) {
        guard valid, !collector.isFull else { return }
        skipWhitespace()
        guard index < bytes.count else { valid = false; return }
        let byte = bytes[index]
        if (byte == ASCII.leftBrace || byte == ASCII.leftBracket) && depth >= limits.maxNestingDepth {
            depthExceeded = true
            let start = index
            skipNested()
            collector.add(name(node), Array(bytes[start..<index]), location, decoders: decoders)
            return
        }
        switch byte {
        case ASCII.leftBrace:
            index += 1
            parseObject(node: node, depth: depth, into: &collector)
        case ASCII.leftBracket:
            index += 1
            parseArray(node: node, depth: depth, into: &collector)
        case ASCII.quote:
            guard let string = parseString() else { valid = false; return }
            collector.add(name(node), string, location, decoders: decoders)
        default:
            let start = index
            while index < bytes.count {
                let next = bytes[index]
                if next == ASCII.comma || next == ASCII.rightBrace || next == ASCII.rightBracket || ASCII.isWhitespace(next) { break }
                index += 1
            }
            let literal = bytes[start..<index]
            guard !literal.isEmpty, Self.isLiteral(literal) else { valid = false; return }
            if !ASCII.equalsIgnoringCase(literal, "null") {
                collector.add(name(node), Array(literal), location, decoders: decoders)
            }
        }
    }

    private mutating func parseObject(node: Int, depth: Int, into collector: inout PointCollector) {
        skipWhitespace()
        if index < bytes.count && bytes[index] == ASCII.rightBrace { index += 1; return }
        while valid && !collector.isFull {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.quote, let key = parseKey() else { valid = false; return }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.colon else { valid = false; return }
            index += 1
            let child = key.withUnsafeBufferPointer { names.add(parent: node, key: $0) }
            if !PointName.isPlainKey(key) {
                collector.add(name(child, isKeyPoint: true), Array(key), location, decoders: decoders, role: .key)
            }
            parseValue(node: child, depth: depth + 1, into: &collector)
            skipWhitespace()
            guard index < bytes.count else { valid = false; return }
            if bytes[index] == ASCII.comma { index += 1; continue }
            if bytes[index] == ASCII.rightBrace { index += 1; return }
            valid = false
            return
        }
    }

    private mutating func parseArray(node: Int, depth: Int, into collector: inout PointCollector) {
        skipWhitespace()
        if index < bytes.count && bytes[index] == ASCII.rightBracket { index += 1; return }
        var position = 0
        while valid && !collector.isFull {
            parseValue(node: names.add(parent: node, index: position), depth: depth + 1, into: &collector)
            position += 1
            skipWhitespace()
            guard index < bytes.count else { valid = false; return }
            if bytes[index] == ASCII.comma { index += 1; continue }
            if bytes[index] == ASCII.rightBracket { index += 1; return }
            valid = false
            return
        }
    }

    /// Parses a key: a slice of the document when it has no escapes (no copy), decoded otherwise.
    mutating func parseKey() -> ArraySlice<UInt8>? {
        let start = index + 1
        var scan = start
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == ASCII.quote {
                index = scan + 1
                return bytes[start..<scan]
            }
            if byte == ASCII.backslash { break }
            scan += 1
        }
        return parseString()?[...]
    }

    /// Parses a string starting at the opening quote; returns its decoded bytes (invalid escapes kept).
    mutating func parseString() -> [UInt8]? {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote {
                let result = Array(bytes[start..<index])
                index += 1
                return result
            }
            if byte == ASCII.backslash { break }
            index += 1
        }
        guard index < bytes.count else { return nil }
        var output = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote {
                index += 1
                return output
            }
            if byte == ASCII.backslash, index + 1 < bytes.count {
                let kind = bytes[index + 1]
                if kind == 0x75, let unit = PercentDecoder.hex4(bytes[...], index + 2) {
                    if (0xD800...0xDBFF).contains(unit), index + 11 < bytes.count, bytes[index + 6] == ASCII.backslash,
                       bytes[index + 7] == 0x75, let low = PercentDecoder.hex4(bytes[...], index + 8), (0xDC00...0xDFFF).contains(low) {
                        appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &output)
                        index += 12
                    } else {
                        appendUTF8(unit, to: &output)
                        index += 6
                    }
                    continue
                }
                if let simple = UnicodeEscapeDecoder.simpleEscape(kind) {
                    output.append(simple)
                    index += 2
                    continue
                }
                output.append(byte)
                index += 1
                continue
            }
            output.append(byte)
            index += 1
        }
        return nil
    }

    /// Skips one nested value without recursion (strings respected).
    private mutating func skipNested() {
        var depth = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if byte == ASCII.backslash { index += 1 } else if byte == ASCII.quote { inString = false }
                continue
            }
            switch byte {
            case ASCII.quote: inString = true
            case ASCII.leftBrace, ASCII.leftBracket: depth += 1
            case ASCII.rightBrace, ASCII.rightBracket:
                depth -= 1
                if depth == 0 { return }
            default: break
            }
        }
        index = min(index, bytes.count)
    }

    static func isLiteral(_ literal: ArraySlice<UInt8>) -> Bool {
        if ASCII.equalsIgnoringCase(literal, "true") || ASCII.equalsIgnoringCase(literal, "false") || ASCII.equalsIgnoringCase(literal, "null") {
            return literal.first.map { $0 >= 0x61 } ?? false
        }
        guard let first = literal.first, first == ASCII.minus || ASCII.isDigit(first) else { return false }
        return literal.allSatisfy { ASCII.isDigit($0) || $0 == ASCII.dot || $0 == ASCII.minus || $0 == ASCII.plus || $0 | 0x20 == 0x65 }
    }
}
