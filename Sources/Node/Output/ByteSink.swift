/// Where scan output goes: stdout in the command, memory in tests.
package protocol ByteSink: AnyObject {
    func write(_ bytes: [UInt8])
    func flush()
}

/// Buffered writes to a file descriptor (stdout by default); blocks of 256 KiB.
package final class FileDescriptorSink: ByteSink {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let blockSize = 256 * 1024
    /// Set when a write failed (a closed pipe): output stops, the scan still finishes.
    package private(set) var failed = false

    package init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        buffer.reserveCapacity(blockSize)
    }

    package func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= blockSize { flush() }
    }

    package func flush() {
        guard !buffer.isEmpty, !failed else { buffer.removeAll(keepingCapacity: true); return }
        if !buffer.withUnsafeBytes({ POSIX.writeAll(descriptor, $0) }) { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Collects output in memory (tests).
package final class MemorySink: ByteSink {
    package private(set) var bytes: [UInt8] = []
    package init() {}
    package func write(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
    package func flush() {}
    /// The output split into lines.
    package var lines: [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}
