import MirrorGuardCore

/// Open redirect: a value that sends a browser to another site. Two rules:
/// - anywhere, URL forms that exist only to make a redirect filter and the browser disagree: `//evil` with no
///   path, `///evil`, backslashes (`/\evil`, `\/\/evil`), tabs or newlines inside, a scheme without slashes
///   (`http:evil`), a path before the scheme (`/https://evil`), dotted user-info (`trusted.test@evil`),
///   look-alike slashes, bytes no host may contain, numeric hosts in odd notations, `/javascript:`;
/// - in a parameter named for redirects (`next`, `url`, `return_to`, `redirect_uri`, …), any absolute or
///   protocol-relative URL to a host other than the request's own (or its subdomains).
public struct OpenRedirectDetector: PointDetector {
    public var id: String { "redir.url" }
    public var attackType: AttackType { AttackType.redir }

    public init() {}

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny([.slash, .backslash, .colon, .nonASCII]) }

    /// Parameter names whose value applications redirect to.
    static let redirectNames: Set<String> = [
        "next", "url", "uri", "redirect", "redirect_uri", "redirect_url", "redirecturl", "redirecturi", "redirect_to", "redirectto",
        "redir", "return", "returnto", "return_to", "returnurl", "return_url", "returnuri", "return_uri", "continue", "dest",
        "destination", "goto", "go", "target", "to", "out", "rurl", "forward", "forward_url", "callback", "callback_url",
        "success_url", "cancel_url", "failure_url", "error_url", "login_url", "logout_url", "back", "backurl", "back_url", "jump",
        "link", "location", "navigate", "service", "checkout_url", "image_url", "continueto", "nexturl", "next_url", "u", "r",
    ]

    private static let obfuscations: URLReading.Oddities = [
        .backslash, .extraSlashes, .prefixBeforeScheme, .lookalikeSlash, .dottedUserInfo, .invalidHostByte, .nestedScheme,
        .controlInside,
    ]

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        if point.decoders.contains(.html) || ServerSideRequestForgeryDetector.isBrowserHeader(point) { return }
        if let reason = reason(value, point: point, context: context) {
            hits.append(Hit(type: .redir, point: point.name, fragment: Fragment.text(value, 0..<value.count), detector: id,
                context: "url", reason: reason))
        }
    }

    func reason(_ value: UnsafeBufferPointer<UInt8>, point: Point, context: DetectionContext, nested: Bool = false) -> String? {
        if Self.slashesThenScript(value) { return "a script URL behind leading slashes (`/javascript:`)" }
        if point.location == .path { return pathReason(value, context: context) }
        guard let url = URLReading(value) else { return nil }
        if !url.hasAuthority {
            let scheme = url.schemeName
            if (scheme == "javascript" || scheme == "vbscript") && !url.oddities.intersection([.controlInside, .prefixBeforeScheme]).isEmpty {
                return "a script URL with tabs, newlines or a prefix that filters miss"
            }
            if !nested, value.first == ASCII.slash, let reason = embeddedRedirect(value, point: point, context: context) { return reason }
            return nil
        }
        let host = url.hostBytes
        let target = HostClassification(host)
        // The host as a browser would take it: up to a byte no host contains.
        let hostHasName = Self.plausibleHost(host, target) || url.confusedHostBytes.map { Self.plausibleHost($0) } == true
        let scheme = url.schemeName
        let webScheme = scheme.isEmpty || scheme == "http" || scheme == "https"
        guard webScheme else { return nil }
        let odd = url.oddities.intersection(Self.obfuscations)
        if !odd.isEmpty && (hostHasName || odd.contains(.extraSlashes) || odd.contains(.nestedScheme)) {
            return "a URL written to slip past redirect filters (\(Self.describe(odd)))"
        }
        if url.form == .schemeWithoutSlashes && hostHasName { return "a scheme without slashes (`http:host`) that browsers resolve to another host" }
        if target.obfuscatedNumeric && !target.isInternal { return "a host address in an unusual notation" }
        // Loopback is the user's own machine (OAuth native-app redirects, RFC 8252), not another site.
        let external = hostHasName && !Self.sameSite(host, context.host) && target.target != .loopback
        if url.form == .protocolRelative && external && host.contains(ASCII.dot) && Self.pathIsBare(url) {
            return "a protocol-relative URL (`//host`) to another site"
        }
        if external && url.form == .hierarchical && Self.pathHasTricks(url) { return "a URL to another site with a tricked path" }
        if external && (nested || Self.isRedirectParameter(point)) { return "a redirect parameter pointing at another site" }
        return nil
    }

    /// A relative URL carrying its own redirect parameters (`/login?next=//evil.test`).
    private func embeddedRedirect(_ value: UnsafeBufferPointer<UInt8>, point: Point, context: DetectionContext) -> String? {
        guard let question = value.firstIndex(of: ASCII.question) else { return nil }
        var start = question + 1
        var checked = 0
        while start < value.count && checked < 16 {
            let end = value[start...].firstIndex(of: ASCII.ampersand) ?? value.count
            if let equals = value[start..<end].firstIndex(of: ASCII.equals) {
                let name = String(decoding: UnsafeBufferPointer(rebasing: value[start..<equals]), as: UTF8.self).lowercased()
                if Self.redirectNames.contains(name),
                    let reason = reason(UnsafeBufferPointer(rebasing: value[(equals + 1)..<end]), point: point, context: context, nested: true) {
                    return "an embedded `\(name)=` parameter: " + reason
                }
            }
            checked += 1
            start = end + 1
        }
        return nil
    }

    /// In a URL path: another URL (`/go/https://evil.test`) or a protocol-relative host (`/go//evil.test/`).
    private func pathReason(_ value: UnsafeBufferPointer<UInt8>, context: DetectionContext) -> String? {
        var index = 1
        while index + 2 < value.count {
            let byte = value[index]
            if (byte == ASCII.slash || byte == ASCII.backslash) && (value[index - 1] == ASCII.slash || value[index - 1] == ASCII.backslash) {
                // `//host` or `/\host` inside the path: read from the first of the slashes.
                var start = index - 1
                while start > 0 && (value[start - 1] == ASCII.slash || value[start - 1] == ASCII.backslash) { start -= 1 }
                let rest = UnsafeBufferPointer(rebasing: value[start...])
                if let url = URLReading(rest), url.hasAuthority, Self.looksLikeDomain(url.hostBytes), !Self.sameSite(url.hostBytes, context.host) {
                    return "another site's URL inside the URL path"
                }
                while index < value.count && (value[index] == ASCII.slash || value[index] == ASCII.backslash) { index += 1 }
                continue
            }
            index += 1
        }
        return nil
    }

    /// A domain or an address in any notation (up to the first byte no host contains).
    static func plausibleHost(_ host: [UInt8]) -> Bool {
        plausibleHost(host, HostClassification(host))
    }

    /// `plausibleHost` with the host already classified.
    static func plausibleHost(_ host: [UInt8], _ classification: HostClassification) -> Bool {
        if classification.target != .name && classification.target != .invalid { return true }
        return looksLikeDomain(Array(host.prefix { ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == ASCII.dot || $0 == ASCII.minus }))
    }

    /// `name.tld`: letters after the last dot, at least one dot.
    static func looksLikeDomain(_ host: [UInt8]) -> Bool {
        guard let dot = host.lastIndex(of: ASCII.dot), dot > 0, host.count - dot - 1 >= 2 else { return false }
        if host[(dot + 1)...].allSatisfy(ASCII.isLetter) { return true }
        return HostClassification.ipv4(host[...]) != nil
    }

    /// `https://evil.test//`, `https://evil.test/%2f..`: paths that only exist to confuse a redirect check.
    private static func pathHasTricks(_ url: URLReading) -> Bool {
        let path = url.bytes[url.pathStart...]
        guard path.count >= 2 else { return false }
        if path.first == ASCII.slash && (path[path.startIndex + 1] == ASCII.slash || path[path.startIndex + 1] == ASCII.backslash) { return true }
        return ASCII.hasPrefixIgnoringCase(path, "/%2f") || ASCII.hasPrefixIgnoringCase(path, "/%5c") || ASCII.hasPrefixIgnoringCase(path, "/%2e%2e")
    }

    /// `/javascript:`, `//javascript:`, `\javascript:` (after slashes, where filters stop looking).
    private static func slashesThenScript(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < value.count && (value[index] == ASCII.slash || value[index] == ASCII.backslash || ASCII.isWhitespace(value[index])) {
            index += 1
        }
        guard index > 0 else { return false }
        return ASCII.hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[index...]), "javascript:")
    }

    /// The path after the host is empty, `/`, or carries encoded or dot segments (`/%2f%2e%2e`).
    private static func pathIsBare(_ url: URLReading) -> Bool {
        let path = url.bytes[url.pathStart...]
        if path.count <= 1 { return true }
        if path.contains(ASCII.percent) { return true }
        var index = path.startIndex
        while index + 1 < path.endIndex {
            if path[index] == ASCII.dot && path[index + 1] == ASCII.dot { return true }
            if (path[index] == ASCII.slash || path[index] == ASCII.backslash) && (path[index + 1] == ASCII.slash || path[index + 1] == ASCII.backslash) {
                return true
            }
            index += 1
        }
        return false
    }

    /// The same host, a subdomain of it, or a host it is a subdomain of (`www.shop.test` / `shop.test`).
    static func sameSite(_ host: [UInt8], _ requestHost: [UInt8]) -> Bool {
        guard !requestHost.isEmpty else { return false }
        if host == requestHost { return true }
        func isSubdomain(_ name: [UInt8], of parent: [UInt8]) -> Bool {
            name.count > parent.count + 1 && name.suffix(parent.count).elementsEqual(parent) && name[name.count - parent.count - 1] == ASCII.dot
        }
        return isSubdomain(host, of: requestHost) || isSubdomain(requestHost, of: host)
    }

    static func isRedirectParameter(_ point: Point) -> Bool {
        guard point.location != .path && point.location != .header else { return false }
        let name = point.name
        // Redirect targets are parameters of the request (`?next=`, a form field, a top-level JSON key); a `url`
        // nested in a JSON document (`batch[0].context.page.url` in an analytics beacon) describes a page.
        if name.hasPrefix("body.json."), name.dropFirst(10).contains(where: { $0 == "." || $0 == "[" }) { return false }
        return redirectNames.contains(PointNames.parameterName(name))
    }

    static func describe(_ oddities: URLReading.Oddities) -> String {
        var names: [String] = []
        if oddities.contains(.backslash) { names.append("backslashes") }
        if oddities.contains(.extraSlashes) { names.append("extra slashes") }
        if oddities.contains(.prefixBeforeScheme) { names.append("a prefix before the scheme") }
        if oddities.contains(.nestedScheme) { names.append("a nested scheme") }
        if oddities.contains(.lookalikeSlash) { names.append("look-alike slashes") }
        if oddities.contains(.dottedUserInfo) { names.append("a dotted user-info") }
        if oddities.contains(.invalidHostByte) { names.append("bytes no host contains") }
        if oddities.contains(.controlInside) { names.append("tabs or newlines") }
        return names.joined(separator: ", ")
    }
}
