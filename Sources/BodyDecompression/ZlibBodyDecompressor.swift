import CompressNIO
import NIOCore
import RequestParsing

/// Inflates gzip and deflate request bodies with zlib (through compress-nio), never past the cap:
/// output goes into one buffer of `maxOutputBytes`, so a gzip bomb costs at most that much memory.
public struct ZlibBodyDecompressor: BodyDecompressor {
    /// Creates the decompressor.
    public init() {}

    public func decompress(_ bytes: [UInt8], coding: ContentCoding, maxOutputBytes: Int) -> DecompressionResult {
        guard !bytes.isEmpty, maxOutputBytes > 0 else {
            return DecompressionResult(bytes: [], reachedLimit: false, failed: !bytes.isEmpty)
        }
        switch coding {
        case .gzip:
            return inflate(bytes, algorithm: .gzip, maxOutputBytes: maxOutputBytes)
        case .deflate:
            // RFC 9110 "deflate" is zlib-wrapped; some clients send raw deflate. Try both.
            let wrapped = inflate(bytes, algorithm: .zlib, maxOutputBytes: maxOutputBytes)
            if wrapped.failed && wrapped.bytes.isEmpty {
                return inflate(bytes, algorithm: .deflate, maxOutputBytes: maxOutputBytes)
            }
            return wrapped
        }
    }

    private func inflate(_ bytes: [UInt8], algorithm: ZlibAlgorithm, maxOutputBytes: Int) -> DecompressionResult {
        var input = ByteBuffer(bytes: bytes)
        // One spare byte tells "exactly at the cap" from "more than the cap".
        var output = ByteBufferAllocator().buffer(capacity: maxOutputBytes + 1)
        do {
            let decompressor = try ZlibDecompressor(algorithm: algorithm)
            try decompressor.inflate(from: &input, to: &output)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            return DecompressionResult(bytes: Array(output.readableBytesView.prefix(maxOutputBytes)), reachedLimit: true, failed: false)
        } catch let error as CompressNIOError where error == .inputBufferOverflow {
            // The stream ended early (truncated body): keep what inflated.
            return DecompressionResult(bytes: limited(output, maxOutputBytes), reachedLimit: output.readableBytes > maxOutputBytes, failed: false)
        } catch {
            return DecompressionResult(bytes: limited(output, maxOutputBytes), reachedLimit: false, failed: true)
        }
        return DecompressionResult(bytes: limited(output, maxOutputBytes), reachedLimit: output.readableBytes > maxOutputBytes, failed: false)
    }

    private func limited(_ buffer: ByteBuffer, _ maxOutputBytes: Int) -> [UInt8] {
        Array(buffer.readableBytesView.prefix(maxOutputBytes))
    }
}
