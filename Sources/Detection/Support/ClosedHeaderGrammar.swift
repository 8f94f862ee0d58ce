import MirrorGuardCore

/// Header fields whose grammar admits only tokens, `type/subtype`, and `;name=value` parameters in a comma list,
/// as browsers send them (`Accept: text/html,*/*;q=0.8`, `Accept-Encoding: gzip, br`, `Connection: keep-alive`,
/// `Content-Type: multipart/form-data; boundary=----x`).
/// A value that keeps to that grammar with a narrow token alphabet — letters, digits, `-`, `.`, `_`, `+`, `*` —
/// carries no quote, bracket, brace, `%`, `$`, `\`, second `/` or space inside an element: nothing any injection
/// needs. The analyzer lets only the scanner detector read such values (a callback domain is a token too); any
/// value outside the grammar goes through every detector as before.
enum ClosedHeaderGrammar {
    /// Point names of the fields with a closed grammar.
    static let names: Set<String> = [
        "header.accept", "header.accept-encoding", "header.accept-language", "header.accept-charset", "header.connection",
        "header.cache-control", "header.pragma", "header.upgrade-insecure-requests", "header.dnt", "header.te",
        "header.sec-fetch-site", "header.sec-fetch-mode", "header.sec-fetch-dest", "header.content-type",
    ]

    /// Longest value read as closed; longer ones get every detector.
    static let maxBytes = 512

    /// Whether `point` is such a field and `value` keeps to the grammar (`inout` only so the analyser's point is not
    /// copied; nothing writes it).
    static func isClosed(_ point: inout Point, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard point.location == .header, value.count <= maxBytes, case .none = point.lazyName.tail, isClosedName(point.lazyName.prefix) else {
            return false
        }
        return accepts(value)
    }

    /// The names as bytes by length, compared in place (no hashing of the point name for every header).
    private static let namesByLength: [[[UInt8]]] = {
        var buckets = [[[UInt8]]](repeating: [], count: 40)
        for name in names where name.utf8.count < buckets.count { buckets[name.utf8.count].append(Array(name.utf8)) }
        return buckets
    }()

    private static func isClosedName(_ name: String) -> Bool {
        let count = name.utf8.count
        let buckets = namesByLength
        guard count < buckets.count, !buckets[count].isEmpty else { return false }
        var name = name
        return name.withUTF8 { bytes in
            buckets[count].contains { candidate in
                for index in 0..<count where candidate[index] != bytes[index] { return false }
                return true
            }
        }
    }

    /// `element *( OWS "," OWS element )`, `element = token [ ("/" | "=") token ] *( OWS ";" OWS token "=" token )`.
    static func accepts(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func blanks() { while index < value.count, value[index] == ASCII.space || value[index] == ASCII.tab { index += 1 } }
        func token() -> Bool {
            let start = index
            while index < value.count, isTokenByte(value[index]) { index += 1 }
            return index > start
        }
        while true {
            guard token() else { return false }
            if index < value.count, value[index] == ASCII.slash || value[index] == ASCII.equals {
                // `type/subtype`, or a directive with its value (`max-age=0`).
                index += 1
                guard token() else { return false }
            }
            while true {
                blanks()
                guard index < value.count, value[index] == ASCII.semicolon else { break }
                index += 1
                blanks()
                guard token(), index < value.count, value[index] == ASCII.equals else { return false }
                index += 1
                guard token() else { return false }
            }
            if index == value.count { return true }
            guard value[index] == ASCII.comma else { return false }
            index += 1
            blanks()
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.minus || byte == ASCII.dot || byte == 0x5F || byte == ASCII.plus
            || byte == ASCII.star
    }
}
