import MirrorGuardCore

/// Accumulates the points of one request, enforcing `maxParameters`, and unfolds encoded values:
/// each value that carries another encoding (percent, HTML, unicode escapes, base64, JSON, XML, JWT)
/// adds a derived point whose name records the decoder chain (`query.q|percent|html`).
struct PointCollector {
    let limits: ParsingLimits
    private(set) var points: [Point] = []
    var anomalies: [Anomaly] = []
    /// True once `maxParameters` points were collected; later values are dropped (and counted).
    private(set) var isFull = false
    private(set) var droppedCount = 0
    private var reportedLayers = false

    init(limits: ParsingLimits) {
        self.limits = limits
        points.reserveCapacity(64)
    }

    /// Adds a point and its decoded derivatives. Returns false when the parameter limit is reached.
    @discardableResult
    mutating func add(_ name: String, _ value: [UInt8], _ location: PointLocation, decoders: [DecoderStep] = [], role: PointRole = .value) -> Bool {
        add(LazyPointName(name), value, location, decoders: decoders, role: role)
    }

    /// Adds a point whose name is built only when read. Name and value are taken over: a value no decoder applies to
    /// (most are) moves into its point without a copy of either.
    @discardableResult
    mutating func add(_ name: consuming LazyPointName, _ value: consuming [UInt8], _ location: PointLocation, decoders: [DecoderStep] = [],
                      role: PointRole = .value) -> Bool {
        guard !isFull else {
            droppedCount += 1
            return false
        }
        if points.count >= limits.maxParameters {
            markFull()
            droppedCount += 1
            return false
        }
        if value.count > limits.maxPointValueBytes { value = Array(value.prefix(limits.maxPointValueBytes)) }
        if value.count >= 3 {
            let traits = value.withUnsafeBufferPointer { ValueTraits($0) }
            if traits.mayExpand(count: value.count, layers: decoders.count, maxLayers: limits.maxDecodeLayers) {
                points.append(Point(lazyName: copy name, value: copy value, location: location, decoders: decoders, role: role))
                expand(name, value, traits, location, decoders: decoders)
                return true
            }
        }
        points.append(Point(lazyName: name, value: value, location: location, decoders: decoders, role: role))
        return true
    }

    /// Records that the parameter limit was reached (once); later values are dropped.
    mutating func markFull() {
        guard !isFull else { return }
        isFull = true
        anomalies.append(Anomaly(.tooManyParameters, "more than \(limits.maxParameters) values; the rest was analysed as raw text"))
    }

    /// Adds a point that bypasses the parameter limit: the single raw remainder of a container whose
    /// values did not all fit, so nothing goes unanalysed. It may be as long as `maxBodyBytes`.
    mutating func addRemainder(_ name: String, _ value: [UInt8], _ location: PointLocation, decoders: [DecoderStep] = []) {
        let kept = value.count > limits.maxBodyBytes ? Array(value.prefix(limits.maxBodyBytes)) : value
        points.append(Point(name: name, value: kept, location: location, decoders: decoders))
    }

    /// Adds named values from one container after making repeated names unique; returns how many were added
    /// before the parameter limit stopped it.
    @discardableResult
    mutating func add(_ values: consuming [NamedValue], _ location: PointLocation, decoders: [DecoderStep] = []) -> Int {
        values.makeNamesUnique()
        for (index, entry) in values.enumerated() {
            if !add(entry.name, entry.value, location, decoders: decoders, role: entry.role) { return index }
        }
        return values.count
    }

    // MARK: - Decoding layers

    /// Adds the decoded points of a value; only for values `traits.mayExpand` lets through.
    mutating func expand(_ lazyName: LazyPointName, _ value: [UInt8], _ traits: ValueTraits, _ location: PointLocation, decoders: [DecoderStep]) {
        if decoders.count >= limits.maxDecodeLayers {
            if !reportedLayers {
                reportedLayers = true
                anomalies.append(Anomaly(.decodeLayersExceeded, "\(lazyName.string) is still encoded after \(limits.maxDecodeLayers) decoding layers"))
            }
            return
        }
        // The name is built only when a decoded point is really added.
        var builtName: String? = nil
        func name() -> String {
            if let builtName { return builtName }
            let name = lazyName.string
            builtName = name
            return name
        }
        if traits.hasPercent, PercentDecoder.containsEscape(value) {
            // Double-encoded form data decodes with form rules again ('+' is a space).
            let decoded = PercentDecoder.decode(value, plusAsSpace: location == .query || (location == .body && name().hasPrefix("body.form")))
            if decoded != value { add(name() + "|percent", decoded, location, decoders: decoders + [.percent]) }
        }
        if traits.hasAmpersand, HTMLEntityDecoder.containsReference(value) {
            let decoded = HTMLEntityDecoder.decode(value)
            if decoded != value { add(name() + "|html", decoded, location, decoders: decoders + [.html]) }
        }
        if traits.hasBackslash, UnicodeEscapeDecoder.containsEscape(value) {
            let decoded = UnicodeEscapeDecoder.decode(value)
            if decoded != value { add(name() + "|unicode", decoded, location, decoders: decoders + [.unicode]) }
        }
        if traits.looksLikeJWT, JWTExtractor.extract(value, name: name() + "|jwt", location: location, decoders: decoders + [.jwt], into: &self) {
            return
        }
        if traits.base64Alphabet, traits.base64Beyond, value.count >= 16, Base64Decoder.looksEncoded(value),
           let decoded = Base64Decoder.decodeText(value) {
            add(name() + "|base64", decoded, location, decoders: decoders + [.base64])
        }
        if traits.looksLikeJSON {
            JSONExtractor.extract(value, prefix: name() + "|json", location: location, decoders: decoders + [.json], into: &self)
        } else if traits.looksLikeXML {
            XMLExtractor.extract(value, prefix: name() + "|xml", location: location, decoders: decoders + [.xml], into: &self)
        }
    }
}

/// One pass over a value telling which decoders could apply, so plain values cost a single table scan.
struct ValueTraits {
    var hasPercent = false
    var hasAmpersand = false
    var hasBackslash = false
    var base64Alphabet = true
    /// A letter outside the hex digits, or `+`, `/`, `-`, `_`: without one, a base64-alphabet value is a hex or decimal
    /// id, which `Base64Decoder.looksEncoded` refuses anyway.
    var base64Beyond = false
    var looksLikeJSON = false
    var looksLikeXML = false
    var looksLikeJWT = false

    // Byte classes: 1 percent, 2 ampersand, 4 backslash, 8 dot, 16 outside the base64 alphabet (and not '='),
    // 32 inside it but not a hex digit. A literal, so it is laid out at compile time: read without a once-check or a
    // retain, for every byte of every value. `makeClasses()` is its definition; a test checks they agree.
    static let classes: [UInt8] = [
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x11, 0x12, 0x10, 0x10, 0x10, 0x10, 0x20, 0x10, 0x20, 0x18, 0x20,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x10, 0x00, 0x10, 0x10,
        0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x10, 0x14, 0x10, 0x10, 0x20,
        0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
    ]

    static func makeClasses() -> [UInt8] {
        (0...255).map { value in
            let byte = UInt8(value)
            var bits: UInt8 = 0
            switch byte {
            case ASCII.percent: bits |= 1
            case ASCII.ampersand: bits |= 2
            case ASCII.backslash: bits |= 4
            case ASCII.dot: bits |= 8
            default: break
            }
            if Base64Decoder.sextet(byte) == nil && byte != ASCII.equals { bits |= 16 }
            if Base64Decoder.sextet(byte) != nil && ASCII.hexValue(byte) == nil { bits |= 32 }
            return bits
        }
    }

    init(_ value: [UInt8]) {
        self = value.withUnsafeBufferPointer { ValueTraits($0) }
    }

    init(_ value: UnsafeBufferPointer<UInt8>) {
        var seen: UInt8 = 0
        Self.classes.withUnsafeBufferPointer { table in
            for byte in value { seen |= table[Int(byte)] }
        }
        hasPercent = seen & 1 != 0
        hasAmpersand = seen & 2 != 0
        hasBackslash = seen & 4 != 0
        base64Alphabet = seen & 16 == 0
        base64Beyond = seen & 32 != 0
        guard let firstByte = value.first, let lastByte = value.last else { return }
        if firstByte == ASCII.leftBrace || firstByte == ASCII.leftBracket || firstByte == ASCII.lessThan || ASCII.isWhitespace(firstByte)
            || lastByte == ASCII.rightBrace || lastByte == ASCII.rightBracket || lastByte == ASCII.greaterThan {
            var first = 0
            while first < value.count && ASCII.isWhitespace(value[first]) { first += 1 }
            var last = value.count - 1
            while last > first && ASCII.isWhitespace(value[last]) { last -= 1 }
            if first < last {
                let open = value[first], close = value[last]
                looksLikeJSON = (open == ASCII.leftBrace && close == ASCII.rightBrace) || (open == ASCII.leftBracket && close == ASCII.rightBracket)
                looksLikeXML = open == ASCII.lessThan && close == ASCII.greaterThan
                    && (ASCII.hasPrefixIgnoringCase(value[first...], "<?xml") || ASCII.hasPrefixIgnoringCase(value[first...], "<!DOCTYPE")
                        || ASCII.hasPrefixIgnoringCase(value[first...], "<!ENTITY"))
            }
        }
        // "eyJ" first (a JSON header in base64url), then exactly two dots: counted only for such values.
        looksLikeJWT = value.count >= 20 && value[0] == 0x65 && value[1] == 0x79 && value[2] == 0x4A && seen & 8 != 0
            && value.lazy.filter { $0 == ASCII.dot }.count == 2
    }

    var mayBeEncoded: Bool {
        hasPercent || hasAmpersand || hasBackslash || base64Alphabet || looksLikeJSON || looksLikeXML || looksLikeJWT
    }

    /// True when `PointCollector.expand` could add a point or an anomaly for a value of `count` (at least 3) bytes
    /// already decoded `layers` times: it is called for these values only, so each decoder it tries is listed here.
    func mayExpand(count: Int, layers: Int, maxLayers: Int) -> Bool {
        guard mayBeEncoded else { return false }
        return layers >= maxLayers || hasPercent || hasAmpersand || hasBackslash || looksLikeJWT || (base64Alphabet && base64Beyond && count >= 16)
            || looksLikeJSON || looksLikeXML
    }
}
