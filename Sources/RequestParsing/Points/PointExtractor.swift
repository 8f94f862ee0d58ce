import MirrorGuardCore

/// The points of one request and what extraction noticed on the way.
public struct ExtractedPoints: Sendable, Hashable {
    /// Named values in request order: path, query, headers, cookies, trailers, body.
    public var points: [Point]
    /// Content anomalies (limits reached, invalid JSON/XML, bad multipart, compression).
    public var anomalies: [Anomaly]
}

/// Turns a request into its flat list of named points (names as in DESIGN.md "Point names").
/// Pure and non-throwing; every bound comes from `ParsingLimits`.
public struct PointExtractor: Sendable {
    /// The limits obeyed.
    public let limits: ParsingLimits
    /// Inflates gzip/deflate bodies; without one, compressed bodies are reported and skipped.
    public let decompressor: (any BodyDecompressor)?

    /// Creates an extractor.
    public init(limits: ParsingLimits = .default, decompressor: (any BodyDecompressor)? = nil) {
        self.limits = limits
        self.decompressor = decompressor
    }

    /// Extracts every point of `request`.
    public func extract(_ request: HTTPRequest) -> ExtractedPoints {
        var collector = PointCollector(limits: limits)
        let (path, query) = Self.splitTarget(request.target)
        extractPath(path, into: &collector)
        if let query, !query.isEmpty {
            URLEncodedExtractor.extract(query, prefix: "query", location: .query, plusAsSpace: true, into: &collector)
        }
        extractHeaders(request.headers, prefix: "header", location: .header, into: &collector)
        extractCookies(request.headers, into: &collector)
        if !request.trailers.isEmpty {
            extractHeaders(request.trailers, prefix: "trailer", location: .trailer, into: &collector)
        }
        if !request.body.bytes.isEmpty {
            extractBody(request, path: path, into: &collector)
        }
        return ExtractedPoints(points: collector.points, anomalies: collector.anomalies)
    }

    // MARK: - Target

    /// Splits a target into its path and query, dropping the scheme and authority of an absolute-form target.
    static func splitTarget(_ target: [UInt8]) -> (path: ArraySlice<UInt8>, query: ArraySlice<UInt8>?) {
        var path = target[...]
        if ASCII.hasPrefixIgnoringCase(path, "http://") || ASCII.hasPrefixIgnoringCase(path, "https://") {
            let afterScheme = path.index(path.startIndex, offsetBy: ASCII.hasPrefixIgnoringCase(path, "https://") ? 8 : 7)
            let authorityEnd = path[afterScheme...].firstIndex { $0 == ASCII.slash || $0 == ASCII.question } ?? path.endIndex
            path = path[authorityEnd...]
        }
        guard let question = path.firstIndex(of: ASCII.question) else { return (path, nil) }
        return (path[path.startIndex..<question], path[(question + 1)...])
    }

    private func extractPath(_ path: ArraySlice<UInt8>, into collector: inout PointCollector) {
        guard !path.isEmpty, !(path.count == 1 && path.first == ASCII.slash) else { return }
        // The names (`path`, `path[i]`, `path.extension`) are distinct by construction: each value goes straight to
        // the collector, in that order.
        collector.add(LazyPointName("path"), PercentDecoder.decode(path), .path)
        var position = path.startIndex
        var segmentIndex = 0
        var lastSegment: ArraySlice<UInt8> = []
        while position < path.endIndex {
            var end = position
            while end < path.endIndex && path[end] != ASCII.slash { end += 1 }
            if end > position {
                lastSegment = path[position..<end]
                let name = LazyPointName(prefix: "path", tail: .index(segmentIndex), limit: limits.maxNameSegmentBytes)
                collector.add(name, PercentDecoder.decode(lastSegment), .path)
                segmentIndex += 1
            } else if end == path.endIndex {
                lastSegment = []
            }
            position = end + 1
        }
        if path.last != ASCII.slash, let dot = lastSegment.lastIndex(of: ASCII.dot), dot + 1 < lastSegment.endIndex {
            let ext = lastSegment[(dot + 1)...]
            if ext.count <= 16 && ext.allSatisfy({ ASCII.isLetter($0) || ASCII.isDigit($0) }) {
                collector.add(LazyPointName("path.extension"), ext.map(ASCII.lower), .path)
            }
        }
    }

    // MARK: - Headers and cookies

    private func extractHeaders(_ headers: HeaderFields, prefix: String, location: PointLocation, into collector: inout PointCollector) {
        if prefix == "header" && extractCommonHeaders(headers, into: &collector) { return }
        // Distinct token names (the common head) name their points one to one: each field goes straight to the
        // collector. Repeated, empty or overlong names are numbered and bounded below.
        if Self.namesAreDistinctTokens(headers, limit: limits.maxNameSegmentBytes) {
            for field in headers where !field.hasName(lowercase: "cookie") {
                let name = HeaderPointNames.name(for: field.name, prefix: prefix, limit: limits.maxNameSegmentBytes)
                guard collector.add(name, field.value, location) else { return }
                if location == .header, field.hasName(lowercase: "authorization") { extractCredentials(name.string, field.value, into: &collector) }
            }
            return
        }
        var values: [NamedValue] = []
        values.reserveCapacity(headers.count)
        var authorization: [Int] = []
        for field in headers where !field.hasName(lowercase: "cookie") {
            if location == .header, field.hasName(lowercase: "authorization") { authorization.append(values.count) }
            values.append(NamedValue(name: HeaderPointNames.name(for: field.name, prefix: prefix, limit: limits.maxNameSegmentBytes), value: field.value))
        }
        values.makeNamesUnique()
        for (index, entry) in values.enumerated() {
            guard collector.add(entry.name, entry.value, location) else { return }
            if authorization.contains(index) { extractCredentials(entry.name.string, entry.value, into: &collector) }
        }
    }

    /// The usual head: every name a common one (`CommonHeaderNames`), no two alike. Each field goes straight to the
    /// collector under its shared point name. False, having added nothing, for any other head.
    private func extractCommonHeaders(_ headers: HeaderFields, into collector: inout PointCollector) -> Bool {
        guard headers.count <= 64 else { return false }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: headers.count) { known in
            var seen: UInt64 = 0
            for position in headers.fields.indices {
                guard let index = CommonHeaderNames.index(of: headers.fields[position].name), seen & 1 << UInt64(index) == 0 else { return false }
                seen |= 1 << UInt64(index)
                known[position] = index
            }
            // By index, reading only the value: iterating the fields would copy (retain) each name as well.
            for position in headers.fields.indices where known[position] != CommonHeaderNames.cookie {
                // The name is made where it is handed over (no copy of it is kept for later).
                let name = CommonHeaderNames.pointNames[known[position]]
                guard collector.add(LazyPointName(name), headers.fields[position].value, .header) else { return true }
                if known[position] == CommonHeaderNames.authorization { extractCredentials(name, headers.fields[position].value, into: &collector) }
            }
            return true
        }
    }

    /// True when every field name is a non-empty token of at most `limit` bytes and no two are equal ignoring case.
    static func namesAreDistinctTokens(_ headers: HeaderFields, limit: Int) -> Bool {
        let fields = headers.fields
        guard fields.count <= 64 else { return false }
        // Each name reduced to its length and lowercased end bytes: only names alike in those are compared in full.
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: fields.count) { quick in
            for index in fields.indices {
                var name = fields[index].name
                let key: UInt32? = name.withUTF8 { bytes in
                    guard let first = bytes.first, let last = bytes.last, bytes.count <= limit, bytes.allSatisfy(ASCII.isTokenByte) else { return nil }
                    return UInt32(bytes.count) | UInt32(ASCII.lower(first)) << 16 | UInt32(ASCII.lower(last)) << 24
                }
                guard let key else { return false }
                quick[index] = key
                for earlier in 0..<index where quick[earlier] == key && fields[earlier].hasName(name) { return false }
            }
            return true
        }
    }

    /// `Authorization: Bearer <JWT>` and `Basic <base64>` unpacked into `|jwt.*` and `|basic` points.
    private func extractCredentials(_ name: String, _ value: [UInt8], into collector: inout PointCollector) {
        guard let space = value.firstIndex(of: ASCII.space) else { return }
        let scheme = value[value.startIndex..<space]
        let credentials = Array(Bytes.trimmed(value[(space + 1)...]))
        if ASCII.equalsIgnoringCase(scheme, "bearer") {
            JWTExtractor.extract(credentials, name: name + "|jwt", location: .header, decoders: [.jwt], into: &collector)
        } else if ASCII.equalsIgnoringCase(scheme, "basic"), let decoded = Base64Decoder.decode(credentials), !decoded.isEmpty {
            collector.add(name + "|basic", decoded, .header, decoders: [.basic])
        }
    }

    private func extractCookies(_ headers: HeaderFields, into collector: inout PointCollector) {
        var first: Int? = nil
        var fieldCount = 0
        for index in headers.fields.indices where headers.fields[index].hasName(lowercase: "cookie") {
            if first == nil { first = index }
            fieldCount += 1
        }
        guard let first else { return }
        // The usual case, one field of plain, distinct names: each cookie goes straight to the collector.
        if fieldCount == 1 && Self.cookieNamesPlainlyDistinct(headers.fields[first].value, limit: limits.maxNameSegmentBytes) {
            Self.forEachCookie(in: headers.fields[first].value) { key, value in
                let name = LazyPointName(prefix: "cookie", tail: .key(key, lowercase: false, isKeyPoint: false), limit: limits.maxNameSegmentBytes)
                // Frameworks percent-decode cookie values (without form '+' rules); so do we.
                collector.add(name, PercentDecoder.decode(value), .cookie)
            }
            return
        }
        var values: [NamedValue] = []
        values.reserveCapacity(16)
        for index in headers.fields.indices where headers.fields[index].hasName(lowercase: "cookie") {
            Self.forEachCookie(in: headers.fields[index].value) { key, value in
                if !PointName.isPlainKey(key) {
                    let keyName = LazyPointName(prefix: "cookie", tail: .key(key, lowercase: false, isKeyPoint: true), limit: limits.maxNameSegmentBytes)
                    values.append(NamedValue(name: keyName, value: Array(key), role: .key))
                }
                let name = LazyPointName(prefix: "cookie", tail: .key(key, lowercase: false, isKeyPoint: false), limit: limits.maxNameSegmentBytes)
                values.append(NamedValue(name: name, value: PercentDecoder.decode(value)))
            }
        }
        if !values.isEmpty { collector.add(values, .cookie) }
    }

    /// Calls `body` with each `name=value` pair of a Cookie field, both trimmed, a quoted value unquoted; empty
    /// pairs are skipped, a pair without `=` has an empty value.
    static func forEachCookie(in field: [UInt8], _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Void) {
        var position = field.startIndex
        while position < field.endIndex {
            let end = field[position...].firstIndex(of: ASCII.semicolon) ?? field.endIndex
            let trimmed = Bytes.trimmed(field[position..<end])
            position = end + 1
            guard !trimmed.isEmpty else { continue }
            let equals = trimmed.firstIndex(of: ASCII.equals)
            let key = trimmed[trimmed.startIndex..<(equals ?? trimmed.endIndex)]
            var value = equals.map { Bytes.trimmed(trimmed[($0 + 1)...]) } ?? []
            if value.count >= 2 && value.first == ASCII.quote && value.last == ASCII.quote { value = value.dropFirst().dropLast() }
            body(key, value)
        }
    }

    /// True when a Cookie field holds plain, distinct names (`PointName.keysPlainlyDistinct`).
    static func cookieNamesPlainlyDistinct(_ field: [UInt8], limit: Int) -> Bool {
        PointName.keysPlainlyDistinct(in: field[...], limit: limit) { visit in forEachCookie(in: field) { key, _ in visit(key) } }
    }

    // MARK: - Body

    private func extractBody(_ request: HTTPRequest, path: ArraySlice<UInt8>, into collector: inout PointCollector) {
        let contentType = request.headers.first(lowercase: "content-type") ?? []
        let mediaType = MediaType(contentType)
        guard let (body, decoders) = decodedBody(request, into: &collector), !body.isEmpty else { return }
        let sizeBefore = collector.droppedCount
        var parsed = true

        switch mediaType {
        case .form:
            URLEncodedExtractor.extract(body[...], prefix: "body.form", location: .body, plusAsSpace: true, decoders: decoders, into: &collector)
        case .multipart:
            MultipartExtractor.extract(body, contentType: contentType, into: &collector)
        case .graphql:
            GraphQLExtractor.extractDocument(body, into: &collector)
        case .json:
            let valid: Bool
            if GraphQLExtractor.isGraphQLJSON(body, path: path) {
                valid = GraphQLExtractor.extractJSON(body, into: &collector)
            } else {
                valid = JSONExtractor.extract(body, prefix: "body.json", location: .body, decoders: decoders, into: &collector)
            }
            if !valid {
                collector.anomalies.append(Anomaly(.invalidJSON, "the \(MediaType.describe(contentType)) body does not parse as JSON"))
                parsed = false
            }
        case .xml:
            if !XMLExtractor.extract(body, prefix: "body.xml", location: .body, decoders: decoders, into: &collector) {
                collector.anomalies.append(Anomaly(.invalidXML, "the \(MediaType.describe(contentType)) body is not well-formed XML"))
                parsed = false
            }
        case .other:
            parsed = sniff(body, decoders: decoders, into: &collector)
        }
        if !parsed || collector.droppedCount > sizeBefore {
            collector.addRemainder("body", body, .body, decoders: decoders)
        }
    }

    /// Undoes `Content-Encoding` (gzip/deflate, stacked up to `maxDecodeLayers`) within the decompression limits.
    private func decodedBody(_ request: HTTPRequest, into collector: inout PointCollector) -> ([UInt8], [DecoderStep])? {
        guard request.headers.contains(lowercase: "content-encoding") else { return (request.body.bytes, []) }
        let encodings = request.headers.values(lowercase: "content-encoding").flatMap { value in
            value.split(separator: ASCII.comma).map { Bytes.lowercasedString(Bytes.trimmed($0)) }
        }.filter { !$0.isEmpty && $0 != "identity" }
        guard !encodings.isEmpty else { return (request.body.bytes, []) }
        var body = request.body.bytes
        var decoders: [DecoderStep] = []
        for encoding in encodings.reversed().prefix(limits.maxDecodeLayers) {
            let coding: ContentCoding
            switch encoding {
            case "gzip", "x-gzip": coding = .gzip
            case "deflate": coding = .deflate
            default:
                collector.anomalies.append(Anomaly(.compressedBodyNotInspected, "Content-Encoding \(encoding) is not supported"))
                return nil
            }
            guard let decompressor else {
                collector.anomalies.append(Anomaly(.compressedBodyNotInspected, "no decompressor configured for \(encoding)"))
                return nil
            }
            let ratioCap = body.count.multipliedReportingOverflow(by: limits.maxDecompressionRatio)
            let cap = min(limits.maxDecompressedBytes, ratioCap.overflow ? Int.max : max(ratioCap.partialValue, 1024))
            let result = decompressor.decompress(body, coding: coding, maxOutputBytes: cap)
            if result.reachedLimit {
                collector.anomalies.append(Anomaly(.decompressionLimit, "\(encoding) body of \(body.count) bytes inflates past \(cap) bytes; the rest was not inspected"))
            }
            if result.failed {
                collector.anomalies.append(Anomaly(.decompressionFailed, "\(encoding) body is corrupt after \(result.bytes.count) inflated bytes"))
                if result.bytes.isEmpty { return (request.body.bytes, []) }
            }
            body = result.bytes
            decoders.append(coding == .gzip ? .gzip : .deflate)
        }
        return (body, decoders)
    }

    /// An untyped body: JSON, XML, a form, or plain text, judged by its first bytes.
    /// Returns false when the body looked structured but did not parse.
    private func sniff(_ body: [UInt8], decoders: [DecoderStep], into collector: inout PointCollector) -> Bool {
        var first = 0
        while first < body.count && ASCII.isWhitespace(body[first]) { first += 1 }
        guard first < body.count else { return true }
        let lead = body[first]
        if lead == ASCII.leftBrace || lead == ASCII.leftBracket {
            return JSONExtractor.extract(body, prefix: "body.json", location: .body, decoders: decoders, into: &collector)
        }
        if lead == ASCII.lessThan && (ASCII.hasPrefixIgnoringCase(body[first...], "<?xml") || ASCII.hasPrefixIgnoringCase(body[first...], "<!DOCTYPE") || ASCII.hasPrefixIgnoringCase(body[first...], "<soap")) {
            return XMLExtractor.extract(body, prefix: "body.xml", location: .body, decoders: decoders, into: &collector)
        }
        if Self.looksLikeForm(body) {
            URLEncodedExtractor.extract(body[...], prefix: "body.form", location: .body, plusAsSpace: true, decoders: decoders, into: &collector)
            return true
        }
        if MultipartExtractor.isText(body[...]) {
            collector.add("body", body, .body, decoders: decoders)
        }
        return true
    }

    /// `k=v&k2=v2` with no spaces or line breaks: how forms look when their type is missing.
    static func looksLikeForm(_ body: [UInt8]) -> Bool {
        guard body.count <= 1 << 20, let equals = body.firstIndex(of: ASCII.equals), equals > 0 else { return false }
        return !body.contains { $0 == ASCII.space || $0 == ASCII.lf || $0 == ASCII.cr || $0 < 0x20 }
    }
}
