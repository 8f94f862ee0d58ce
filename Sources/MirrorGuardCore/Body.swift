/// A message body as far as it was kept: bytes up to the inspection limit plus what was seen on the wire.
public struct Body: Sendable, Hashable {
    /// The bytes kept for inspection (de-chunked), at most `ParsingLimits.maxBodyBytes`.
    public var bytes: [UInt8]
    /// The length the message declared in `Content-Length`, if it declared one.
    public var declaredLength: Int?
    /// How many body bytes arrived (after de-chunking), including those not kept.
    public var receivedLength: Int
    /// True when fewer bytes were kept than the message carried or declared.
    public var isTruncated: Bool
    /// True when the body arrived with chunked transfer coding.
    public var isChunked: Bool

    /// An empty body.
    public static let empty = Body(bytes: [], declaredLength: nil, receivedLength: 0, isTruncated: false, isChunked: false)

    /// Creates a body from its parts.
    public init(bytes: [UInt8], declaredLength: Int? = nil, receivedLength: Int? = nil, isTruncated: Bool = false, isChunked: Bool = false) {
        self.bytes = bytes
        self.declaredLength = declaredLength
        self.receivedLength = receivedLength ?? bytes.count
        self.isTruncated = isTruncated
        self.isChunked = isChunked
    }

    /// True when no body byte was received.
    public var isEmpty: Bool { receivedLength == 0 && bytes.isEmpty }
}
