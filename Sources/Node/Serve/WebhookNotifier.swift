import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import MirrorGuardCore
import Storage

/// POSTs each new attack as JSON to a webhook. Notifications wait in a bounded queue on their own thread
/// (full means dropped and counted); each is tried a bounded number of times. Analysis never waits for it.
final class WebhookNotifier: @unchecked Sendable {
    private let url: URL?
    private let attempts: Int
    private let timeout: Double
    private let metrics: NodeMetrics
    private let logger: Logger
    private let queue = BoundedQueue<[UInt8]>(capacity: 1000)
    private let finished = DispatchSemaphore(value: 0)

    init(url: String, attempts: Int, timeout: Double, metrics: NodeMetrics, logger: Logger) {
        self.url = URL(string: url)
        self.attempts = max(attempts, 1)
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
        let thread = Thread { [unowned self] in
            while let body = self.queue.take() { self.deliver(body) }
            self.finished.signal()
        }
        thread.name = "mirrorguard-webhook"
        thread.start()
    }

    func notify(_ attack: AttackRecord, first: HitEvent) {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{"); writer.key("event"); writer.string("attack.new"); writer.comma()
        writer.key("attack"); AdminAPI.write(attack, to: &writer); writer.comma()
        writer.key("first_hit"); AdminAPI.write(first, to: &writer)
        writer.raw("}")
        if !queue.offer(writer.bytes) { metrics.webhookFailures.increment() }
    }

    private func deliver(_ body: [UInt8]) {
        guard let url else { return }
        for attempt in 1...attempts {
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var status = 0
            let task = URLSession.shared.dataTask(with: request) { _, response, _ in
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
                done.signal()
            }
            task.resume()
            if done.wait(timeout: .now() + timeout + 1) == .timedOut { task.cancel() }
            if (200..<300).contains(status) { return }
            if attempt < attempts { Thread.sleep(forTimeInterval: min(0.2 * Double(attempt), 2)) }
        }
        metrics.webhookFailures.increment()
        logger.warning("webhook delivery to \(url.absoluteString) failed after \(attempts) attempts")
    }

    func close(timeout: Double) {
        queue.close()
        _ = finished.wait(timeout: .now() + timeout)
    }
}
