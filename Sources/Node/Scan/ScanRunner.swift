import Detection
import MirrorGuardCore
import RequestParsing

/// Input formats `mirrorguard scan` reads.
package enum InputFormat: String, Sendable, CaseIterable {
    /// A raw HTTP/1.1 byte stream of pipelined requests.
    case raw
    /// An HTTP Archive (HAR 1.2) file.
    case har

    /// Guesses the format from the first bytes: JSON means HAR, anything else a raw stream.
    package static func detect(_ prefix: UnsafeBufferPointer<UInt8>) -> InputFormat {
        var index = 0
        if prefix.count >= 3 && prefix[0] == 0xEF && prefix[1] == 0xBB && prefix[2] == 0xBF { index = 3 }
        while index < prefix.count && ASCII.isWhitespace(prefix[index]) { index += 1 }
        return index < prefix.count && prefix[index] == ASCII.leftBrace ? .har : .raw
    }
}

/// Options of one scan run.
package struct ScanOptions: Sendable {
    /// Input format; nil detects it per input.
    package var format: InputFormat?
    /// Adds every extracted point to each output record.
    package var includePoints = false
    /// Writes human explanations instead of JSON lines.
    package var explain = false
    /// Analyser settings.
    package var analyzer = AnalyzerConfiguration()
    /// When set (`scan --learn`), every request also feeds this API inventory.
    package var learner: APIDiscovery?
    /// How often a progress line is printed for long inputs. Default 2 s.
    package var progressIntervalNanoseconds: UInt64 = 2_000_000_000

    package init() {}
}

/// Totals of a scan, for the summary line and the exit status.
package struct ScanSummary: Sendable, Hashable {
    package var requests = 0
    package var attacks = 0
    package var hits = 0
    package var requestsWithAnomalies = 0
    package var bytes = 0
    package var skippedBytes = 0
    package var failedInputs = 0
    package var hitsByType: [AttackType: Int] = [:]
    package var anomaliesByKind: [AnomalyKind: Int] = [:]
}

/// Runs `mirrorguard scan`: reads inputs, frames requests, analyses each and writes one record per request,
/// in input order. Human messages (errors with byte offsets, progress, summary) go to `diagnostics`.
package final class ScanRunner {
    private let options: ScanOptions
    private let analyzer: Analyzer
    /// Header and path values already found clean, so repeated ones skip the detectors (bounded; see `CleanValueCache`).
    private let cache = CleanValueCache()
    private let output: ByteSink
    private let diagnostics: (String) -> Void
    private let clock: () -> UInt64
    private(set) package var summary = ScanSummary()
    private var startedAt: UInt64 = 0
    private var lastProgress: UInt64 = 0
    private var currentInputSize: Int?
    private var currentInputRead = 0

    package init(options: ScanOptions, decompressor: (any BodyDecompressor)?, output: ByteSink, diagnostics: @escaping (String) -> Void, clock: @escaping () -> UInt64 = POSIX.monotonicNanoseconds) {
        self.options = options
        self.analyzer = Analyzer(configuration: options.analyzer, decompressor: decompressor)
        self.output = output
        self.diagnostics = diagnostics
        self.clock = clock
        self.startedAt = clock()
        self.lastProgress = startedAt
    }

    /// Scans a file, or stdin for `-`. Returns false (after reporting why) when the input could not be read.
    @discardableResult
    package func scan(path: String) -> Bool {
        let name = path == "-" ? "stdin" : path
        let descriptor: Int32
        if path == "-" {
            descriptor = 0
        } else {
            switch POSIX.openForReading(path) {
            case .success(let opened): descriptor = opened
            case .failure(let error):
                diagnostics("mirrorguard scan: cannot read \(path): \(error)")
                summary.failedInputs += 1
                return false
            }
        }
        defer { if descriptor != 0 { POSIX.closeDescriptor(descriptor) } }
        currentInputSize = POSIX.fileSize(descriptor)
        currentInputRead = 0
        var input = InputState(name: name, format: options.format)
        let chunkSize = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count: Int
            switch POSIX.read(descriptor, into: buffer) {
            case .success(let read): count = read
            case .failure(let error):
                diagnostics("mirrorguard scan: error reading \(name) after \(currentInputRead) bytes: \(error)")
                summary.failedInputs += 1
                finishInput(&input)
                return false
            }
            if count == 0 { break }
            consume(UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count), input: &input)
        }
        return finishInput(&input)
    }

    /// Scans bytes already in memory (tests, HAR from other sources).
    @discardableResult
    package func scan(bytes: [UInt8], name: String) -> Bool {
        currentInputSize = bytes.count
        currentInputRead = 0
        var input = InputState(name: name, format: options.format)
        bytes.withUnsafeBufferPointer { consume($0, input: &input) }
        return finishInput(&input)
    }

    /// Flushes output and prints the summary line.
    package func finish() -> ScanSummary {
        output.flush()
        let seconds = Double(clock() &- startedAt) / 1e9
        let rate = seconds > 0 ? Double(summary.requests) / seconds : 0
        var line = "mirrorguard scan: \(summary.requests) requests, \(summary.attacks) with attacks (\(summary.hits) hits), \(summary.requestsWithAnomalies) with anomalies; \(Self.megabytes(summary.bytes)) in \(Self.format(seconds, digits: 2)) s (\(Int(rate)) requests/s)"
        if summary.skippedBytes > 0 { line += "; \(summary.skippedBytes) bytes skipped" }
        if summary.failedInputs > 0 { line += "; \(summary.failedInputs) inputs failed" }
        diagnostics(line)
        if !summary.hitsByType.isEmpty {
            diagnostics("  hits by type: " + summary.hitsByType.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        }
        if !summary.anomaliesByKind.isEmpty {
            diagnostics("  anomalies: " + summary.anomaliesByKind.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        }
        return summary
    }

    // MARK: - Input handling

    private struct InputState {
        var name: String
        var format: InputFormat?
        var parser = HTTPStreamParser(mode: .requests)
        var splitter = HAREntrySplitter()
        var events: [HTTPStreamEvent] = []
        var entries: [HAREntrySplitter.Output] = []
        var entryNumber = 0

        init(name: String, format: InputFormat?) {
            self.name = name
            self.format = format
        }
    }

    private func consume(_ bytes: UnsafeBufferPointer<UInt8>, input: inout InputState) {
        if input.format == nil { input.format = InputFormat.detect(bytes) }
        summary.bytes += bytes.count
        currentInputRead += bytes.count
        switch input.format ?? .raw {
        case .raw:
            input.events.removeAll(keepingCapacity: true)
            input.parser.feed(UnsafeRawBufferPointer(bytes), into: &input.events)
            // Each event is moved out in order (the list reversed, then emptied from its end), not copied: the
            // request's buffers go on to the analysis without a retain each and are freed once it is done.
            input.events.reverse()
            while let event = input.events.popLast() { handle(event, input: input.name) }
        case .har:
            input.entries.removeAll(keepingCapacity: true)
            input.splitter.feed(bytes, into: &input.entries)
            for entry in input.entries { handle(entry, input: &input) }
        }
        reportProgress(input.name)
    }

    @discardableResult
    private func finishInput(_ input: inout InputState) -> Bool {
        switch input.format ?? .raw {
        case .raw:
            for event in input.parser.finish() { handle(event, input: input.name) }
        case .har:
            if !input.splitter.sawEntries {
                diagnostics("mirrorguard scan: \(input.name) is not a HAR file: no log.entries array found")
                summary.failedInputs += 1
                return false
            }
        }
        return true
    }

    private func handle(_ event: consuming HTTPStreamEvent, input: String) {
        switch consume event {
        case let .skipped(offset, length, reason):
            summary.skippedBytes += length
            diagnostics("mirrorguard scan: \(input): skipped \(length) bytes at offset \(offset): \(reason)")
        case let .message(message):
            let offset = message.offset
            let anomalies = message.anomalies
            guard let request = message.takeRequest() else { return }
            var exchange = Exchange(request: request, source: .scan, streamOffset: offset, anomalies: anomalies)
            exchange.connection.requestID = exchange.request.headers.firstString(lowercase: "x-request-id")
            exchange.connection.host = exchange.request.headers.firstString(lowercase: "host")
            for anomaly in anomalies where anomaly.kind == .truncatedMessage || anomaly.kind == .badChunkSize {
                diagnostics("mirrorguard scan: \(input): request \(summary.requests) at offset \(offset): \(anomaly.detail) (byte \(anomaly.offset ?? offset))")
            }
            analyze(exchange)
        }
    }

    private func handle(_ entry: HAREntrySplitter.Output, input: inout InputState) {
        defer { input.entryNumber += 1 }
        switch entry {
        case let .oversized(offset, length):
            diagnostics("mirrorguard scan: \(input.name): HAR entry \(input.entryNumber) at offset \(offset) is \(length) bytes, over the 64 MiB entry limit; skipped")
            summary.skippedBytes += length
        case let .entry(bytes, offset):
            switch HAREntryDecoder.exchange(from: bytes) {
            case .success(var exchange):
                exchange.streamOffset = offset
                analyze(exchange)
            case .failure(let failure):
                diagnostics("mirrorguard scan: \(input.name): HAR entry \(input.entryNumber) at offset \(offset): \(failure); skipped")
                summary.skippedBytes += bytes.count
            }
        }
    }

    private func analyze(_ exchange: Exchange) {
        let analysis = analyzer.analyze(exchange, cache: cache)
        _ = options.learner?.observe(exchange, analysis: analysis)
        let index = summary.requests
        summary.requests += 1
        if analysis.isAttack { summary.attacks += 1 }
        summary.hits += analysis.hits.count
        if !analysis.anomalies.isEmpty { summary.requestsWithAnomalies += 1 }
        for hit in analysis.hits { summary.hitsByType[hit.type, default: 0] += 1 }
        for anomaly in analysis.anomalies { summary.anomaliesByKind[anomaly.kind, default: 0] += 1 }
        if options.explain {
            if analysis.isAttack || !analysis.anomalies.isEmpty {
                output.write(Array(ScanRecord.explanation(index: index, exchange: exchange, analysis: analysis).utf8))
            }
        } else {
            output.write(ScanRecord.json(index: index, exchange: exchange, analysis: analysis, includePoints: options.includePoints))
        }
    }

    private func reportProgress(_ name: String) {
        let now = clock()
        guard now &- lastProgress >= options.progressIntervalNanoseconds else { return }
        lastProgress = now
        var line = "mirrorguard scan: \(name): \(summary.requests) requests, \(Self.megabytes(currentInputRead))"
        if let size = currentInputSize, size > 0 {
            line += " of \(Self.megabytes(size)) (\(min(100, currentInputRead * 100 / size))%)"
        }
        diagnostics(line)
    }

    static func megabytes(_ bytes: Int) -> String {
        format(Double(bytes) / 1_048_576, digits: 1) + " MB"
    }

    static func format(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }
}
