import MirrorGuardCore
import Testing
@testable import RequestParsing

@Suite("HTTP/1.1 stream parser")
struct HTTPStreamParserTests {
    @Test("a simple GET with headers in order, case kept, lookups case-insensitive")
    func simpleGet() throws {
        let events = parseAll(bytes("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n"))
        let message = try #require(messages(events).first)
        let request = try #require(message.request)
        #expect(request.methodString == "GET")
        #expect(request.targetString == "/a?b=1")
        #expect(request.version == .http11)
        #expect(request.headers.map(\.name) == ["Host", "X-Dup", "x-dup"])
        #expect(request.headers.values("X-DUP").map { String(decoding: $0, as: UTF8.self) } == ["1", "2"])
        #expect(message.anomalies.isEmpty)
        #expect(message.isComplete)
        #expect(message.offset == 0)
    }

    @Test("methods keep their bytes, shared arrays for the common spellings included")
    func methodBytes() throws {
        let sent = ["GET", "POST", "PUT", "HEAD", "Get", "get", "post", "PATCH", "GETS", "GE"]
        let events = parseAll(bytes(sent.map { "\($0) / HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()))
        let methods = messages(events).compactMap { $0.request?.methodString }
        #expect(methods == sent)
        #expect(HTTPHeadParser.sharedMethods.map { String(decoding: $0, as: UTF8.self) } == ["GET", "POST", "PUT", "HEAD"])
    }

    @Test("repeated header values share one array; a value alike in length and edges is never taken for another")
    func sharedHeaderValues() {
        var values = HeaderValues()
        var generator = SeededGenerator(seed: 0x6865_6164)
        var kept: [[UInt8]] = []
        for round in 0..<2_000 {
            // Lengths 0…200 (beyond the kept maximum too), and values that differ only in the middle.
            let length = Int(generator.next() % 201)
            var bytes = (0..<length).map { _ in UInt8(0x41 + generator.next() % 4) }
            if round % 3 == 0, let earlier = kept.last, earlier.count > 16 {
                bytes = earlier
                bytes[bytes.count / 2] ^= 0x01
            }
            if round % 5 == 0, let earlier = kept.randomElement(using: &generator) { bytes = earlier }
            let value = bytes.withUnsafeBufferPointer { values.value($0) }
            #expect(value == bytes)
            kept.append(bytes)
        }
        #expect(values.shared > 0)
        // Through the stream parser: every value as sent, the repeated ones shared.
        var parser = HTTPStreamParser()
        func head(_ marker: String) -> String { "GET / HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nX-A: \(marker)\r\n\r\n" }
        let events = parser.feed(bytes(head("1a") + head("1b") + head("1a")))
        let requests = messages(events).compactMap(\.request)
        #expect(requests.count == 3)
        #expect(requests.map { $0.headers.firstString(lowercase: "x-a") } == ["1a", "1b", "1a"])
        #expect(requests.allSatisfy { $0.headers.firstString(lowercase: "user-agent") == "Mozilla/5.0 (X11; Linux x86_64)" })
    }

    @Test("pipelined requests with Content-Length and chunked bodies, trailers kept")
    func pipelined() throws {
        let stream = "POST /1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\n\r\n"
            + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n"
            + "\r\nGET /4 HTTP/1.0\r\n\r\n"
        let parsed = messages(parseAll(bytes(stream)))
        #expect(parsed.count == 4)
        #expect(parsed.map { $0.request?.targetString } == ["/1", "/2", "/3", "/4"])
        #expect(parsed[0].body.bytes == bytes("hello"))
        #expect(parsed[0].body.declaredLength == 5)
        #expect(parsed[2].body.bytes == bytes("Wikipedia"))
        #expect(parsed[2].body.isChunked)
        #expect(parsed[2].trailers.firstString("x-trailer") == "t")
        #expect(parsed[3].request?.version == .http10)
        #expect(parsed.allSatisfy { $0.anomalies.isEmpty })
        #expect(parsed[1].offset == 44)
    }

    /// Streams that exercise every state; each must parse identically however it is split.
    static let splitFixtures: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\nGET /n HTTP/1.1\r\n\r\n",
        "GET /lf HTTP/1.1\nHost: a\n\nGET /mix HTTP/1.1\r\nA: b\n\r\n",
        "junk\r\nmore junk\r\n\r\nGET /after-garbage HTTP/1.1\r\nX: y\r\n\r\n",
        "GET /fold HTTP/1.1\r\nX-Long: a\r\n  continued\r\n\r\n",
        "POST /bad HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabcde\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
        "POST /both HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcGET /z HTTP/1.1\r\n\r\n",
        "POST /trunc HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly-a-little",
        "GET /no-end HTTP/1.1\r\nHost: a\r\n",
    ]

    @Test("whole, byte by byte and random splits yield identical events", arguments: splitFixtures)
    func splitInvariance(_ fixture: String) {
        let input = bytes(fixture)
        let whole = parseAll(input)
        #expect(!whole.isEmpty)
        #expect(parseSplit(input, sizes: [1]) == whole)
        var generator = SeededGenerator(seed: UInt64(input.count))
        for _ in 0..<25 {
            let sizes = (0..<8).map { _ in Int.random(in: 1...17, using: &generator) }
            #expect(parseSplit(input, sizes: sizes) == whole)
        }
    }

    @Test("split invariance holds with small limits too (overflow paths)")
    func splitInvarianceWithLimits() {
        var limits = ParsingLimits()
        limits.maxHeadBytes = 64
        limits.maxLineBytes = 20
        limits.maxBodyBytes = 8
        limits.maxHeaderCount = 2
        let input = bytes("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789GET /c HTTP/1.1\r\n\r\n")
        let whole = parseAll(input, limits: limits)
        #expect(parseSplit(input, sizes: [1], limits: limits) == whole)
        #expect(parseSplit(input, sizes: [3, 7, 2], limits: limits) == whole)
        #expect(messages(whole).count == 3)
    }

    struct AnomalyCase: CustomTestStringConvertible, Sendable {
        let name: String
        let raw: String
        let expected: AnomalyKind
        var testDescription: String { name }
    }

    static let anomalyCases: [AnomalyCase] = [
        .init(name: "duplicate Content-Length", raw: "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", expected: .duplicateContentLength),
        .init(name: "conflicting Content-Length", raw: "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab", expected: .conflictingContentLength),
        .init(name: "Content-Length list with different values", raw: "POST / HTTP/1.1\r\nContent-Length: 2, 3\r\n\r\nab", expected: .conflictingContentLength),
        .init(name: "CL with TE", raw: "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expected: .contentLengthWithTransferEncoding),
        .init(name: "unsupported TE", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", expected: .unsupportedTransferEncoding),
        .init(name: "chunked not last", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", expected: .unsupportedTransferEncoding),
        .init(name: "invalid Content-Length", raw: "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", expected: .invalidContentLength),
        .init(name: "Content-Length overflow", raw: "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", expected: .invalidContentLength),
        .init(name: "negative chunk size", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", expected: .badChunkSize),
        .init(name: "huge chunk size", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n\r\n", expected: .badChunkSize),
        .init(name: "garbage chunk size", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", expected: .badChunkSize),
        .init(name: "chunk without CRLF", raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n", expected: .badChunkTerminator),
        .init(name: "obs-fold", raw: "GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n", expected: .obsFold),
        .init(name: "bare LF", raw: "GET / HTTP/1.1\nA: b\n\n", expected: .bareLF),
        .init(name: "bare CR", raw: "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", expected: .bareCR),
        .init(name: "NUL in header", raw: "GET / HTTP/1.1\r\nA: b\u{0}c\r\n\r\n", expected: .nulByte),
        // Past the first words of a long line (the line scan reads eight bytes at a time).
        .init(name: "NUL deep in a long header", raw: "GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux)\u{0}x\r\n\r\n", expected: .nulByte),
        .init(name: "bare CR deep in a long header", raw: "GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux)\rInjected: 1\r\n\r\n", expected: .bareCR),
        .init(name: "CR as the last byte of a long head line", raw: "GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux)\r\r\n\r\n", expected: .bareCR),
        .init(name: "invalid method", raw: "G(T / HTTP/1.1\r\n\r\n", expected: .invalidMethod),
        .init(name: "unknown method", raw: "FOO / HTTP/1.1\r\n\r\n", expected: .unknownMethod),
        .init(name: "invalid version", raw: "GET / HTTP/1.x\r\n\r\n", expected: .invalidVersion),
        .init(name: "missing version", raw: "GET /only-two\r\n\r\n", expected: .invalidVersion),
        .init(name: "space in target", raw: "GET /a b HTTP/1.1\r\n\r\n", expected: .invalidTarget),
        .init(name: "whitespace before colon", raw: "GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", expected: .whitespaceBeforeColon),
        .init(name: "header without colon", raw: "GET / HTTP/1.1\r\nno colon here\r\n\r\n", expected: .invalidHeader),
        .init(name: "invalid UTF-8 in a value", raw: "GET / HTTP/1.1\r\nA: \u{FFFD}\r\n\r\n", expected: .invalidUTF8),
        .init(name: "truncated body", raw: "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", expected: .truncatedMessage),
        .init(name: "truncated head", raw: "GET / HTTP/1.1\r\nHost: x", expected: .truncatedMessage),
        .init(name: "garbage before the request line", raw: "xx yy\r\nGET / HTTP/1.1\r\n\r\n", expected: .garbageSkipped),
    ]

    @Test("malformed input becomes anomalies, never a failure", arguments: anomalyCases)
    func anomalies(_ testCase: AnomalyCase) throws {
        var input = bytes(testCase.raw)
        if testCase.expected == .invalidUTF8 {
            // Replace the U+FFFD placeholder (EF BF BD) by a lone continuation byte.
            if let index = input.firstIndex(of: 0xEF) { input.replaceSubrange(index..<(index + 3), with: [0x80]) }
        }
        let parsed = messages(parseAll(input))
        let message = try #require(parsed.first, "no message for \(testCase.name)")
        #expect(kinds(message).contains(testCase.expected), "got \(message.anomalies.map(\.kind))")
    }

    @Test("a bad chunk size ends the message and the next request is still found")
    func resyncAfterBadChunk() {
        let events = parseAll(bytes("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbody bytes\r\n\r\nGET /b HTTP/1.1\r\n\r\n"))
        let parsed = messages(events)
        #expect(parsed.map { $0.request?.targetString } == ["/a", "/b"])
        #expect(kinds(parsed[0]).contains(.badChunkSize))
        #expect(events.contains { if case .skipped = $0 { return true } else { return false } })
    }

    @Test("offsets in skipped events and anomalies are absolute stream offsets")
    func offsets() throws {
        let events = parseAll(bytes("GET /a HTTP/1.1\r\n\r\nnot http\r\n\r\nGET /b HTTP/1.1\r\nA: b\nC: d\r\n\r\n"))
        guard case let .skipped(offset, length, _) = events[1] else {
            Issue.record("expected a skipped event, got \(events[1])")
            return
        }
        #expect(offset == 19)
        #expect(length == 12)
        let last = try #require(messages(events).last)
        #expect(last.offset == 31)
        #expect(last.anomalies.first { $0.kind == .bareLF }?.offset == 31 + 17)
    }

    @Test("too many headers are dropped and counted")
    func tooManyHeaders() throws {
        var limits = ParsingLimits()
        limits.maxHeaderCount = 10
        let raw = "GET / HTTP/1.1\r\n" + (0..<50).map { "H\($0): v\r\n" }.joined() + "\r\n"
        let message = try #require(messages(parseAll(bytes(raw), limits: limits)).first)
        #expect(message.headers.count == 10)
        #expect(kinds(message).contains(.tooManyHeaders))
    }

    @Test("a 100 MB header line is cut, skipped and costs bounded memory")
    func hugeHeaderLine() throws {
        var parser = HTTPStreamParser()
        var events = parser.feed(bytes("GET /big HTTP/1.1\r\nX-Big: "))
        let block = [UInt8](repeating: 0x41, count: 1 << 20)
        for _ in 0..<100 { events += parser.feed(block) }
        events += parser.feed(bytes("\r\nHost: after\r\n\r\nGET /next HTTP/1.1\r\n\r\n"))
        events += parser.finish()
        let parsed = messages(events)
        #expect(parsed.count == 2)
        let first = parsed[0]
        #expect(kinds(first).contains(.headerSectionTooLarge))
        #expect(kinds(first).contains(.lineTooLong))
        let kept = try #require(first.headers.first("x-big"))
        #expect(kept.count <= ParsingLimits.default.maxLineBytes)
        #expect(parsed[1].request?.targetString == "/next")
    }

    @Test("a body over the limit is counted, cut and flagged; framing stays right")
    func bodyLimit() {
        var limits = ParsingLimits()
        limits.maxBodyBytes = 10
        let parsed = messages(parseAll(bytes("POST / HTTP/1.1\r\nContent-Length: 30\r\n\r\n012345678901234567890123456789GET /n HTTP/1.1\r\n\r\n"), limits: limits))
        #expect(parsed.count == 2)
        #expect(parsed[0].body.bytes.count == 10)
        #expect(parsed[0].body.receivedLength == 30)
        #expect(parsed[0].body.isTruncated)
        #expect(kinds(parsed[0]).contains(.bodyTruncated))
        #expect(parsed[1].request?.targetString == "/n")
    }

    @Test("random bytes never trap and every byte is accounted for")
    func randomBytes() {
        var generator = SeededGenerator(seed: 42)
        let alphabet = bytes("GET POST / HTTP/1.1\r\n:Content-Length: Transfer-Encoding: chunked 0123456789abcdef;\r\n \t\u{0}")
        for round in 0..<200 {
            let length = Int.random(in: 0...400, using: &generator)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let whole = parseAll(input)
            #expect(parseSplit(input, sizes: [1 + round % 5]) == whole)
        }
    }

    @Test("responses: status line, HEAD without body, body until close")
    func responses() throws {
        var parser = HTTPStreamParser(mode: .responses)
        parser.expectResponse(toMethod: bytes("HEAD"))
        parser.expectResponse(toMethod: bytes("GET"))
        parser.expectResponse(toMethod: bytes("GET"))
        let events = parser.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close"))
            + parser.finish()
        let parsed = messages(events)
        #expect(parsed.count == 3)
        #expect(parsed[0].response?.status == 200)
        #expect(parsed[0].body.bytes.isEmpty)
        #expect(parsed[1].response?.status == 204)
        #expect(parsed[2].body.bytes == bytes("until close"))
    }
}
