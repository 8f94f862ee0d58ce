#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the system calls the command-line paths use, retrying on EINTR.
package enum POSIX {
    /// Writes all of `buffer` to `descriptor`; false when the descriptor refused (closed pipe, disk full).
    package static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads up to `buffer.count` bytes; 0 at end of input.
    package static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, POSIXError> {
        guard let base = buffer.baseAddress else { return .success(0) }
        while true {
            let count = systemRead(descriptor, base, buffer.count)
            if count >= 0 { return .success(count) }
            if errno == EINTR { continue }
            return .failure(POSIXError(code: errno))
        }
    }

    /// Opens a file for reading; nil with a message on failure.
    package static func openForReading(_ path: String) -> Result<Int32, POSIXError> {
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 { return .failure(POSIXError(code: errno)) }
        var info = stat()
        if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            return .failure(POSIXError(code: EISDIR))
        }
        return .success(descriptor)
    }

    /// The size of an open regular file, if known.
    package static func fileSize(_ descriptor: Int32) -> Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    package static func closeDescriptor(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    /// Nanoseconds from a monotonic clock.
    package static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// True when the descriptor is a terminal.
    package static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }

    private static func systemRead(_ descriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(descriptor, base, count)
        #else
        return Darwin.read(descriptor, base, count)
        #endif
    }
}

/// An errno with its message.
package struct POSIXError: Error, CustomStringConvertible {
    package let code: Int32
    package var description: String { String(cString: strerror(code)) }
}
