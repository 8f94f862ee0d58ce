import MirrorGuardCore

/// Turns an XML document into points without resolving anything external: element text as
/// `body.xml.order.item`, attributes as `body.xml.order.item@sku`, and the parts attacks hide in —
/// the DOCTYPE (`#doctype`), each entity declaration (`#entity.name`), comments (`#comment`) and
/// processing instructions (`#pi`) — as their own points. Tolerant of unbalanced or truncated markup.
enum XMLExtractor {
    /// Extracts `bytes` into `collector`; returns false when the markup is not well formed.
    @discardableResult
    static func extract(_ bytes: [UInt8], prefix: String, location: PointLocation, decoders: [DecoderStep], into collector: inout PointCollector) -> Bool {
        var parser = XMLPointParser(bytes: bytes, prefix: prefix, limits: collector.limits)
        parser.run()
        if parser.depthExceeded {
            collector.anomalies.append(Anomaly(.xmlDepthExceeded, "\(prefix) nests deeper than \(collector.limits.maxNestingDepth)"))
        }
        collector.add(parser.values, location, decoders: decoders)
        return parser.wellFormed && parser.sawElement
    }
}

struct XMLPointParser {
    private struct OpenElement {
        var name: String
        var rawName: ArraySlice<UInt8>
        var text: [UInt8]
    }

    let bytes: [UInt8]
    let prefix: String
    let limits: ParsingLimits
    private var index = 0
    private var stack: [OpenElement] = []
    /// Elements opened beyond the depth limit (their text goes to the deepest kept element).
    private var hiddenDepth = 0
    var values: [NamedValue] = []
    var wellFormed = true
    var depthExceeded = false
    var sawElement = false

    init(bytes: [UInt8], prefix: String, limits: ParsingLimits) {
        self.bytes = bytes
        self.prefix = prefix
        self.limits = limits
    }

    mutating func run() {
        while index < bytes.count && values.count < limits.maxParameters {
            if bytes[index] == ASCII.lessThan {
                markup()
            } else {
                let start = index
                while index < bytes.count && bytes[index] != ASCII.lessThan { index += 1 }
                appendText(bytes[start..<index], decode: true)
            }
        }
        if !stack.isEmpty || hiddenDepth > 0 { wellFormed = false }
        while !stack.isEmpty { closeTop() }
    }

    private mutating func markup() {
        let rest = bytes[index...]
        if ASCII.hasPrefixIgnoringCase(rest, "<!--") {
            let end = find("-->", from: index + 4)
            values.append(NamedValue(name: prefix + "#comment", value: Array(bytes[(index + 4)..<(end ?? bytes.count)])))
            index = end.map { $0 + 3 } ?? bytes.count
            if end == nil { wellFormed = false }
        } else if ASCII.hasPrefixIgnoringCase(rest, "<![CDATA[") {
            let end = find("]]>", from: index + 9)
            appendText(bytes[(index + 9)..<(end ?? bytes.count)], decode: false)
            index = end.map { $0 + 3 } ?? bytes.count
            if end == nil { wellFormed = false }
        } else if ASCII.hasPrefixIgnoringCase(rest, "<!") {
            declaration()
        } else if ASCII.hasPrefixIgnoringCase(rest, "<?") {
            let end = find("?>", from: index + 2)
            let body = bytes[(index + 2)..<(end ?? bytes.count)]
            let target = body.prefix { !ASCII.isWhitespace($0) }
            if !ASCII.equalsIgnoringCase(target, "xml") {
                values.append(NamedValue(name: prefix + "#pi", value: Array(body)))
            }
            index = end.map { $0 + 2 } ?? bytes.count
            if end == nil { wellFormed = false }
        } else if index + 1 < bytes.count && bytes[index + 1] == ASCII.slash {
            index += 2
            let nameStart = index
            while index < bytes.count && bytes[index] != ASCII.greaterThan { index += 1 }
            let name = Bytes.trimmed(bytes[nameStart..<index])
            if index < bytes.count { index += 1 } else { wellFormed = false }
            closeElement(named: name)
        } else {
            startTag()
        }
    }

    /// `<!DOCTYPE …[ internal subset ]>`: one `#doctype` point, plus one `#entity.NAME` point per declaration.
    private mutating func declaration() {
        let start = index
        var depth = 0
        var quote: UInt8 = 0
        index += 2
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quote != 0 {
                if byte == quote { quote = 0 }
                continue
            }
            if byte == ASCII.quote || byte == ASCII.apostrophe { quote = byte }
            else if byte == ASCII.leftBracket { depth += 1 }
            else if byte == ASCII.rightBracket { depth -= 1 }
            else if byte == ASCII.greaterThan && depth <= 0 { break }
        }
        let text = bytes[start..<index]
        values.append(NamedValue(name: prefix + "#doctype", value: Array(text)))
        var search = text.startIndex
        while let entity = findEntity(in: text, from: search) {
            values.append(entity.value)
            search = entity.next
        }
    }

    private func findEntity(in text: ArraySlice<UInt8>, from: Int) -> (value: NamedValue, next: Int)? {
        var position = from
        while position + 8 <= text.endIndex {
            if text[position] == ASCII.lessThan, ASCII.hasPrefixIgnoringCase(text[position...], "<!ENTITY") {
                var cursor = position + 8
                while cursor < text.endIndex && ASCII.isWhitespace(text[cursor]) { cursor += 1 }
                if cursor < text.endIndex && text[cursor] == ASCII.percent {
                    cursor += 1
                    while cursor < text.endIndex && ASCII.isWhitespace(text[cursor]) { cursor += 1 }
                }
                let nameStart = cursor
                while cursor < text.endIndex && !ASCII.isWhitespace(text[cursor]) && text[cursor] != ASCII.greaterThan { cursor += 1 }
                let name = text[nameStart..<cursor]
                var end = cursor
                var quote: UInt8 = 0
                while end < text.endIndex {
                    let byte = text[end]
                    if quote != 0 { if byte == quote { quote = 0 } } else if byte == ASCII.quote || byte == ASCII.apostrophe { quote = byte } else if byte == ASCII.greaterThan { break }
                    end += 1
                }
                let definition = Bytes.trimmed(text[cursor..<end])
                let entityName = PointName.child(prefix + "#entity", name, limit: limits.maxNameSegmentBytes)
                return (NamedValue(name: entityName, value: Array(definition)), min(end + 1, text.endIndex))
            }
            position += 1
        }
        return nil
    }

    private mutating func startTag() {
        index += 1
        let nameStart = index
        while index < bytes.count, !ASCII.isWhitespace(bytes[index]), bytes[index] != ASCII.slash, bytes[index] != ASCII.greaterThan { index += 1 }
        let rawName = bytes[nameStart..<index]
        guard !rawName.isEmpty else {
            // A lone '<' in text: keep it as text.
            appendText(bytes[(nameStart - 1)..<nameStart], decode: false)
            wellFormed = false
            return
        }
        sawElement = true
        let parentPath = currentPath()
        let path = PointName.child(parentPath, rawName, limit: limits.maxNameSegmentBytes)
        var selfClosing = false
        while index < bytes.count {
            while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            if bytes[index] == ASCII.greaterThan { index += 1; break }
            if bytes[index] == ASCII.slash {
                selfClosing = true
                index += 1
                continue
            }
            let attributeStart = index
            while index < bytes.count, !ASCII.isWhitespace(bytes[index]), bytes[index] != ASCII.equals, bytes[index] != ASCII.greaterThan, bytes[index] != ASCII.slash { index += 1 }
            let attributeName = bytes[attributeStart..<index]
            while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
            var value: ArraySlice<UInt8> = []
            if index < bytes.count && bytes[index] == ASCII.equals {
                index += 1
                while index < bytes.count && ASCII.isWhitespace(bytes[index]) { index += 1 }
                if index < bytes.count && (bytes[index] == ASCII.quote || bytes[index] == ASCII.apostrophe) {
                    let quote = bytes[index]
                    let valueStart = index + 1
                    index = valueStart
                    while index < bytes.count && bytes[index] != quote { index += 1 }
                    value = bytes[valueStart..<index]
                    if index < bytes.count { index += 1 } else { wellFormed = false }
                } else {
                    let valueStart = index
                    while index < bytes.count && !ASCII.isWhitespace(bytes[index]) && bytes[index] != ASCII.greaterThan { index += 1 }
                    value = bytes[valueStart..<index]
                    wellFormed = false
                }
            }
            if attributeName.isEmpty {
                if index < bytes.count { index += 1 }
                continue
            }
            // Namespace declarations are plumbing, not input.
            if ASCII.hasPrefixIgnoringCase(attributeName, "xmlns") { continue }
            values.append(NamedValue(name: PointName.child(path, attributeName, limit: limits.maxNameSegmentBytes, separator: ASCII.at), value: HTMLEntityDecoder.decode(Array(value))))
        }
        if selfClosing { return }
        if stack.count >= limits.maxNestingDepth {
            depthExceeded = true
            hiddenDepth += 1
            return
        }
        stack.append(OpenElement(name: path, rawName: rawName, text: []))
    }

    private mutating func closeElement(named name: ArraySlice<UInt8>) {
        if hiddenDepth > 0 {
            hiddenDepth -= 1
            return
        }
        guard let match = stack.lastIndex(where: { $0.rawName.elementsEqual(name) }) else {
            wellFormed = false
            return
        }
        if match != stack.count - 1 { wellFormed = false }
        while stack.count > match { closeTop() }
    }

    private mutating func closeTop() {
        guard let element = stack.popLast() else { return }
        let trimmed = Bytes.trimmedWhitespace(element.text[...])
        if !trimmed.isEmpty {
            values.append(NamedValue(name: element.name, value: Array(trimmed)))
        }
    }

    private mutating func appendText(_ text: ArraySlice<UInt8>, decode: Bool) {
        guard !text.isEmpty else { return }
        let content = decode && text.contains(ASCII.ampersand) ? HTMLEntityDecoder.decode(Array(text))[...] : text
        if stack.isEmpty {
            if content.contains(where: { !ASCII.isWhitespace($0) }) {
                values.append(NamedValue(name: prefix + "#text", value: Array(content)))
                if sawElement || !decode { wellFormed = false }
            }
            return
        }
        let room = limits.maxPointValueBytes - stack[stack.count - 1].text.count
        if room > 0 { stack[stack.count - 1].text.append(contentsOf: content.prefix(room)) }
    }

    private func currentPath() -> String {
        stack.last?.name ?? prefix
    }

    private func find(_ literal: StaticString, from: Int) -> Int? {
        let needle = literal.withUTF8Buffer { Array($0) }
        return Bytes.firstRange(of: needle, in: bytes, from: from)
    }
}
