import MirrorGuardCore
@testable import RequestParsing

/// Deterministic random numbers for split tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Parses a whole stream in one feed.
func parseAll(_ input: [UInt8], mode: HTTPStreamParser.Mode = .requests, limits: ParsingLimits = .default) -> [HTTPStreamEvent] {
    var parser = HTTPStreamParser(mode: mode, limits: limits)
    return parser.feed(input) + parser.finish()
}

/// Parses a stream cut at the given sizes.
func parseSplit(_ input: [UInt8], sizes: [Int], mode: HTTPStreamParser.Mode = .requests, limits: ParsingLimits = .default) -> [HTTPStreamEvent] {
    var parser = HTTPStreamParser(mode: mode, limits: limits)
    var events: [HTTPStreamEvent] = []
    var position = 0
    var sizeIndex = 0
    while position < input.count {
        let size = max(1, sizes.isEmpty ? 1 : sizes[sizeIndex % sizes.count])
        sizeIndex += 1
        let end = min(input.count, position + size)
        events += parser.feed(input[position..<end])
        position = end
    }
    return events + parser.finish()
}

func messages(_ events: [HTTPStreamEvent]) -> [ParsedMessage] {
    events.compactMap { if case let .message(message) = $0 { return message } else { return nil } }
}

func kinds(_ message: ParsedMessage) -> Set<AnomalyKind> { Set(message.anomalies.map(\.kind)) }

func points(_ request: HTTPRequest, limits: ParsingLimits = .default, decompressor: (any BodyDecompressor)? = nil) -> ExtractedPoints {
    PointExtractor(limits: limits, decompressor: decompressor).extract(request)
}

func value(_ extracted: ExtractedPoints, _ name: String) -> String? {
    extracted.points.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
}

func request(_ raw: String) -> HTTPRequest {
    let parsed = messages(parseAll(bytes(raw)))
    precondition(parsed.count == 1, "expected one request in the fixture")
    return parsed[0].request!
}
