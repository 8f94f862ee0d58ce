import MirrorGuardCore

/// Reads GraphQL requests: the document as `body.graphql.query`, variables as `body.graphql.variables.*`,
/// and every string literal passed to an argument as `body.graphql.arguments.NAME` — injections hide there.
enum GraphQLExtractor {
    /// True for a JSON body that is a GraphQL request (`{"query": "…"}` to a GraphQL-looking path or
    /// with only GraphQL keys).
    static func isGraphQLJSON(_ body: [UInt8], path: ArraySlice<UInt8>) -> Bool {
        var index = 0
        while index < body.count && ASCII.isWhitespace(body[index]) { index += 1 }
        guard index < body.count, body[index] == ASCII.leftBrace else { return false }
        return body.withUnsafeBufferPointer { bytes in
            guard containsQuotedKey(UnsafeBufferPointer(rebasing: bytes[index..<min(bytes.count, index + 512)]), "query") else { return false }
            return containsIgnoringCase(path, "graphql") || containsQuotedKey(bytes, "variables") || containsQuotedKey(bytes, "operationName")
        }
    }

    /// Whether `"key"` (quoted) occurs in `bytes`. The key's first letter is looked for eight bytes at a time — quotes
    /// are everywhere in JSON, a given letter far less often — and the quoted key compared around each one found.
    static func containsQuotedKey(_ bytes: UnsafeBufferPointer<UInt8>, _ key: StaticString) -> Bool {
        let count = key.utf8CodeUnitCount
        guard count > 0, bytes.count >= count + 2 else { return false }
        let keyBytes = UnsafeBufferPointer(start: key.utf8Start, count: count)
        var from = 1
        while let found = ASCII.firstIndex(of: keyBytes[0], in: bytes, from: from), found + count < bytes.count {
            if bytes[found - 1] == ASCII.quote && bytes[found + count] == ASCII.quote {
                var offset = 1
                while offset < count && bytes[found + offset] == keyBytes[offset] { offset += 1 }
                if offset == count { return true }
            }
            from = found + 1
        }
        return false
    }

    /// Extracts a GraphQL request carried as JSON.
    static func extractJSON(_ body: [UInt8], into collector: inout PointCollector) -> Bool {
        let before = collector.points.count
        let valid = JSONExtractor.extract(body, prefix: "body.graphql", location: .body, decoders: [], into: &collector)
        let documents = collector.points[before...].filter { $0.name == "body.graphql.query" || $0.name.hasSuffix("].query") }.map(\.value)
        for document in documents { extractArguments(document, into: &collector) }
        return valid
    }

    /// Extracts a bare document (`application/graphql`).
    static func extractDocument(_ body: [UInt8], into collector: inout PointCollector) {
        collector.add("body.graphql.query", body, .body)
        extractArguments(body, into: &collector)
    }

    /// Adds each string literal that is an argument value (`name: "…"`).
    static func extractArguments(_ document: [UInt8], into collector: inout PointCollector) {
        var lexer = GraphQLLexer(bytes: document)
        var previousName: ArraySlice<UInt8>? = nil
        var sawColon = false
        var values: [NamedValue] = []
        while let token = lexer.next(), values.count < collector.limits.maxParameters {
            switch token {
            case .name(let name):
                previousName = name
                sawColon = false
            case .punctuation(let byte):
                if byte == ASCII.colon, previousName != nil { sawColon = true } else { previousName = nil; sawColon = false }
            case .string(let value):
                if sawColon, let argument = previousName {
                    values.append(NamedValue(name: PointName.child("body.graphql.arguments", argument, limit: collector.limits.maxNameSegmentBytes), value: value))
                }
                previousName = nil
                sawColon = false
            }
        }
        collector.add(values, .body)
    }

    static func containsIgnoringCase(_ haystack: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard haystack.count >= count else { return false }
        var start = haystack.startIndex
        while start + count <= haystack.endIndex {
            if ASCII.hasPrefixIgnoringCase(haystack[start...], needle) { return true }
            start += 1
        }
        return false
    }
}

/// A minimal GraphQL lexer: names, punctuation, and strings (quoted and block), comments skipped.
struct GraphQLLexer {
    enum Token {
        case name(ArraySlice<UInt8>)
        case punctuation(UInt8)
        case string([UInt8])
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func next() -> Token? {
        while index < bytes.count {
            let byte = bytes[index]
            if ASCII.isWhitespace(byte) || byte == ASCII.comma {
                index += 1
            } else if byte == ASCII.hash {
                while index < bytes.count && bytes[index] != ASCII.lf { index += 1 }
            } else if byte == ASCII.quote {
                return .string(string())
            } else if ASCII.isLetter(byte) || byte == 0x5F {
                let start = index
                while index < bytes.count, ASCII.isLetter(bytes[index]) || ASCII.isDigit(bytes[index]) || bytes[index] == 0x5F { index += 1 }
                return .name(bytes[start..<index])
            } else {
                index += 1
                return .punctuation(byte)
            }
        }
        return nil
    }

    private mutating func string() -> [UInt8] {
        if index + 2 < bytes.count && bytes[index + 1] == ASCII.quote && bytes[index + 2] == ASCII.quote {
            let start = index + 3
            let end = Bytes.firstRange(of: [ASCII.quote, ASCII.quote, ASCII.quote], in: bytes, from: start) ?? bytes.count
            index = min(end + 3, bytes.count)
            return Array(bytes[start..<end])
        }
        index += 1
        var output: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote { index += 1; break }
            if byte == ASCII.backslash && index + 1 < bytes.count {
                if let simple = UnicodeEscapeDecoder.simpleEscape(bytes[index + 1]) {
                    output.append(simple)
                    index += 2
                    continue
                }
                if bytes[index + 1] == 0x75, let unit = PercentDecoder.hex4(bytes[...], index + 2) {
                    appendUTF8(unit, to: &output)
                    index += 6
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }
}
