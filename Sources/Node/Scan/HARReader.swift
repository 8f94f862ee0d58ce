import Foundation
import MirrorGuardCore

/// Streams the entries of a HAR file (`log.entries[*]`) without holding the whole file: a byte-level
/// splitter cuts each entry out as it arrives, and only that entry is parsed.
package struct HAREntrySplitter {
    private enum Container { case object, array }
    private struct Frame {
        var container: Container
        var key: [UInt8]?
    }

    /// Largest entry kept; larger ones are reported and skipped. Default 64 MiB.
    package let maxEntryBytes: Int
    private var stack: [Frame] = []
    private var inString = false
    private var escaped = false
    private var stringBytes: [UInt8] = []
    private var lastString: [UInt8]? = nil
    private var pendingKey: [UInt8]? = nil
    private var capture: [UInt8] = []
    private var capturing = false
    private var captureDepth = 0
    private var captureOversized = false
    private var offset = 0
    private var entryStart = 0
    /// True once a `log.entries` array was seen.
    package private(set) var sawEntries = false

    /// One entry cut out of the stream, or one that could not be kept.
    package enum Output {
        case entry(bytes: [UInt8], offset: Int)
        case oversized(offset: Int, length: Int)
    }

    package init(maxEntryBytes: Int = 64 << 20) {
        self.maxEntryBytes = maxEntryBytes
    }

    package mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into outputs: inout [Output]) {
        for byte in bytes {
            step(byte, into: &outputs)
            offset += 1
        }
    }

    private mutating func step(_ byte: UInt8, into outputs: inout [Output]) {
        if capturing {
            if capture.count < maxEntryBytes { capture.append(byte) } else { captureOversized = true }
        }
        if inString {
            if escaped { escaped = false }
            else if byte == ASCII.backslash { escaped = true }
            else if byte == ASCII.quote { inString = false; lastString = stringBytes; return }
            if !capturing && stringBytes.count < 64 { stringBytes.append(byte) }
            return
        }
        switch byte {
        case ASCII.quote:
            inString = true
            stringBytes.removeAll(keepingCapacity: true)
        case ASCII.colon:
            pendingKey = lastString
        case ASCII.comma:
            pendingKey = nil
        case ASCII.leftBrace, ASCII.leftBracket:
            if !capturing && isAtEntriesArray && byte == ASCII.leftBrace {
                capturing = true
                captureDepth = stack.count
                capture = [byte]
                captureOversized = false
                entryStart = offset
            }
            let frame = Frame(container: byte == ASCII.leftBrace ? .object : .array, key: pendingKey)
            stack.append(frame)
            pendingKey = nil
            if isAtEntriesArray { sawEntries = true }
        case ASCII.rightBrace, ASCII.rightBracket:
            _ = stack.popLast()
            pendingKey = nil
            if capturing && stack.count == captureDepth {
                capturing = false
                if captureOversized {
                    outputs.append(.oversized(offset: entryStart, length: offset - entryStart + 1))
                } else {
                    outputs.append(.entry(bytes: capture, offset: entryStart))
                }
                capture = []
            }
        default:
            break
        }
    }

    /// The innermost container is the `entries` array inside `log` inside the root object.
    private var isAtEntriesArray: Bool {
        guard stack.count == 3 else { return false }
        return stack[0].container == .object && stack[1].container == .object && stack[1].key == Array("log".utf8)
            && stack[2].container == .array && stack[2].key == Array("entries".utf8)
    }
}

/// Turns one HAR entry (JSON bytes) into an exchange.
package enum HAREntryDecoder {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package static func exchange(from bytes: [UInt8]) -> Result<Exchange, Failure> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            return .failure(Failure(description: "invalid JSON in HAR entry"))
        }
        guard let entry = object as? [String: Any], let request = entry["request"] as? [String: Any] else {
            return .failure(Failure(description: "HAR entry without a request object"))
        }
        guard let method = request["method"] as? String, let url = request["url"] as? String else {
            return .failure(Failure(description: "HAR request without method or url"))
        }
        var headers = HeaderFields()
        var authority: String?
        for header in request["headers"] as? [[String: Any]] ?? [] {
            guard let name = header["name"] as? String else { continue }
            let value = header["value"] as? String ?? ""
            if name.hasPrefix(":") {
                if name == ":authority" { authority = value }
                continue
            }
            headers.append(name: name, value: Array(value.utf8))
        }
        let (target, urlHost) = splitURL(url)
        if !headers.contains(lowercase: "host"), let host = authority ?? urlHost {
            headers.append(name: "Host", value: Array(host.utf8))
        }
        var body: [UInt8] = []
        if let postData = request["postData"] as? [String: Any] {
            if let text = postData["text"] as? String {
                if (postData["encoding"] as? String)?.lowercased() == "base64", let data = Data(base64Encoded: text) {
                    body = Array(data)
                } else {
                    body = Array(text.utf8)
                }
            } else if let params = postData["params"] as? [[String: Any]] {
                body = Array(params.map { param in
                    formEncode(param["name"] as? String ?? "") + "=" + formEncode(param["value"] as? String ?? "")
                }.joined(separator: "&").utf8)
            }
            if !headers.contains(lowercase: "content-type"), let mime = postData["mimeType"] as? String, !mime.isEmpty {
                headers.append(name: "Content-Type", value: Array(mime.utf8))
            }
        }
        let version = parseVersion(request["httpVersion"] as? String)
        let httpRequest = HTTPRequest(method: Array(method.utf8), target: Array(target.utf8), version: version, headers: headers, body: Body(bytes: body))
        var exchange = Exchange(request: httpRequest, source: .scan)
        exchange.connection.requestID = headers.firstString(lowercase: "x-request-id")
        exchange.connection.host = headers.firstString(lowercase: "host")
        if let address = entry["serverIPAddress"] as? String { exchange.connection.serverAddress = address }
        if let response = entry["response"] as? [String: Any] { exchange.response = decodeResponse(response) }
        return .success(exchange)
    }

    private static func decodeResponse(_ response: [String: Any]) -> HTTPResponse? {
        guard let status = response["status"] as? Int, status > 0 else { return nil }
        var headers = HeaderFields()
        for header in response["headers"] as? [[String: Any]] ?? [] {
            guard let name = header["name"] as? String, !name.hasPrefix(":") else { continue }
            headers.append(name: name, value: Array((header["value"] as? String ?? "").utf8))
        }
        var body: [UInt8] = []
        if let content = response["content"] as? [String: Any], let text = content["text"] as? String {
            if (content["encoding"] as? String)?.lowercased() == "base64", let data = Data(base64Encoded: text) {
                body = Array(data)
            } else {
                body = Array(text.utf8)
            }
        }
        return HTTPResponse(version: parseVersion(response["httpVersion"] as? String), status: status,
                            reason: Array((response["statusText"] as? String ?? "").utf8), headers: headers, body: Body(bytes: body))
    }

    /// `https://host:443/a?b` → (`/a?b`, `host:443`); an origin-form URL is returned as is.
    static func splitURL(_ url: String) -> (target: String, host: String?) {
        guard let schemeEnd = url.range(of: "://") else { return (url.isEmpty ? "/" : url, nil) }
        let afterScheme = url[schemeEnd.upperBound...]
        let pathStart = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        var target = String(afterScheme[pathStart...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        let host = String(afterScheme[..<pathStart])
        return (target, host.isEmpty ? nil : host)
    }

    private static func parseVersion(_ text: String?) -> HTTPVersion {
        switch text?.uppercased() {
        case "HTTP/1.0": return .http10
        case "HTTP/2", "HTTP/2.0", "H2": return HTTPVersion(major: 2, minor: 0)
        case "HTTP/3", "HTTP/3.0", "H3": return HTTPVersion(major: 3, minor: 0)
        default: return .http11
        }
    }

    private static func formEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.minus || byte == ASCII.dot || byte == 0x5F || byte == 0x7E {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == ASCII.space {
                output += "+"
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
