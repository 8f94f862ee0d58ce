import MirrorGuardCore

/// Parses a complete message head (start line + header lines) out of bytes. Never fails: problems
/// become anomalies; a head that does not start with a message line reports where one starts, if anywhere.
struct HTTPHeadParser {
    enum Result {
        /// A usable head.
        case head(StartLine, HeaderFields, [Anomaly])
        /// The first line is not a start line; a plausible one begins at this index (or nowhere).
        case notAMessage(resyncAt: Int?)
    }

    let mode: HTTPStreamParser.Mode
    let limits: ParsingLimits

    /// Methods registered with IANA that real traffic uses; others are `unknown_method`.
    static let knownMethods: Set<[UInt8]> = Set([
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
        "MKCALENDAR", "MKACTIVITY", "CHECKOUT", "MERGE", "ACL", "BIND", "UNBIND", "REBIND",
        "ORDERPATCH", "UPDATE", "LABEL", "VERSION-CONTROL", "BASELINE-CONTROL", "MKWORKSPACE", "QUERY", "PURGE",
    ].map { Array($0.utf8) })

    /// GET, POST, PUT, HEAD without hashing (the common case).
    static func isCommonMethod(_ method: ArraySlice<UInt8>) -> Bool {
        ASCII.equalsIgnoringCase(method, "GET") && method.first == 0x47 || method.elementsEqual("POST".utf8)
            || method.elementsEqual("PUT".utf8) || method.elementsEqual("HEAD".utf8)
    }

    /// Parses `bytes[range]`, a head ending with its blank line. `base` is the absolute offset of `range.lowerBound`.
    func parse(_ bytes: [UInt8], _ range: Range<Int>, base: Int, values: inout HeaderValues) -> Result {
        bytes.withUnsafeBufferPointer { buffer in parse(bytes, buffer, range, base: base, values: &values) }
    }

    /// The head read in place: lines and fields are found over `buffer` (the bytes of `bytes`) without copies
    /// until a field's value is kept.
    private func parse(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, base: Int, values: inout HeaderValues) -> Result {
        var lines = HeadLines(bytes: buffer, range: range)
        var anomalies: [Anomaly] = []
        guard let first = lines.next() else { return .notAMessage(resyncAt: nil) }
        let firstLine = bytes[first.content]
        let startLine: StartLine
        switch mode {
        case .requests:
            guard let parsed = parseRequestLine(firstLine, base: base + first.content.lowerBound - range.lowerBound, anomalies: &anomalies) else {
                return .notAMessage(resyncAt: findRequestLine(bytes, buffer, from: first.next, end: range.upperBound))
            }
            startLine = parsed
        case .responses:
            guard let parsed = parseStatusLine(firstLine, anomalies: &anomalies, offset: base) else {
                return .notAMessage(resyncAt: findStatusLine(bytes, buffer, from: first.next, end: range.upperBound))
            }
            startLine = parsed
        }
        var flags = LineFlags()
        flags.note(first, in: buffer, base: base - range.lowerBound, limits: limits, anomalies: &anomalies)
        let headers = parseFieldLines(&lines, buffer, base: base - range.lowerBound, flags: &flags, anomalies: &anomalies, offset: base, values: &values)
        return .head(startLine, headers, anomalies)
    }

    /// Parses trailer lines (the same syntax as header lines) from `bytes[range]`.
    func parseFields(_ bytes: [UInt8], _ range: Range<Int>, base: Int, anomalies: inout [Anomaly], values: inout HeaderValues) -> HeaderFields {
        bytes.withUnsafeBufferPointer { buffer in
            var lines = HeadLines(bytes: buffer, range: range)
            var flags = LineFlags()
            return parseFieldLines(&lines, buffer, base: base - range.lowerBound, flags: &flags, anomalies: &anomalies, offset: nil, values: &values)
        }
    }

    /// Field lines up to the blank line; `offset` set reports fields beyond `maxHeaderCount` there.
    private func parseFieldLines(
        _ lines: inout HeadLines, _ buffer: UnsafeBufferPointer<UInt8>, base: Int, flags: inout LineFlags, anomalies: inout [Anomaly], offset: Int?,
        values: inout HeaderValues
    ) -> HeaderFields {
        var fields = HeaderFields(minimumCapacity: 16)
        var dropped = 0
        while let line = lines.next() {
            if line.content.isEmpty { break }
            flags.note(line, in: buffer, base: base, limits: limits, anomalies: &anomalies)
            parseFieldLine(buffer, line, into: &fields, dropped: &dropped, anomalies: &anomalies, offset: base + line.content.lowerBound, values: &values)
        }
        if let offset, dropped > 0 {
            anomalies.append(Anomaly(.tooManyHeaders, "\(dropped) header fields beyond \(limits.maxHeaderCount) dropped", offset: offset))
        }
        return fields
    }

    // MARK: - Start lines

    private func parseRequestLine(_ line: ArraySlice<UInt8>, base: Int, anomalies: inout [Anomaly]) -> StartLine? {
        let line = line.count > limits.maxLineBytes ? line.prefix(limits.maxLineBytes) : line
        guard let firstSpace = line.firstIndex(where: { $0 == ASCII.space || $0 == ASCII.tab }), firstSpace > line.startIndex else {
            return nil
        }
        let method = line[line.startIndex..<firstSpace]
        var rest = line[(firstSpace + 1)...]
        while let byte = rest.first, byte == ASCII.space || byte == ASCII.tab { rest = rest.dropFirst() }
        while let byte = rest.last, byte == ASCII.space || byte == ASCII.tab { rest = rest.dropLast() }
        guard !rest.isEmpty else { return nil }
        var target = rest
        var version = HTTPVersion.http09
        if let lastSpace = rest.lastIndex(where: { $0 == ASCII.space || $0 == ASCII.tab }),
           ASCII.hasPrefixIgnoringCase(rest[(lastSpace + 1)...], "HTTP/") {
            let versionBytes = rest[(lastSpace + 1)...]
            target = rest[rest.startIndex..<lastSpace]
            while let byte = target.last, byte == ASCII.space || byte == ASCII.tab { target = target.dropLast() }
            if let parsed = Self.parseVersion(versionBytes) {
                version = parsed
            } else {
                version = .http11
                anomalies.append(Anomaly(.invalidVersion, "version \(Self.show(versionBytes))", offset: base))
            }
            guard !target.isEmpty else { return nil }
        } else {
            // Two parts and no version: accept only what clearly is an HTTP/0.9-style line.
            guard method.allSatisfy(ASCII.isTokenByte), rest.first == ASCII.slash,
                  !rest.contains(where: { $0 == ASCII.space }) else { return nil }
            anomalies.append(Anomaly(.invalidVersion, "request line without a version", offset: base))
        }
        if !method.allSatisfy(ASCII.isTokenByte) {
            anomalies.append(Anomaly(.invalidMethod, "method \(Self.show(method))", offset: base))
        } else if !Self.isCommonMethod(method) && !Self.knownMethods.contains(Array(method)) {
            anomalies.append(Anomaly(.unknownMethod, "method \(Self.show(method))", offset: base))
        }
        if target.contains(where: { $0 <= ASCII.space || $0 == 0x7F }) {
            anomalies.append(Anomaly(.invalidTarget, "whitespace or control bytes in the target", offset: base))
        }
        return .request(method: Self.sharedMethod(method) ?? Array(method), target: Array(target), version: version)
    }

    /// `GET`, `POST`, `PUT` and `HEAD` as sent by nearly every client: one array each, shared by every request that
    /// spells its method exactly so (no array made per request).
    static let sharedMethods: [[UInt8]] = ["GET", "POST", "PUT", "HEAD"].map { Array($0.utf8) }

    static func sharedMethod(_ method: ArraySlice<UInt8>) -> [UInt8]? {
        for shared in sharedMethods where shared.count == method.count && shared.elementsEqual(method) { return shared }
        return nil
    }

    private func parseStatusLine(_ line: ArraySlice<UInt8>, anomalies: inout [Anomaly], offset: Int) -> StartLine? {
        let line = line.count > limits.maxLineBytes ? line.prefix(limits.maxLineBytes) : line
        guard ASCII.hasPrefixIgnoringCase(line, "HTTP/") else { return nil }
        let versionEnd = line.firstIndex(of: ASCII.space) ?? line.endIndex
        let version = Self.parseVersion(line[line.startIndex..<versionEnd])
        var rest = line[versionEnd...].drop { $0 == ASCII.space }
        let codeBytes = rest.prefix { ASCII.isDigit($0) }
        rest = rest.dropFirst(codeBytes.count)
        if rest.first == ASCII.space { rest = rest.dropFirst() }
        guard codeBytes.count == 3, let code = Bytes.decimalValue(codeBytes), let version else {
            anomalies.append(Anomaly(.invalidStatusLine, Self.show(line), offset: offset))
            return .status(version: version ?? .http11, code: Bytes.decimalValue(codeBytes.prefix(3)) ?? 0, reason: Array(rest))
        }
        return .status(version: version, code: code, reason: Array(rest))
    }

    static func parseVersion(_ bytes: ArraySlice<UInt8>) -> HTTPVersion? {
        guard bytes.count == 8, ASCII.hasPrefixIgnoringCase(bytes, "HTTP/") else { return nil }
        let start = bytes.startIndex
        let major = bytes[start + 5], dot = bytes[start + 6], minor = bytes[start + 7]
        guard ASCII.isDigit(major), dot == ASCII.dot, ASCII.isDigit(minor) else { return nil }
        return HTTPVersion(major: Int(major - 0x30), minor: Int(minor - 0x30))
    }

    /// Finds the start of the next line that is unmistakably a request line, for resynchronisation.
    private func findRequestLine(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        var lines = HeadLines(bytes: buffer, range: from..<end)
        while let line = lines.next() {
            if Self.isStrictRequestLine(bytes[line.content]) { return line.content.lowerBound }
        }
        return nil
    }

    private func findStatusLine(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        var lines = HeadLines(bytes: buffer, range: from..<end)
        while let line = lines.next() {
            if ASCII.hasPrefixIgnoringCase(bytes[line.content], "HTTP/1.") { return line.content.lowerBound }
        }
        return nil
    }

    /// `TOKEN SP target SP HTTP/d.d` with a token method of at most 24 bytes.
    static func isStrictRequestLine(_ line: ArraySlice<UInt8>) -> Bool {
        guard let space = line.firstIndex(of: ASCII.space), space > line.startIndex,
              space - line.startIndex <= 24, line[line.startIndex..<space].allSatisfy(ASCII.isTokenByte),
              let last = line.lastIndex(of: ASCII.space), last > space + 1 else { return false }
        return parseVersion(line[(last + 1)...]) != nil
    }

    // MARK: - Header lines

    private func parseFieldLine(
        _ buffer: UnsafeBufferPointer<UInt8>, _ line: HeadLines.Line, into headers: inout HeaderFields, dropped: inout Int, anomalies: inout [Anomaly],
        offset: Int, values: inout HeaderValues
    ) {
        let end = min(line.content.upperBound, line.content.lowerBound + limits.maxLineBytes)
        let content = UnsafeBufferPointer(rebasing: buffer[line.content.lowerBound..<end])
        if let first = content.first, first == ASCII.space || first == ASCII.tab {
            let trimmed = Bytes.trimmed(content)
            if headers.isEmpty {
                anomalies.append(Anomaly(.invalidHeader, "continuation line before any header", offset: offset))
                if headers.count < limits.maxHeaderCount {
                    headers.append(name: "", value: Array(trimmed))
                } else {
                    dropped += 1
                }
            } else {
                anomalies.append(Anomaly(.obsFold, "folded header line", offset: offset))
                headers.continueLastValue(trimmed)
            }
            return
        }
        guard headers.count < limits.maxHeaderCount else {
            dropped += 1
            return
        }
        // One pass finds the colon and checks the name's bytes.
        var colon = -1
        var nameIsTokens = true
        for index in 0..<content.count {
            let byte = content[index]
            if byte == ASCII.colon {
                colon = index
                break
            }
            if nameIsTokens && !ASCII.isTokenByte(byte) { nameIsTokens = false }
        }
        guard colon >= 0 else {
            anomalies.append(Anomaly(.invalidHeader, "header line without a colon: \(Self.show(content))", offset: offset))
            headers.append(name: "", value: Array(content))
            return
        }
        var nameBytes = UnsafeBufferPointer(rebasing: content[0..<colon])
        if let last = nameBytes.last, last == ASCII.space || last == ASCII.tab {
            nameBytes = Bytes.trimmed(nameBytes)
            anomalies.append(Anomaly(.whitespaceBeforeColon, "whitespace before the colon in \(Self.show(nameBytes))", offset: offset))
            nameIsTokens = nameBytes.allSatisfy(ASCII.isTokenByte)
        }
        if nameBytes.isEmpty || !nameIsTokens {
            anomalies.append(Anomaly(.invalidHeader, "invalid header name \(Self.show(nameBytes))", offset: offset))
        }
        let value = Bytes.trimmed(UnsafeBufferPointer(rebasing: content[(colon + 1)...]))
        if !Bytes.isValidUTF8(value) {
            anomalies.append(Anomaly(.invalidUTF8, "header \(Self.show(nameBytes))", offset: offset))
        }
        // Token names are ASCII: decoding cannot repair anything.
        let name = nameIsTokens ? String(decoding: nameBytes, as: UTF8.self) : String(lossyUTF8: nameBytes)
        headers.append(name: name, value: values.value(value))
    }

    /// A short printable rendering of attacker bytes for anomaly details.
    static func show(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for byte in bytes.prefix(48) {
            if byte >= 0x20 && byte < 0x7F && byte != ASCII.backslash {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        if bytes.count > 48 { text += "..." }
        return "\"" + text + "\""
    }
}

/// Per-head flags so each line-level anomaly is reported once per head, at its first occurrence.
private struct LineFlags {
    var sawBareLF = false
    var sawBareCR = false
    var sawNUL = false
    var sawLongLine = false

    mutating func note(_ line: HeadLines.Line, in bytes: UnsafeBufferPointer<UInt8>, base: Int, limits: ParsingLimits, anomalies: inout [Anomaly]) {
        if !line.endedWithCR && line.endedWithLF && !sawBareLF {
            sawBareLF = true
            anomalies.append(Anomaly(.bareLF, "line ended by LF without CR", offset: base + line.content.lowerBound))
        }
        if !sawLongLine && line.content.count > limits.maxLineBytes {
            sawLongLine = true
            anomalies.append(Anomaly(.lineTooLong, "line of \(line.content.count) bytes cut to \(limits.maxLineBytes)", offset: base + line.content.lowerBound))
        }
        if line.hasNULOrCR && (!sawNUL || !sawBareCR) {
            for index in line.content {
                let byte = bytes[index]
                if byte == ASCII.nul && !sawNUL {
                    sawNUL = true
                    anomalies.append(Anomaly(.nulByte, "NUL byte in the head", offset: base + index))
                } else if byte == ASCII.cr && !sawBareCR {
                    sawBareCR = true
                    anomalies.append(Anomaly(.bareCR, "CR not followed by LF", offset: base + index))
                }
            }
        }
    }
}

/// Iterates the lines of a head: content without the line ending, plus how the line ended.
struct HeadLines {
    struct Line {
        var content: Range<Int>
        var endedWithCR: Bool
        var endedWithLF: Bool
        var next: Int
        /// The content holds a NUL or a CR (rare: only then is it scanned for them byte by byte).
        var hasNULOrCR: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = min(range.upperBound, bytes.count)
    }

    mutating func next() -> Line? {
        guard position < end else { return nil }
        let start = position
        var index = start
        var hasNULOrCR = false
        // Eight bytes at a time while none is below 0x0E (LF, CR, NUL and a few blanks are): text lines are
        // crossed a word per step, and only the bytes that stop the word scan are looked at singly.
        while index < end {
            index = ASCII.skipWordsWithoutLowControls(bytes, from: index, to: end)
            guard index < end else { break }
            let byte = bytes[index]
            if byte == ASCII.lf { break }
            if byte == ASCII.nul || byte == ASCII.cr && !(index + 1 < end && bytes[index + 1] == ASCII.lf) { hasNULOrCR = true }
            index += 1
        }
        let endedWithLF = index < end
        var contentEnd = index
        let endedWithCR = contentEnd > start && bytes[contentEnd - 1] == ASCII.cr && endedWithLF
        if endedWithCR { contentEnd -= 1 }
        position = endedWithLF ? index + 1 : index
        return Line(content: start..<contentEnd, endedWithCR: endedWithCR, endedWithLF: endedWithLF, next: position, hasNULOrCR: hasNULOrCR)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
