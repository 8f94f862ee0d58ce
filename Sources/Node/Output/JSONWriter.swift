import MirrorGuardCore

/// Appends JSON to a byte buffer without building intermediate strings; attacker bytes are escaped and
/// invalid UTF-8 becomes U+FFFD, so every line written is valid JSON.
package struct JSONWriter {
    /// The bytes written so far.
    package var bytes: [UInt8] = []

    package init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func key(_ name: StaticString) {
        bytes.append(ASCII.quote)
        raw(name)
        bytes.append(ASCII.quote)
        bytes.append(ASCII.colon)
    }

    package mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { escaped($0) }
    }

    package mutating func string(bytes value: [UInt8]) {
        if Bytes.isValidUTF8(value) {
            value.withUnsafeBufferPointer { escaped($0) }
        } else {
            string(String(decoding: value, as: UTF8.self))
        }
    }

    package mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    package mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func optionalInteger(_ value: Int?) {
        if let value { integer(value) } else { raw("null") }
    }

    package mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    package mutating func comma() { bytes.append(ASCII.comma) }

    /// Runs of bytes that need no escape are appended whole; only quotes, backslashes and controls are looked at
    /// one by one.
    private mutating func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(ASCII.quote)
        var start = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash || byte == 0x7F else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
            start = index + 1
            switch byte {
            case ASCII.quote: bytes.append(ASCII.backslash); bytes.append(ASCII.quote)
            case ASCII.backslash: bytes.append(ASCII.backslash); bytes.append(ASCII.backslash)
            case ASCII.lf: bytes.append(ASCII.backslash); bytes.append(0x6E)
            case ASCII.cr: bytes.append(ASCII.backslash); bytes.append(0x72)
            case ASCII.tab: bytes.append(ASCII.backslash); bytes.append(0x74)
            default:
                raw("\\u00")
                bytes.append(Self.hex(byte >> 4))
                bytes.append(Self.hex(byte & 0x0F))
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        bytes.append(ASCII.quote)
    }

    private static func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10 }
}
