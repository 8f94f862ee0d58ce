import MirrorGuardCore

/// Server-side request forgery: a value that is a URL the server would fetch, aimed inside its network —
/// loopback, private and link-local ranges, cloud metadata services, internal DNS names, wildcard DNS names
/// that resolve to such addresses — in any address notation (`HostClassification`), or a URL with a scheme
/// that turns a fetch into a raw protocol client (`gopher://`, `dict://`, `ldap://`, `tftp://`, `jar:`).
public struct ServerSideRequestForgeryDetector: PointDetector {
    public var id: String { "ssrf.url" }
    public var attackType: AttackType { AttackType.ssrf }

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.colon) || profile.hasAny([.slash, .backslash]) }

    /// Schemes a URL fetcher should never follow from user input.
    static let dangerousSchemes: Set<String> = ["gopher", "dict", "tftp", "ldap", "ldaps", "ldapi", "jar", "netdoc", "sftp", "ssh2.exec",
        "ssh2.shell", "rmi", "iiop", "jnlp", "mailto+smtp", "telnet", "redis", "mongodb", "memcached", "fastcgi", "smb"]

    /// Parameter names that legitimately carry loopback URLs: OAuth native-app redirects (RFC 8252).
    static let loopbackCallbackNames: [StaticString] = ["redirect_uri", "redirect_url", "callback", "callback_url", "callbackurl"]

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) || Self.isBrowserHeader(point) { return }
        var start = 0
        if point.location == .path {
            // A URL carried in the URL path (`/proxy/http://10.0.0.1/`): read it from its scheme.
            guard let found = Self.embeddedURLStart(value) else { return }
            start = found
        }
        guard let url = URLReading(UnsafeBufferPointer(rebasing: value[start...])) else { return }
        let scheme = url.schemeName
        var reason: String?
        if Self.dangerousSchemes.contains(scheme) {
            reason = "a `\(scheme):` URL turns a server-side fetch into a raw protocol client"
        } else if url.hasAuthority {
            let host = url.hostBytes
            if host.first == ASCII.dollar && host.dropFirst().first == ASCII.leftBrace {
                reason = "the host is taken from a server-side variable"
            }
            let target = HostClassification(host)
            // A URL to the very host the request was sent to is the application referring to itself.
            if reason == nil && target.isInternal && host != context.host {
                if target.target == .loopback && (scheme == "http" || scheme == "https") && Self.isLoopbackCallback(point) { return }
                reason = Self.describe(target)
            }
        }
        guard let reason else { return }
        let fragment = Fragment.text(value, 0..<value.count)
        hits.append(Hit(type: .ssrf, point: point.name, fragment: fragment, detector: id, context: "url", reason: reason))
    }

    /// The start of a `scheme://` inside a value.
    static func embeddedURLStart(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 1
        while index + 2 < value.count {
            if value[index] == ASCII.colon && value[index + 1] == ASCII.slash && value[index + 2] == ASCII.slash {
                var start = index
                while start > 0 && ASCII.isLetter(value[start - 1]) { start -= 1 }
                return start < index ? start : nil
            }
            index += 1
        }
        return nil
    }

    static func describe(_ target: HostClassification) -> String {
        var text: String
        switch target.target {
        case .metadata: text = "the URL points at a cloud metadata service"
        case .loopback: text = "the URL points at the server itself (loopback)"
        case .unspecified: text = "the URL points at 0.0.0.0, the server itself"
        case .privateNetwork: text = "the URL points into a private network"
        case .linkLocal: text = "the URL points at a link-local address"
        case .internalName: text = "the URL names an internal-only host"
        case .publicAddress, .name, .invalid: text = "the URL points inside the network"
        }
        if target.rebinding { text += ", through a wildcard DNS name" }
        if target.obfuscatedNumeric { text += ", written in an unusual address notation" }
        return text
    }

    /// `Referer`, `Origin` and `Host` are set by browsers and proxies, not by the person typing.
    static func isBrowserHeader(_ point: Point) -> Bool {
        guard point.location == .header else { return false }
        let name = point.name
        return name == "header.referer" || name == "header.origin" || name == "header.host"
    }

    private static func isLoopbackCallback(_ point: Point) -> Bool {
        let name = Array(point.name.utf8)
        return loopbackCallbackNames.contains { candidate in
            let count = candidate.utf8CodeUnitCount
            return name.count >= count && ASCII.equalsIgnoringCase(name.suffix(count), candidate)
        }
    }
}
