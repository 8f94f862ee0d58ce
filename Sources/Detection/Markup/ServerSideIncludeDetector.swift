import MirrorGuardCore

/// Server-side includes and edge-side includes: `<!--#exec cmd=…-->`, `<!--#include virtual=…-->`,
/// `<!--#echo var=…-->` and the other SSI directives, and ESI tags (`<esi:include src=…>`) that a cache
/// or web server would execute when the value is echoed into a page.
public struct ServerSideIncludeDetector: PointDetector {
    public var id: String { "ssi.directive" }
    public var attackType: AttackType { AttackType.ssi }

    public init() {}

    static let directives: [StaticString] = [
        "exec", "include", "echo", "config", "set", "printenv", "fsize", "flastmod", "if", "elif", "else", "endif",
    ]
    static let esiTags: [StaticString] = ["include", "vars", "eval", "inline", "remove", "choose", "when", "try", "assign", "debug"]

    public func wants(_ profile: ValueProfile) -> Bool { profile.hasAny(.lessThan) && (profile.hasAny(.hash) || profile.hasAny(.colon)) }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        var index = 0
        while index + 4 < value.count {
            guard value[index] == ASCII.lessThan else {
                index += 1
                continue
            }
            let rest = UnsafeBufferPointer(rebasing: value[(index + 1)...])
            if ASCII.hasPrefixIgnoringCase(rest, "!--") {
                var cursor = 3
                while cursor < rest.count && ASCII.isWhitespace(rest[cursor]) { cursor += 1 }
                if cursor < rest.count && rest[cursor] == ASCII.hash {
                    let name = UnsafeBufferPointer(rebasing: rest[(cursor + 1)...])
                    for directive in Self.directives where ASCII.hasPrefixIgnoringCase(name, directive) {
                        let after = directive.utf8CodeUnitCount
                        // The directive name is followed by whitespace, an attribute or the end of the comment.
                        if after >= name.count || ASCII.isWhitespace(name[after]) || name[after] == ASCII.minus {
                            report(value, index, "an SSI `#\(directive)` directive", point: point, into: &hits)
                            return
                        }
                    }
                }
            } else if ASCII.hasPrefixIgnoringCase(rest, "esi:") {
                let name = UnsafeBufferPointer(rebasing: rest[4...])
                for tag in Self.esiTags where ASCII.hasPrefixIgnoringCase(name, tag) {
                    report(value, index, "an ESI `esi:\(tag)` tag", point: point, into: &hits)
                    return
                }
            }
            index += 1
        }
    }

    private func report(_ value: UnsafeBufferPointer<UInt8>, _ start: Int, _ reason: String, point: Point, into hits: inout [Hit]) {
        hits.append(Hit(type: .ssi, point: point.name, fragment: Fragment.text(value, start..<value.count), detector: id,
            context: "markup", reason: reason))
    }
}
