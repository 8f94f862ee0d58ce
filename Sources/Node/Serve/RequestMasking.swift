import MirrorGuardCore

/// Renders a request for storage with secrets masked: Authorization, cookies, API keys and password-like
/// fields never reach the database or the event log in clear. Bounded in size.
enum RequestMasking {
    static let sensitiveHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "x-csrf-token", "x-csrftoken"]
    static let maxBytes = 8 * 1024

    static func render(_ request: HTTPRequest) -> String {
        var text = request.methodString + " " + request.targetString + " " + request.version.description + "\r\n"
        for field in request.headers {
            let name = field.name.lowercased()
            text += field.name + ": " + (sensitiveHeaders.contains(name) ? "***" : field.valueString) + "\r\n"
            if text.utf8.count > maxBytes { break }
        }
        text += "\r\n"
        if !request.body.bytes.isEmpty {
            let body = String(decoding: request.body.bytes.prefix(maxBytes), as: UTF8.self)
            text += maskSecrets(in: body)
        }
        if text.utf8.count > maxBytes {
            var cut = ""
            for character in text {
                if cut.utf8.count + character.utf8.count > maxBytes - 3 { break }
                cut.append(character)
            }
            text = cut + "..."
        }
        return text
    }

    /// `password=…` (forms) and `"password": "…"` (JSON) for keys that name secrets.
    static func maskSecrets(in body: String) -> String {
        var output = ""
        var rest = Substring(body)
        while let match = nextSecret(in: rest) {
            output += rest[rest.startIndex..<match.valueStart]
            output += "***"
            rest = rest[match.valueEnd...]
        }
        return output + rest
    }

    private static let secretWords = ["pass", "secret", "token", "apikey", "api_key", "pwd", "credential", "otp"]

    private static func nextSecret(in text: Substring) -> (valueStart: Substring.Index, valueEnd: Substring.Index)? {
        var index = text.startIndex
        while index < text.endIndex {
            // A key: letters, digits, _ - after a delimiter.
            let keyStart = index
            var keyEnd = index
            while keyEnd < text.endIndex, text[keyEnd].isLetter || text[keyEnd].isNumber || text[keyEnd] == "_" || text[keyEnd] == "-" {
                keyEnd = text.index(after: keyEnd)
            }
            if keyEnd > keyStart {
                let key = text[keyStart..<keyEnd].lowercased()
                if secretWords.contains(where: { key.contains($0) }) {
                    var cursor = keyEnd
                    if cursor < text.endIndex, text[cursor] == "\"" { cursor = text.index(after: cursor) }
                    while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
                    if cursor < text.endIndex, text[cursor] == "=" || text[cursor] == ":" {
                        cursor = text.index(after: cursor)
                        while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
                        let quoted = cursor < text.endIndex && text[cursor] == "\""
                        if quoted { cursor = text.index(after: cursor) }
                        let valueStart = cursor
                        while cursor < text.endIndex {
                            let character = text[cursor]
                            if quoted ? character == "\"" : (character == "&" || character == "," || character == "}" || character == "\r" || character == "\n") { break }
                            cursor = text.index(after: cursor)
                        }
                        if cursor > valueStart { return (valueStart, cursor) }
                    }
                }
                index = keyEnd
            } else {
                index = text.index(after: index)
            }
        }
        return nil
    }
}
