import MirrorGuardCore

/// Path traversal and local file inclusion. The value is canonicalised as a file API would finally read it
/// (`PathCanonicalizer`), split into segments on `/` and `\`, and reported when it
/// - climbs directories (`..` segments) from its start, inside a URL path, with an obfuscated encoding,
///   towards a system directory or a sensitive file;
/// - names a sensitive file or system directory as an absolute path (`/etc/shadow`, `C:\windows\win.ini`)
///   or a sensitive chain anywhere in a path (`WEB-INF/web.xml`, `.git/config`, `proc/self/environ`);
/// - uses a PHP stream wrapper or `file:` URL;
/// - pads with dot segments (`./././`) or truncates a file name with NUL.
public struct PathTraversalDetector: PointDetector {
    public var id: String { "ptrav.path" }
    public var attackType: AttackType { AttackType.ptrav }

    public init() {}

    private static let separatorLike: ValueProfile.Classes = [.slash, .backslash, .percent, .control, .nonASCII]

    public func wants(_ profile: ValueProfile) -> Bool {
        profile.hasAny(Self.separatorLike) || (profile.hasAny(.digit) && profile.hasAny(.letter)) || profile.hasAny(.dot)
    }

    public func inspect(
        _ value: UnsafeBufferPointer<UInt8>, point: Point, profile: ValueProfile, context: DetectionContext, into hits: inout [Hit]
    ) {
        // Character references are HTML's business; file APIs do not decode them.
        if point.decoders.contains(.html) { return }
        // Without separators or encodings, only `0x2e`-style text or a bare sensitive name (letters and a dot) can matter.
        let hexText = profile.hasAny(.digit) && Self.hasHexSeparatorText(value)
        if !profile.hasAny(Self.separatorLike) && !hexText && !(profile.hasAny(.dot) && profile.hasAny(.letter) && value.count <= 32) {
            return
        }
        if profile.hasAny([.percent, .nonASCII, .control]) && PathCanonicalizer.mayRewrite(value) || hexText {
            let canonical = PathCanonicalizer(value)
            canonical.bytes.withUnsafeBufferPointer { bytes in
                inspectCanonical(bytes, obfuscation: canonical.obfuscation, encodedDotPairs: canonical.encodedDotPairs, point: point, into: &hits)
            }
        } else {
            // Nothing to decode: the value is its own canonical form (no copy).
            inspectCanonical(value, obfuscation: [], encodedDotPairs: 0, point: point, into: &hits)
        }
    }

    private func inspectCanonical(
        _ bytes: UnsafeBufferPointer<UInt8>, obfuscation: PathObfuscation, encodedDotPairs: Int, point: Point, into hits: inout [Hit]
    ) {
        // Segment spans are 4 bytes each so the 256 of them (1 KiB) stay on the stack; the value is read up to
        // `PathCanonicalizer.maxBytes`, like a canonicalised one.
        let bytes = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, PathCanonicalizer.maxBytes)])
        let finding = withUnsafeTemporaryAllocation(of: SegmentSpan.self, capacity: SegmentedPath.maxSegments) { storage in
            let path = SegmentedPath(bytes, storage: storage)
            return evaluate(path, obfuscation: obfuscation, encodedDotPairs: encodedDotPairs, point: point)
        }
        guard let finding else { return }
        var reason = finding.reason
        if !obfuscation.subtracting(.nul).isEmpty { reason += " after undoing " + Self.describe(obfuscation) }
        let fragment = Fragment.text(bytes, 0..<bytes.count)
        hits.append(Hit(type: .ptrav, point: point.name, fragment: fragment, detector: id, context: finding.context, reason: reason))
    }

    struct Finding {
        let context: String
        let reason: String
    }

    private static let wrappers: [StaticString] = [
        "php://", "phar://", "zip://", "compress.zlib://", "compress.bzip2://", "glob://", "data://", "expect://", "file:/",
        "jar:file:", "netdoc:/",
    ]

    /// Whitespace bytes a sensitive path may carry (`C:\Program Files\Apache Group\...`) before the value reads
    /// as prose mentioning a path.
    static let maxWhitespaceAroundPath = 3

    func evaluate(_ path: SegmentedPath, obfuscation: PathObfuscation, encodedDotPairs: Int, point: Point) -> Finding? {
        let bytes = path.bytes
        if path.hasColon {
            var first = 0
            while first < bytes.count && ASCII.isWhitespace(bytes[first]) { first += 1 }
            let trimmed = UnsafeBufferPointer(rebasing: bytes[first...])
            for wrapper in Self.wrappers where ASCII.hasPrefixIgnoringCase(trimmed, wrapper) {
                return Finding(context: "wrapper", reason: "a stream wrapper `\(wrapper)` that reads local files")
            }
        }
        let isURLPath = point.location == .path
        if path.climbs > 0 {
            if isURLPath { return Finding(context: "traversal", reason: "`..` segments in the URL path (clients remove them)") }
            if path.startsWithClimb { return Finding(context: "traversal", reason: "a relative path that starts by climbing out with `..`") }
            if !obfuscation.isEmpty || path.oddClimb {
                return Finding(context: "traversal", reason: "`..` segments written to slip past filters")
            }
            if path.mixedSeparatorsInClimb { return Finding(context: "traversal", reason: "`..` segments with mixed `/` and `\\` separators") }
            if path.climbsToSystemRoot { return Finding(context: "traversal", reason: "`..` segments climbing to a system directory") }
            if path.paddedClimb { return Finding(context: "traversal", reason: "`..` segments after a long padding segment") }
        }
        if encodedDotPairs >= 2 || (encodedDotPairs >= 1 && path.climbs > 0) {
            return Finding(context: "traversal", reason: "`..` written with encoded dots")
        }
        if path.dotPadding >= 4 { return Finding(context: "traversal", reason: "padding with `./` segments") }
        // A path mentioned in prose or markup is not a probe: the value must be (nearly) the path itself.
        if path.whitespace <= Self.maxWhitespaceAroundPath && !path.hasMarkup,
            let pattern = path.sensitiveMatch(allowRooted: !(isURLPath && point.lazyName.tail == .none && point.lazyName.prefix == "path")) {
            return Finding(context: "sensitive-path", reason: "names the sensitive file or directory `\(pattern)`")
        }
        if path.climbs > 0 && path.hasSensitiveName {
            return Finding(context: "traversal", reason: "`..` segments reaching a sensitive file")
        }
        if obfuscation.contains(.nul) && path.nulAfterFileName && bytes.count <= 1024 {
            return Finding(context: "nul-truncation", reason: "a NUL byte cutting a file name short")
        }
        return nil
    }

    /// `0x2e`, `0x2f`, `0x5c` or `..2f` written as text.
    static func hasHexSeparatorText(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count >= 4, let base = value.baseAddress else { return false }
        /// Whether one starts at `index` (`index + 3 < value.count`).
        func startsAt(_ index: Int) -> Bool {
            let byte = value[index]
            return (byte == 0x30 && value[index + 1] | 0x20 == 0x78 || byte == ASCII.dot && value[index + 1] == ASCII.dot)
                && (value[index + 2] == 0x32 || value[index + 2] == 0x35)
        }
        // Each holds an `x`, `X` or `.` as its second byte: words of eight bytes without one are skipped whole, and only
        // the starts around a word with one (the byte before it included) are checked.
        var checkedUpTo = 0
        var word = 0
        while word + 8 <= value.count {
            let bytes = UnsafeRawPointer(base + word).loadUnaligned(as: UInt64.self)
            // `| 0x20` turns `X` into `x` (and no other byte into either).
            if ASCII.mayHoldByte(bytes | 0x2020_2020_2020_2020, 0x78) || ASCII.mayHoldByte(bytes, ASCII.dot) {
                var index = max(word - 1, checkedUpTo)
                while index < min(word + 8, value.count - 3) {
                    if startsAt(index) { return true }
                    index += 1
                }
                checkedUpTo = index
            }
            word += 8
        }
        var index = max(word - 1, checkedUpTo)
        while index + 3 < value.count {
            if startsAt(index) { return true }
            index += 1
        }
        return false
    }

    static func describe(_ obfuscation: PathObfuscation) -> String {
        var names: [String] = []
        if obfuscation.contains(.multipleEncoding) { names.append("multiple percent-encoding") }
        if obfuscation.contains(.unicodeEscape) { names.append("%u escapes") }
        if obfuscation.contains(.overlongUTF8) { names.append("overlong UTF-8") }
        if obfuscation.contains(.lookalike) { names.append("look-alike characters") }
        if obfuscation.contains(.hexText) { names.append("0x2e text") }
        return names.joined(separator: ", ")
    }
}

/// A canonical value split into path segments on `/` and `\`, with what the traversal rules need. Works
/// in place over the bytes; segment ranges live in caller-provided (stack) storage.
struct SegmentedPath {
    /// Segments examined; the rest of a longer value is not split.
    static let maxSegments = 256
    /// A segment of at least this many bytes before the first climb is padding: the path-length truncation
    /// trick (`AAAA…AAAA/../../etc/passwd`) that makes the application's own suffix fall off.
    static let paddingLength = 128

    let bytes: UnsafeBufferPointer<UInt8>
    /// Ranges of the named segments: not empty, not `.`, trimmed of whitespace, cut at a NUL.
    private let storage: UnsafeMutableBufferPointer<SegmentSpan>
    private(set) var nameCount = 0
    /// `..` segments bordered by a separator.
    private(set) var climbs = 0
    /// The first segment with content climbs (`../x`, `/../x`, `./../x`).
    private(set) var startsWithClimb = false
    /// A climb written oddly: `...`, `....//` (filters that strip `../` once), `..;` (Tomcat path parameters).
    private(set) var oddClimb = false
    /// Both separators used next to climbing segments.
    private(set) var mixedSeparatorsInClimb = false
    /// The segment after a run of climbs is a system directory.
    private(set) var climbsToSystemRoot = false
    /// A padding segment precedes the first climb.
    private(set) var paddedClimb = false
    /// Longest run of `.` segments.
    private(set) var dotPadding = 0
    /// The value is an absolute path: separator, drive letter, or `~` first.
    private(set) var isAbsolute = false
    /// The value is a Windows absolute path (drive letter or a leading backslash).
    private(set) var isWindowsAbsolute = false
    /// A NUL byte follows something that looks like a file name.
    private(set) var nulAfterFileName = false
    /// `/` or `\` bytes.
    private(set) var separators = 0
    /// Whitespace bytes in the value.
    private(set) var whitespace = 0
    /// `<` or `>` in the value.
    private(set) var hasMarkup = false
    /// `:` in the value (wrappers, drive letters).
    private(set) var hasColon = false

    /// Non-zero for the bytes the segment scan stops at: separators, whitespace, `<`, `>`, `:`.
    /// 1 for the bytes the segmenting loop stops at. A literal, laid out at compile time (no once-check, no retain);
    /// `makeByteClass()` is its definition, and a test checks they agree.
    static let byteClass: [UInt8] = [
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x1, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1, 0x0, 0x1, 0x0, 0x1, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
    ]

    static func makeByteClass() -> [UInt8] {
        (0...255).map { value in
            let byte = UInt8(value)
            return byte == ASCII.slash || byte == ASCII.backslash || ASCII.isWhitespace(byte) || byte == ASCII.lessThan
                || byte == ASCII.greaterThan || byte == ASCII.colon ? 1 : 0
        }
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, storage: UnsafeMutableBufferPointer<SegmentSpan>) {
        self.bytes = bytes
        self.storage = storage
        var start = 0
        var index = 0
        var firstContent = true
        var dotRun = 0
        var climbRun = 0
        var longestBeforeClimb = 0
        var previousSeparator: UInt8 = 0
        var climbSlash = false
        var climbBackslash = false
        let byteClass = Self.byteClass
        while index <= bytes.count {
            // Plain bytes in a tight loop; the few that matter are looked up in a class table.
            while index < bytes.count && byteClass[Int(bytes[index])] == 0 { index += 1 }
            let atEnd = index == bytes.count
            let byte = atEnd ? 0 : bytes[index]
            if !atEnd && byte != ASCII.slash && byte != ASCII.backslash {
                if ASCII.isWhitespace(byte) {
                    whitespace += 1
                } else if byte == ASCII.lessThan || byte == ASCII.greaterThan {
                    hasMarkup = true
                } else if byte == ASCII.colon {
                    hasColon = true
                }
                index += 1
                continue
            }
            if !atEnd { separators += 1 }
            var end = index
            var nul = start
            while nul < end && bytes[nul] != ASCII.nul { nul += 1 }
            if nul < end {
                if Self.endsWithFileName(bytes, start, nul) { nulAfterFileName = true }
                end = nul
            }
            let length = end - start
            let bordered = !atEnd || start > 0
            var dots = 0
            while dots < length && bytes[start + dots] == ASCII.dot { dots += 1 }
            // A trailing `...` is an ellipsis, not a climb.
            let isClimb = dots >= 2 && bordered && Self.isClimbTail(bytes, start + dots, end) && !(atEnd && dots > 2)
            let isDot = length == 1 && dots == 1
            if isClimb {
                climbs += 1
                climbRun += 1
                if dots > 2 || dots < length { oddClimb = true }
                if previousSeparator == ASCII.slash || (!atEnd && byte == ASCII.slash) { climbSlash = true }
                if previousSeparator == ASCII.backslash || (!atEnd && byte == ASCII.backslash) { climbBackslash = true }
                if firstContent { startsWithClimb = true }
                if longestBeforeClimb >= Self.paddingLength { paddedClimb = true }
            } else if length > 0 && !isDot {
                if climbs == 0 { longestBeforeClimb = max(longestBeforeClimb, length) }
                if climbRun > 0 && SensitivePaths.systemRoots.contains(bytes, start, end) { climbsToSystemRoot = true }
                climbRun = 0
            }
            if isDot {
                dotRun += 1
                dotPadding = max(dotPadding, dotRun)
            } else if length > 0 {
                dotRun = 0
            }
            if length > 0 && !isDot {
                firstContent = false
                var lower = start
                var upper = end
                while lower < upper && ASCII.isWhitespace(bytes[lower]) { lower += 1 }
                while upper > lower && ASCII.isWhitespace(bytes[upper - 1]) { upper -= 1 }
                if lower < upper && nameCount < storage.count && upper <= Int(UInt16.max) {
                    storage[nameCount] = SegmentSpan(lower: UInt16(lower), upper: UInt16(upper))
                    nameCount += 1
                }
            }
            previousSeparator = atEnd ? 0 : byte
            index += 1
            start = index
        }
        mixedSeparatorsInClimb = climbSlash && climbBackslash
        if let first = bytes.first {
            isWindowsAbsolute = first == ASCII.backslash
                || (bytes.count >= 3 && ASCII.isLetter(first) && bytes[1] == ASCII.colon && (bytes[2] == ASCII.slash || bytes[2] == ASCII.backslash))
            isAbsolute = first == ASCII.slash || isWindowsAbsolute || (first == 0x7E && bytes.count > 1 && bytes[1] == ASCII.slash)
        }
    }

    private var names: Names { Names(bytes: bytes, spans: UnsafeBufferPointer(rebasing: storage[0..<nameCount])) }

    /// `name.ext` or `dir/name` right before `end`: what a NUL would cut short in a file API.
    private static func endsWithFileName(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > 0 else { return false }
        let last = bytes[end - 1]
        guard ASCII.isLetter(last) || ASCII.isDigit(last) else { return false }
        var length = 0
        var structured = false
        var index = end - 1
        while index >= 0 {
            let byte = bytes[index]
            let isNameByte = ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == 0x5F || byte == ASCII.minus
            let isStructure = byte == ASCII.dot || byte == ASCII.slash || byte == ASCII.backslash
            guard isNameByte || isStructure else { break }
            if isStructure { structured = true }
            length += 1
            index -= 1
        }
        return structured && length >= 3
    }

    /// After the dots of a climbing segment: nothing, `;parameters`, or control bytes.
    private static func isClimbTail(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return true }
        if bytes[start] == ASCII.semicolon { return true }
        for index in start..<end where bytes[index] >= 0x20 { return false }
        return true
    }

    /// The first sensitive pattern matched, as text.
    func sensitiveMatch(allowRooted: Bool) -> String? {
        let names = names
        guard names.count > 0 else { return nil }
        if separators == 0 { return SensitivePaths.bare.match(names, from: 0)?.text }
        if allowRooted && isAbsolute && !isWindowsAbsolute, let pattern = SensitivePaths.rooted.match(names, from: 0) {
            return pattern.text
        }
        for first in 0..<names.count {
            if let pattern = SensitivePaths.anywhere.match(names, from: first) { return pattern.text }
            // A drive letter starts a Windows path, at the front or inside a URL path (`/files/C:/windows/...`).
            if (first > 0 || allowRooted) && names.isDriveLetter(first), let pattern = SensitivePaths.rootedWindows.match(names, from: first + 1) {
                return pattern.text
            }
        }
        if allowRooted && isWindowsAbsolute && !names.isDriveLetter(0), let pattern = SensitivePaths.rootedWindows.match(names, from: 0) {
            return pattern.text
        }
        return nil
    }

    /// Some segment is a sensitive file name on its own (`win.ini`, `.htpasswd`).
    var hasSensitiveName: Bool {
        let names = names
        return (0..<names.count).contains { SensitivePaths.bare.match(names, from: $0) != nil }
    }
}

/// A segment's byte range, compact so a path's segments fit in a stack buffer.
struct SegmentSpan {
    var lower: UInt16
    var upper: UInt16
    var range: Range<Int> { Int(lower)..<Int(upper) }
}

/// The named segments of a path: byte ranges into the value, compared case-insensitively.
struct Names {
    let bytes: UnsafeBufferPointer<UInt8>
    let spans: UnsafeBufferPointer<SegmentSpan>

    var count: Int { spans.count }

    func range(_ index: Int) -> Range<Int> { spans[index].range }

    func first(_ index: Int) -> UInt8 { ASCII.lower(bytes[Int(spans[index].lower)]) }

    func isDriveLetter(_ index: Int) -> Bool {
        let range = range(index)
        return range.count == 2 && ASCII.isLetter(bytes[range.lowerBound]) && bytes[range.lowerBound + 1] == ASCII.colon
    }
}
