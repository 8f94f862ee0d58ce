import MirrorGuardCore

/// A tolerant, incremental HTTP/1.1 parser for a pipelined byte stream of requests (or responses).
///
/// It never throws and never traps: malformed input becomes anomalies on the message, and bytes that are
/// not a message are skipped (and reported) until a start line is found again. Output depends only on the
/// bytes, not on how they were split across `feed` calls.
public struct HTTPStreamParser: Sendable {
    /// Whether the stream carries requests or responses.
    public enum Mode: Sendable, Hashable {
        case requests, responses
    }

    private enum State: Sendable, Hashable {
        /// Between messages: CR and LF are skipped.
        case idle
        /// Collecting the head; `sinceLF` is 0 right after LF, 1 after LF CR, 2 otherwise.
        case head(sinceLF: UInt8)
        /// The head passed `maxHeadBytes`; skipping to its end.
        case headOverflow(sinceLF: UInt8)
        /// A Content-Length body.
        case fixedBody(remaining: Int)
        /// Reading a chunk-size line into `buffer`.
        case chunkSize
        /// Inside chunk data.
        case chunkData(remaining: Int)
        /// Expecting CRLF after chunk data.
        case chunkDataEnd(sawCR: Bool)
        /// Reading trailer lines into `buffer`.
        case trailers(sinceLF: UInt8)
        /// A response body delimited by the end of the stream.
        case untilClose
    }

    /// The stream kind.
    public let mode: Mode
    /// The limits obeyed.
    public let limits: ParsingLimits

    private var state: State = .idle
    private var buffer: [UInt8] = []
    private var skippedHeadBytes = 0
    private var lineOverflow = 0
    private var message: MessageBuilder?
    /// Absolute offset of the next byte to be read.
    private var position = 0
    private var headStart = 0
    private var requestMethods: [[UInt8]] = []
    /// Header values this stream repeats, shared by its heads (bounded; see `HeaderValues`).
    private var headerValues = HeaderValues()

    /// Creates a parser for one stream.
    public init(mode: Mode = .requests, limits: ParsingLimits = .default) {
        self.mode = mode
        self.limits = limits
        buffer.reserveCapacity(1024)
    }

    /// Bytes consumed so far.
    public var bytesConsumed: Int { position }

    /// True when no message is in progress (nothing buffered between messages).
    public var isBetweenMessages: Bool { state == .idle }

    /// Responses mode: the method of the request the next unanswered response belongs to (so `HEAD`
    /// responses are read without a body).
    public mutating func expectResponse(toMethod method: [UInt8]) {
        requestMethods.append(method)
    }

    /// Feeds the next bytes of the stream; returns the events completed by them, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [HTTPStreamEvent] {
        var events: [HTTPStreamEvent] = []
        bytes.withUnsafeBufferPointer { process($0, into: &events) }
        return events
    }

    /// Feeds the next bytes of the stream; returns the events completed by them, in order.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) -> [HTTPStreamEvent] {
        var events: [HTTPStreamEvent] = []
        bytes.withUnsafeBufferPointer { process($0, into: &events) }
        return events
    }

    /// Feeds raw memory (the hot path of file and socket readers).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into events: inout [HTTPStreamEvent]) {
        process(bytes.bindMemory(to: UInt8.self), into: &events)
    }

    /// Ends the stream: a message still in progress is emitted with `truncated_message`.
    public mutating func finish() -> [HTTPStreamEvent] {
        var events: [HTTPStreamEvent] = []
        switch state {
        case .idle:
            break
        case .head, .headOverflow:
            if !buffer.isEmpty {
                completeHead(into: &events, truncatedStream: true)
                if message != nil { finishMessage(into: &events, truncated: false) }
            }
        case .untilClose:
            finishMessage(into: &events, truncated: false)
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            if case .trailers = state { parseTrailers() }
            finishMessage(into: &events, truncated: true)
        }
        state = .idle
        buffer.removeAll(keepingCapacity: true)
        return events
    }

    // MARK: - The state machine

    private mutating func process(_ input: UnsafeBufferPointer<UInt8>, into events: inout [HTTPStreamEvent]) {
        let count = input.count
        var index = 0
        let base = position
        defer { position = base + count }
        while index < count {
            switch state {
            case .idle:
                while index < count, input[index] == ASCII.cr || input[index] == ASCII.lf { index += 1 }
                if index < count {
                    headStart = base + index
                    buffer.removeAll(keepingCapacity: true)
                    skippedHeadBytes = 0
                    state = .head(sinceLF: 2)
                }

            case .head(var sinceLF):
                let end = min(count, index + max(limits.maxHeadBytes - buffer.count, 0))
                var scan = index
                var complete = false
                while scan < end {
                    // Inside a line (any byte but CR and LF keeps `sinceLF` at 2) whole words of text are skipped.
                    if sinceLF == 2 {
                        scan = ASCII.skipWordsWithoutLowControls(input, from: scan, to: end)
                        guard scan < end else { break }
                    }
                    let byte = input[scan]
                    scan += 1
                    if Self.advance(&sinceLF, byte) { complete = true; break }
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<scan]))
                index = scan
                position = base + index
                if complete {
                    completeHead(into: &events, truncatedStream: false)
                } else if buffer.count >= limits.maxHeadBytes {
                    state = .headOverflow(sinceLF: sinceLF)
                } else {
                    state = .head(sinceLF: sinceLF)
                }

            case .headOverflow(var sinceLF):
                var complete = false
                while index < count {
                    let byte = input[index]
                    index += 1
                    skippedHeadBytes += 1
                    if Self.advance(&sinceLF, byte) { complete = true; break }
                }
                position = base + index
                if complete {
                    completeHead(into: &events, truncatedStream: false)
                } else {
                    state = .headOverflow(sinceLF: sinceLF)
                }

            case .fixedBody(let remaining):
                let take = min(remaining, count - index)
                message?.appendBody(UnsafeBufferPointer(rebasing: input[index..<(index + take)]), limits: limits, offset: base + index)
                index += take
                if remaining - take == 0 {
                    position = base + index
                    finishMessage(into: &events, truncated: false)
                } else {
                    state = .fixedBody(remaining: remaining - take)
                }

            case .chunkSize:
                var scan = index
                while scan < count && input[scan] != ASCII.lf { scan += 1 }
                let room = max(limits.maxLineBytes - buffer.count, 0)
                let keep = min(scan - index, room)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + keep)]))
                lineOverflow += (scan - index) - keep
                if scan < count {
                    index = scan + 1
                    position = base + index
                    chunkSizeLineComplete(into: &events)
                } else {
                    index = scan
                }

            case .chunkData(let remaining):
                let take = min(remaining, count - index)
                message?.appendBody(UnsafeBufferPointer(rebasing: input[index..<(index + take)]), limits: limits, offset: base + index)
                index += take
                state = remaining - take == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - take)

            case .chunkDataEnd(let sawCR):
                let byte = input[index]
                if byte == ASCII.cr && !sawCR {
                    index += 1
                    state = .chunkDataEnd(sawCR: true)
                } else if byte == ASCII.lf {
                    index += 1
                    buffer.removeAll(keepingCapacity: true)
                    lineOverflow = 0
                    state = .chunkSize
                } else {
                    message?.anomalies.append(Anomaly(.badChunkTerminator, "chunk data not followed by CRLF", offset: base + index))
                    buffer.removeAll(keepingCapacity: true)
                    lineOverflow = 0
                    state = .chunkSize
                }

            case .trailers(var sinceLF):
                var scan = index
                var complete = false
                while scan < count {
                    let byte = input[scan]
                    scan += 1
                    if Self.advance(&sinceLF, byte) { complete = true; break }
                }
                let keep = min(scan - index, max(limits.maxHeadBytes - buffer.count, 0))
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + keep)]))
                index = scan
                if complete {
                    position = base + index
                    parseTrailers()
                    finishMessage(into: &events, truncated: false)
                } else {
                    state = .trailers(sinceLF: sinceLF)
                }

            case .untilClose:
                message?.appendBody(UnsafeBufferPointer(rebasing: input[index..<count]), limits: limits, offset: base + index)
                index = count
            }
        }
    }

    /// Tracks the end of a head: returns true on the LF of an empty line.
    @inline(__always)
    private static func advance(_ sinceLF: inout UInt8, _ byte: UInt8) -> Bool {
        if byte == ASCII.lf {
            if sinceLF <= 1 { return true }
            sinceLF = 0
        } else if byte == ASCII.cr {
            sinceLF = sinceLF == 0 ? 1 : 2
        } else {
            sinceLF = 2
        }
        return false
    }

    // MARK: - Heads

    private mutating func completeHead(into events: inout [HTTPStreamEvent], truncatedStream: Bool) {
        let parser = HTTPHeadParser(mode: mode, limits: limits)
        var start = 0
        var startOffset = headStart
        while true {
            switch parser.parse(buffer, start..<buffer.count, base: startOffset, values: &headerValues) {
            case .notAMessage(let resyncAt):
                let skipEnd = resyncAt ?? buffer.count
                let skippedLength = skipEnd - start + (resyncAt == nil ? skippedHeadBytes : 0)
                events.append(.skipped(offset: startOffset, length: skippedLength, reason: mode == .requests ? "not an HTTP request line" : "not an HTTP status line"))
                guard let resyncAt else {
                    buffer.removeAll(keepingCapacity: true)
                    state = .idle
                    return
                }
                startOffset += resyncAt - start
                start = resyncAt
            case let .head(startLine, headers, headAnomalies):
                var anomalies = headAnomalies
                if start > 0 {
                    anomalies.insert(Anomaly(.garbageSkipped, "\(start) bytes before the start line skipped", offset: headStart), at: 0)
                }
                if skippedHeadBytes > 0 || buffer.count >= limits.maxHeadBytes {
                    anomalies.append(Anomaly(.headerSectionTooLarge, "head larger than \(limits.maxHeadBytes) bytes; \(skippedHeadBytes) bytes skipped", offset: startOffset))
                }
                if truncatedStream {
                    anomalies.append(Anomaly(.truncatedMessage, "stream ended inside the head", offset: startOffset))
                }
                buffer.removeAll(keepingCapacity: true)
                if truncatedStream {
                    message = MessageBuilder(startLine: startLine, headers: headers, anomalies: anomalies, offset: startOffset)
                    return
                }
                // Framing reads the head before the builder takes it over: nothing of it is copied.
                let framing = Framing.decide(for: startLine, headers: headers, requestMethod: responseMethod(for: startLine), mode: mode, anomalies: &anomalies, offset: startOffset)
                var builder = MessageBuilder(startLine: startLine, headers: headers, anomalies: anomalies, offset: startOffset)
                builder.body.declaredLength = framing.declaredLength
                message = consume builder
                switch framing.kind {
                case .none:
                    finishMessage(into: &events, truncated: false)
                case .length(let length):
                    if length == 0 {
                        finishMessage(into: &events, truncated: false)
                    } else {
                        state = .fixedBody(remaining: length)
                    }
                case .chunked:
                    message?.body.isChunked = true
                    lineOverflow = 0
                    state = .chunkSize
                case .untilClose:
                    state = .untilClose
                }
                return
            }
        }
    }

    private mutating func responseMethod(for startLine: StartLine) -> [UInt8]? {
        guard mode == .responses, case let .status(_, code, _) = startLine else { return nil }
        // Interim (1xx) responses do not answer the request; the final one does.
        if code >= 100 && code < 200 { return requestMethods.first }
        return requestMethods.isEmpty ? nil : requestMethods.removeFirst()
    }

    // MARK: - Chunked bodies

    private mutating func chunkSizeLineComplete(into events: inout [HTTPStreamEvent]) {
        var line = buffer[...]
        if line.last == ASCII.cr { line = line.dropLast() }
        let sizePart = Bytes.trimmed(line.prefix { $0 != ASCII.semicolon })
        let digits = sizePart.drop { $0 == 0x30 }
        var size = 0
        var valid = !sizePart.isEmpty && digits.count <= 15 && lineOverflow == 0
        if valid {
            for byte in digits {
                guard let value = ASCII.hexValue(byte) else { valid = false; break }
                size = size << 4 | Int(value)
            }
        }
        buffer.removeAll(keepingCapacity: true)
        guard valid else {
            message?.anomalies.append(Anomaly(.badChunkSize, "chunk size \(HTTPHeadParser.show(sizePart))", offset: position))
            message?.body.isTruncated = true
            finishMessage(into: &events, truncated: false)
            return
        }
        if size == 0 {
            state = .trailers(sinceLF: 0)
        } else {
            state = .chunkData(remaining: size)
        }
    }

    private mutating func parseTrailers() {
        guard !buffer.isEmpty, var builder = message.take() else { return }
        let parser = HTTPHeadParser(mode: mode, limits: limits)
        builder.trailers = parser.parseFields(buffer, 0..<buffer.count, base: position - buffer.count, anomalies: &builder.anomalies, values: &headerValues)
        message = builder
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Completion

    private mutating func finishMessage(into events: inout [HTTPStreamEvent], truncated: Bool) {
        state = .idle
        // Taken out of the parser, not copied: the message's arrays move into the event.
        guard var builder = message.take() else { return }
        if truncated {
            builder.body.isTruncated = true
            builder.anomalies.append(Anomaly(.truncatedMessage, "stream ended inside the body", offset: position))
        }
        let complete = !truncated && !builder.anomalies.contains { $0.kind == .truncatedMessage }
        events.append(.message(builder.build(length: position - builder.offset, complete: complete)))
    }
}

/// The message being assembled once its head is parsed.
private struct MessageBuilder {
    var startLine: StartLine
    var headers: HeaderFields
    var anomalies: [Anomaly]
    var offset: Int
    var body = Body.empty
    var trailers = HeaderFields()
    var reportedTruncation = false

    init(startLine: StartLine, headers: HeaderFields, anomalies: [Anomaly], offset: Int) {
        self.startLine = startLine
        self.headers = headers
        self.anomalies = anomalies
        self.offset = offset
    }

    mutating func appendBody(_ bytes: UnsafeBufferPointer<UInt8>, limits: ParsingLimits, offset: Int) {
        let room = max(limits.maxBodyBytes - body.bytes.count, 0)
        let keep = min(room, bytes.count)
        if keep > 0 {
            if body.bytes.isEmpty { body.bytes.reserveCapacity(min(body.declaredLength ?? keep, limits.maxBodyBytes)) }
            body.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<keep]))
        }
        body.receivedLength += bytes.count
        if keep < bytes.count {
            body.isTruncated = true
            if !reportedTruncation {
                reportedTruncation = true
                anomalies.append(Anomaly(.bodyTruncated, "body longer than \(limits.maxBodyBytes) bytes; the rest was not inspected", offset: offset + keep))
            }
        }
    }

    consuming func build(length: Int, complete: Bool) -> ParsedMessage {
        ParsedMessage(startLine: startLine, headers: headers, body: body, trailers: trailers, anomalies: anomalies, offset: offset, length: length, isComplete: complete)
    }
}
