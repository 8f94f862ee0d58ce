import Foundation
import MirrorGuardCore
import Storage

/// Takes hits off the analysis path: events wait in a bounded queue (full means dropped and counted) and a
/// writer thread stores them in batches, appends them to the JSON event log, and reports new attacks.
final class EventWriter: @unchecked Sendable {
    /// Where newly opened attacks are announced (webhooks); called on the writer thread.
    typealias AttackListener = @Sendable (AttackRecord, HitEvent) -> Void

    private let queue: BoundedQueue<HitEvent>
    private let store: (any EventStore)?
    private let log: EventLog?
    private let metrics: NodeMetrics
    private let policy: GroupingPolicy
    private let batchSize: Int
    private let flushInterval: TimeInterval
    private let retention: RetentionPolicy
    private let onNewAttack: AttackListener?
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    private let statsLock = NSLock()
    private var written = 0
    private var failures = 0
    private let clock: @Sendable () -> Timestamp

    init(store: (any EventStore)?, log: EventLog?, metrics: NodeMetrics, policy: GroupingPolicy, capacity: Int, batchSize: Int,
         flushInterval: TimeInterval, retention: RetentionPolicy, clock: @escaping @Sendable () -> Timestamp, onNewAttack: AttackListener? = nil) {
        self.queue = BoundedQueue(capacity: capacity)
        self.store = store
        self.log = log
        self.metrics = metrics
        self.policy = policy
        self.batchSize = max(batchSize, 1)
        self.flushInterval = flushInterval
        self.retention = retention
        self.clock = clock
        self.onNewAttack = onNewAttack
        let thread = Thread { [unowned self] in
            lowerCurrentThreadPriority()
            self.run()
            self.finished.signal()
        }
        thread.name = "mirrorguard-event-writer"
        self.thread = thread
        thread.start()
    }

    /// Queues the hits of one exchange; never blocks.
    func record(_ exchange: Exchange, hits: [Hit]) {
        let request = RequestMasking.render(exchange.request)
        let time = exchange.receivedAt ?? clock()
        let method = exchange.request.methodString
        let target = exchange.request.targetString
        let endpoint = method + " " + Self.path(of: target)
        for hit in hits {
            let event = HitEvent(time: time, requestID: exchange.connection.requestID, method: method, target: target,
                                 host: exchange.connection.host ?? "", endpoint: endpoint, clientAddress: exchange.connection.clientAddress,
                                 hit: hit, request: request)
            if !queue.offer(event) { metrics.eventsDropped.increment() }
        }
    }

    /// Events stored so far and failed writes (tests, shutdown report).
    var totals: (written: Int, failures: Int) { statsLock.withLock { (written, failures) } }

    /// `/a/b?c=d` → `/a/b` (bounded).
    static func path(of target: String) -> String {
        var path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        if path.hasPrefix("http://") || path.hasPrefix("https://"), let slash = path.dropFirst(8).firstIndex(of: "/") { path = String(path[slash...]) }
        if path.utf8.count > 512 { path = String(path.prefix(512)) }
        return path.isEmpty ? "/" : path
    }

    private func run() {
        var lastRetention = Date.distantPast
        while true {
            let batch = queue.take(upTo: batchSize, timeout: flushInterval)
            if !batch.isEmpty { flush(batch) }
            if Date().timeIntervalSince(lastRetention) >= retention.intervalSeconds {
                lastRetention = Date()
                applyRetention()
            }
            if batch.isEmpty && isClosed { return }
        }
    }

    private var closedFlag = false
    private var isClosed: Bool { statsLock.withLock { closedFlag } }

    private func flush(_ batch: [HitEvent]) {
        log?.write(batch)
        guard let store else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let result = try store.write(batch, policy: policy)
            metrics.storeWriteDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            metrics.hitsSampled.increment(by: result.sampledOut)
            statsLock.withLock { written += batch.count }
            if let onNewAttack {
                for attack in result.newAttacks {
                    if let first = batch.first(where: { $0.hit.type == attack.type && $0.hit.point == attack.point && $0.endpoint == attack.endpoint }) {
                        onNewAttack(attack, first)
                    }
                }
            }
        } catch {
            metrics.storeWriteFailures.increment()
            statsLock.withLock { failures += 1 }
            FileHandle.standardError.write(Data("mirrorguard: \(error)\n".utf8))
        }
    }

    private func applyRetention() {
        guard let store, retention.maxAgeSeconds > 0 else { return }
        let cutoff = Timestamp(nanosecondsSinceEpoch: clock().nanosecondsSinceEpoch - Int64(retention.maxAgeSeconds) * 1_000_000_000)
        do {
            _ = try store.applyRetention(olderThan: cutoff, maxBytes: retention.maxBytes)
        } catch {
            metrics.storeWriteFailures.increment()
            FileHandle.standardError.write(Data("mirrorguard: \(error)\n".utf8))
        }
    }

    /// Writes what is queued, then stops (bounded by `timeout` seconds).
    func close(timeout: TimeInterval) -> Bool {
        statsLock.withLock { closedFlag = true }
        queue.close()
        let done = finished.wait(timeout: .now() + timeout) == .success
        log?.flush()
        return done
    }
}

/// Retention settings for the writer.
struct RetentionPolicy: Sendable {
    var maxAgeSeconds: Double
    var maxBytes: Int64
    var intervalSeconds: TimeInterval
}

/// The JSON Lines event log: one object per hit, full context, secrets masked.
final class EventLog: @unchecked Sendable {
    private let sink: ByteSink
    private let lock = NSLock()

    init(sink: ByteSink) {
        self.sink = sink
    }

    func write(_ events: [HitEvent]) {
        var bytes: [UInt8] = []
        for event in events { bytes += Self.line(event) }
        lock.withLock {
            sink.write(bytes)
            sink.flush()
        }
    }

    func flush() { lock.withLock { sink.flush() } }

    static func line(_ event: HitEvent) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.key("time"); writer.string(ISO8601.format(event.time)); writer.comma()
        writer.key("request_id"); writer.optionalString(event.requestID); writer.comma()
        writer.key("client"); writer.optionalString(event.clientAddress); writer.comma()
        writer.key("host"); writer.string(event.host); writer.comma()
        writer.key("method"); writer.string(event.method); writer.comma()
        writer.key("target"); writer.string(event.target); writer.comma()
        writer.key("endpoint"); writer.string(event.endpoint); writer.comma()
        writer.key("type"); writer.string(event.hit.type.rawValue); writer.comma()
        writer.key("point"); writer.string(event.hit.point); writer.comma()
        writer.key("fragment"); writer.string(event.hit.fragment); writer.comma()
        writer.key("detector"); writer.string(event.hit.detector); writer.comma()
        writer.key("context"); writer.string(event.hit.context); writer.comma()
        writer.key("reason"); writer.string(event.hit.reason); writer.comma()
        writer.key("request"); writer.string(event.request)
        writer.raw("}\n")
        return writer.bytes
    }
}

/// RFC 3339 UTC timestamps with milliseconds.
enum ISO8601 {
    static func format(_ time: Timestamp) -> String {
        let seconds = Double(time.nanosecondsSinceEpoch) / 1e9
        let date = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let millis = Int((time.nanosecondsSinceEpoch / 1_000_000) % 1000)
        func pad(_ value: Int?, _ width: Int = 2) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day))T\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second)).\(pad(millis, 3))Z"
    }

    /// Parses `2026-11-25T10:00:00Z` (fractional seconds optional) or a Unix time in seconds.
    static func parse(_ text: String) -> Timestamp? {
        if let seconds = Double(text) { return Timestamp(nanosecondsSinceEpoch: Int64(seconds * 1e9)) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Timestamp(nanosecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1e9)) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Timestamp(nanosecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1e9)) }
        return nil
    }
}
