import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lowers the calling thread's scheduling priority (Linux threads have their own nice value): analysis and
/// storage yield the CPU to the mirror listener, so answering copies does not depend on analysis load.
func lowerCurrentThreadPriority(by amount: Int32 = 10) {
    #if os(Linux)
    // Under Linux NPTL the nice value is per thread and `who == 0` names the calling thread.
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, amount)
    #endif
}

/// A fixed-capacity multi-producer, multi-consumer queue. `offer` never blocks (a full queue refuses);
/// `take` blocks until an item arrives or the queue is closed and empty.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var storage: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    /// The most items held at once.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = Array(repeating: nil, count: self.capacity)
    }

    /// Adds an item unless the queue is full or closed; never waits.
    func offer(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, count < capacity else { return false }
        storage[(head + count) % capacity] = element
        count += 1
        condition.signal()
        return true
    }

    /// The next item, waiting for one; nil once the queue is closed and drained.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        return popLocked()
    }

    /// Up to `maximum` items, waiting at most `timeout` seconds for the first.
    func take(upTo maximum: Int, timeout: TimeInterval) -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        if count == 0 && !closed { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        var items: [Element] = []
        while items.count < maximum, let item = popLocked() { items.append(item) }
        return items
    }

    private func popLocked() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % capacity
        count -= 1
        return element
    }

    /// Items waiting.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Refuses new items; consumers drain what is left, then get nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
