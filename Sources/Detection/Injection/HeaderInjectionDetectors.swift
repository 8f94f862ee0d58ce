import MirrorGuardCore

/// Line breaks inside a value, raw or still encoded (`%0d%0a`, `%250a`, `%u000a`, `\r\n` written out), each
/// followed by the line that comes after it. Shared by the CRLF and mail header injection detectors.
struct LineBreaks {
    /// Bytes of a value scanned.
    static let maxBytes = 8192

    /// Calls `body` with the start of each line that follows a break, and whether the break was encoded.
    static func forEachLine(in value: UnsafeBufferPointer<UInt8>, _ body: (Int, Bool) -> Bool) {
        var index = 0
        let end = min(value.count, maxBytes)
        while index < end {
            var breakEnd = -1
            var encoded = false
            let byte = value[index]
            if byte == ASCII.cr || byte == ASCII.lf {
                breakEnd = index + 1
            } else if byte == ASCII.percent, let length = encodedBreakLength(value, index) {
                breakEnd = index + length
                encoded = true
            } else if byte == ASCII.backslash && index + 1 < end && (value[index + 1] == 0x72 || value[index + 1] == 0x6E) {
                breakEnd = index + 2
                encoded = true
            }
            guard breakEnd >= 0 else {
                index += 1
                continue
            }
            // A CRLF pair (or a run of breaks) is one break.
            var next = breakEnd
            // `%%0a0a` decoded once reads `%`, a break, `0a`: the remnant of a nested encoding that a filter
            // stripping `%0a` would turn back into a break. Skip the remnant so the line starts after it.
            if !encoded, index > 0, value[index - 1] == ASCII.percent, next + 1 < end, value[next] == 0x30,
               value[next + 1] | 0x20 == 0x61 || value[next + 1] | 0x20 == 0x64 {
                next += 2
                encoded = true
            }
            while next < end {
                if value[next] == ASCII.cr || value[next] == ASCII.lf {
                    next += 1
                } else if value[next] == ASCII.percent, let length = encodedBreakLength(value, next) {
                    next += length
                    encoded = true
                } else if value[next] == ASCII.backslash && next + 1 < end && (value[next + 1] == 0x72 || value[next + 1] == 0x6E) {
                    next += 2
                } else {
                    break
                }
            }
            if !body(next, encoded) { return }
            index = next
        }
    }

    /// `%0a`, `%0d`, `%250a`, `%25%30a`, `%%0a0a`, `%u000a`: the length of an encoded line break at `index`.
    private static func encodedBreakLength(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int? {
        let rest = UnsafeBufferPointer(rebasing: value[index...])
        for form: StaticString in ["%0a", "%0d", "%250a", "%250d", "%25250a", "%25250d", "%u000a", "%u000d", "%25%30a", "%25%30d",
            "%25%30%61", "%25%30%64", "%%0a0a", "%%0d0d", "%e5%98%8a", "%e5%98%8d"] where ASCII.hasPrefixIgnoringCase(rest, form) {
            return form.utf8CodeUnitCount
        }
        return nil
    }

    /// The header-like name at `start` (`Set-Cookie:` → `set-cookie`), after optional spaces.
    static func headerName(_ value: UnsafeBufferPointer<UInt8>, _ start: Int) -> (name: String, end: Int)? {
        var index = start
        while index < value.count && (value[index] == ASCII.space || value[index] == ASCII.tab) { index += 1 }
        let nameStart = index
        while index < value.count && index - nameStart < 40 && (ASCII.isLetter(value[index]) || ASCII.isDigit(value[index]) || value[index] == ASCII.minus) {
            index += 1
        }
        guard index > nameStart, index < value.count, value[index] == ASCII.colon else { return nil }
        return (Bytes.lowercasedString(Array(value[nameStart..<index])[...]), index + 1)
    }
}

/// CRLF injection / HTTP response splitting: a line break, raw or encoded, followed by an HTTP header
/// (`Set-Cookie:`, `Location:`, `Content-Length:`, any `X-…:`) or a status line (`HTTP/1.1 200`). In values
/// that may hold multi-line text (form and JSON fields), only a break still encoded counts, or a header no
/// prose starts a line with.
public struct CRLFInjectionDetector: PointDetector {
    public var id: String { "crlf.header" }
    public var attackType: AttackType { AttackType.crlf }

    public init() {}

    /// Response headers an attacker sets through a split response.
    static let responseHeaders: Set<String> = [
        "set-cookie", "location", "content-length", "content-type", "transfer-encoding", "refresh", "content-security-policy",
        "access-control-allow-origin", "access-control-allow-credentials", "cache-control", "content-disposition", "link",
        "x-xss-protection", "x-frame-options", "strict-transport-security", "set-cookie2", "host", "connection", "upgrade",
        "content-encoding", "www-authenticate", "vary", "etag", "expires", "pragma", "server", "x-forwarded-for", "x-forwarded-host",
    ]
    /// Headers that prose never begins a line with.
    static let unmistakable: Set<String> = [
        "set-cookie", "content-length", "transfer-encoding", "content-security-policy", "access-control-allow-origin",
        "access-control-allow-credentials", "x-xss-protection", "strict-transport-security", "set-cookie2", "content-encoding",
        "www-authenticate", "x-forwarded-for", "x-forwarded-host", "x-frame-options", "content-disposition",
    ]

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.control) || profile.hasAny(.percent) || profile.hasAny(.backslash) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        // Where a value can hold text with newlines, a raw break starts just another line.
        let multiline = point.location == .body
        var found: (Int, String)?
        LineBreaks.forEachLine(in: value) { start, encoded in
            if start + 8 < value.count, ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[start...]), "HTTP/1."),
                ASCII.isDigit(value[start + 7]) {
                found = (start, "a line break followed by a second HTTP status line (response splitting)")
                return false
            }
            guard let (name, _) = LineBreaks.headerName(value, start) else { return true }
            let isHeader = Self.responseHeaders.contains(name) || (name.hasPrefix("x-") && name.count > 3)
            guard isHeader else { return true }
            if multiline && !encoded && !Self.unmistakable.contains(name) { return true }
            found = (start, "a line break followed by a `\(name):` header")
            return false
        }
        guard let (start, reason) = found else { return }
        hits.append(Hit(type: .crlf, point: point.name, fragment: Fragment.text(value, max(0, start - 6)..<value.count), detector: id,
            context: "header", reason: reason))
    }
}

/// Mail header injection: a line break followed by a mail header (`Bcc:`, `Cc:`, `To:`, …) or an SMTP
/// command (`RCPT TO:`, `DATA`) in a value that is a single line — an address, a subject, a name.
public struct MailInjectionDetector: PointDetector {
    public var id: String { "mail_injection.header" }
    public var attackType: AttackType { AttackType.mailInjection }

    public init() {}

    static let mailHeaders: Set<String> = ["bcc", "cc", "to", "from", "subject", "reply-to", "sender", "return-path", "mime-version",
        "content-transfer-encoding", "content-type", "x-mailer"]
    static let smtpCommands: [StaticString] = ["RCPT TO:", "MAIL FROM:", "DATA\r", "DATA\n", "HELO ", "EHLO ", "QUIT"]

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.control) || profile.hasAny(.percent) || profile.hasAny(.backslash) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) { return }
        var found: (Int, String)?
        var firstBreak = true
        LineBreaks.forEachLine(in: value) { start, encoded in
            defer { firstBreak = false }
            // The line before the first break: an address or a short field, not a paragraph.
            if firstBreak && !encoded && !Self.singleLineField(value, upTo: start) { return false }
            if let (name, _) = LineBreaks.headerName(value, start), Self.mailHeaders.contains(name) {
                found = (start, "a line break followed by the mail header `\(name):`")
                return false
            }
            let rest = UnsafeBufferPointer(rebasing: value[start...])
            for command in Self.smtpCommands where ASCII.hasPrefixIgnoringCase(rest, command) {
                found = (start, "a line break followed by an SMTP command")
                return false
            }
            // Only the line right after the field's own (first) line: later lines of a message are the message.
            return encoded
        }
        guard let (start, reason) = found else { return }
        hits.append(Hit(type: .mailInjection, point: point.name, fragment: Fragment.text(value, max(0, start - 6)..<value.count), detector: id,
            context: "mail-header", reason: reason))
    }

    /// The text before the first break has an `@` or at most 64 bytes with at most 3 spaces.
    private static func singleLineField(_ value: UnsafeBufferPointer<UInt8>, upTo end: Int) -> Bool {
        let line = value[0..<min(end, value.count)]
        if line.contains(ASCII.at) { return true }
        return line.count <= 64 && line.count(where: { $0 == ASCII.space }) <= 3
    }
}
