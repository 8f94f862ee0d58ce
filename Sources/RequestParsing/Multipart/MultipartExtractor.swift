import MirrorGuardCore

/// Reads `multipart/form-data` bodies: each field as `body.multipart.NAME`, file names as
/// `body.multipart.NAME.filename`, part headers as `body.multipart.NAME.header.H`, and text file contents
/// (up to `maxFileContentBytes`) as `body.multipart.NAME`. Binary file contents are not points.
enum MultipartExtractor {
    static func extract(_ body: [UInt8], contentType: [UInt8], into collector: inout PointCollector) {
        var boundary = parameter(named: "boundary", in: contentType[...]).map(Array.init)
        if boundary == nil || boundary?.isEmpty == true {
            collector.anomalies.append(Anomaly(.multipartMissingBoundary, "multipart body without a boundary parameter"))
            boundary = sniffBoundary(body)
        }
        guard let boundary, !boundary.isEmpty, boundary.count <= 200 else {
            collector.addRemainder("body", body, .body)
            return
        }
        let delimiter = [ASCII.minus, ASCII.minus] + boundary
        guard var position = Bytes.firstRange(of: delimiter, in: body) else {
            collector.anomalies.append(Anomaly(.multipartMalformed, "boundary never appears in the body"))
            collector.addRemainder("body", body, .body)
            return
        }
        var values: [NamedValue] = []
        values.reserveCapacity(8)
        var closed = false
        var partNumber = 0
        let limits = collector.limits
        while values.count < limits.maxParameters {
            position += delimiter.count
            if position + 1 < body.count && body[position] == ASCII.minus && body[position + 1] == ASCII.minus {
                closed = true
                break
            }
            // Rest of the delimiter line (transport padding), then the part's headers.
            guard let lineEnd = Bytes.firstIndex(of: ASCII.lf, in: body, from: position) else { break }
            var cursor = lineEnd + 1
            var headers: [(name: [UInt8], value: [UInt8])] = []
            while cursor < body.count {
                let end = Bytes.firstIndex(of: ASCII.lf, in: body, from: cursor) ?? body.count
                var line = body[cursor..<end]
                if line.last == ASCII.cr { line = line.dropLast() }
                cursor = min(end + 1, body.count)
                if line.isEmpty { break }
                if headers.count < 32, let colon = line.firstIndex(of: ASCII.colon) {
                    headers.append((Array(Bytes.trimmed(line[line.startIndex..<colon])), Array(Bytes.trimmed(line[(colon + 1)...]))))
                }
            }
            let next = Bytes.firstRange(of: delimiter, in: body, from: cursor)
            var contentEnd = next ?? body.count
            if next != nil {
                if contentEnd > cursor && body[contentEnd - 1] == ASCII.lf { contentEnd -= 1 }
                if contentEnd > cursor && body[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
            }
            let content = body[cursor..<max(contentEnd, cursor)]
            addPart(number: partNumber, headers: headers, content: content, limits: limits, to: &values)
            partNumber += 1
            guard let next else { break }
            position = next
        }
        if !closed {
            collector.anomalies.append(Anomaly(.multipartMalformed, "multipart body without its closing delimiter"))
        }
        collector.add(values, .body)
    }

    private static func addPart(number: Int, headers: [(name: [UInt8], value: [UInt8])], content: ArraySlice<UInt8>, limits: ParsingLimits, to values: inout [NamedValue]) {
        let disposition = headers.first { ASCII.equalsIgnoringCase($0.name, "content-disposition") }?.value ?? []
        let fieldName = parameter(named: "name", in: disposition[...])
        let fileName = parameter(named: "filename", in: disposition[...]) ?? parameter(named: "filename*", in: disposition[...])
        let base = fieldName.map { PointName.child("body.multipart", $0, limit: limits.maxNameSegmentBytes) } ?? "body.multipart.part\(number)"
        if let fieldName, !PointName.isPlainKey(fieldName) {
            values.append(NamedValue(name: base + "#key", value: Array(fieldName), role: .key))
        }
        if let fileName {
            values.append(NamedValue(name: base + ".filename", value: Array(fileName)))
        }
        for header in headers where !ASCII.equalsIgnoringCase(header.name, "content-disposition") {
            values.append(NamedValue(name: PointName.child(base + ".header", header.name.map(ASCII.lower)[...], limit: limits.maxNameSegmentBytes), value: header.value))
        }
        if fileName != nil {
            let sample = content.prefix(limits.maxFileContentBytes)
            if isText(sample) { values.append(NamedValue(name: base, value: Array(sample))) }
        } else {
            values.append(NamedValue(name: base, value: Array(content)))
        }
    }

    /// A `key=value` or `key="value"` parameter of a header value (case-insensitive key).
    static func parameter(named name: StaticString, in value: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var position = value.startIndex
        while position < value.endIndex {
            var end = position
            var inQuotes = false
            while end < value.endIndex {
                let byte = value[end]
                if byte == ASCII.quote { inQuotes.toggle() } else if byte == ASCII.semicolon && !inQuotes { break }
                end += 1
            }
            let part = Bytes.trimmed(value[position..<end])
            if let equals = part.firstIndex(of: ASCII.equals), ASCII.equalsIgnoringCase(Bytes.trimmed(part[part.startIndex..<equals]), name) {
                var result = Bytes.trimmed(part[(equals + 1)...])
                if result.count >= 2 && result.first == ASCII.quote && result.last == ASCII.quote {
                    result = result.dropFirst().dropLast()
                }
                return result
            }
            position = end + 1
        }
        return nil
    }

    /// The boundary from the body's first line when the header did not name one.
    private static func sniffBoundary(_ body: [UInt8]) -> [UInt8]? {
        var start = 0
        while start < body.count && (body[start] == ASCII.cr || body[start] == ASCII.lf) { start += 1 }
        guard start + 2 < body.count, body[start] == ASCII.minus, body[start + 1] == ASCII.minus else { return nil }
        let end = Bytes.firstIndex(of: ASCII.lf, in: body, from: start) ?? body.count
        var line = body[(start + 2)..<end]
        if line.last == ASCII.cr { line = line.dropLast() }
        return line.isEmpty ? nil : Array(line)
    }

    /// Text, not binary: no NUL and mostly printable in the first KiB.
    static func isText(_ bytes: ArraySlice<UInt8>) -> Bool {
        let sample = bytes.prefix(1024)
        guard !sample.isEmpty else { return false }
        var printable = 0
        let noNUL = sample.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var index = 0
            while index < buffer.count {
                // A word in which no byte is below 0x20 is eight printable bytes; any other is read byte by byte.
                var end = index + 1
                if index + 8 <= buffer.count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080 == 0 {
                        printable += 8
                        index += 8
                        continue
                    }
                    end = index + 8
                }
                while index < end {
                    let byte = buffer[index]
                    if byte == 0 { return false }
                    if byte >= 0x20 || byte == ASCII.tab || byte == ASCII.lf || byte == ASCII.cr { printable += 1 }
                    index += 1
                }
            }
            return true
        }
        return noNUL && printable * 10 >= sample.count * 9
    }
}
