import MirrorGuardCore

/// Bounded, printable excerpts of attacker bytes for hits.
enum Fragment {
    /// The bytes in `range` (clamped to `value`) as text of at most `Hit.maxFragmentBytes` UTF-8 bytes; invalid
    /// sequences become U+FFFD, and the bound holds after that replacement.
    static func text(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, value.count))
        let upper = max(lower, min(range.upperBound, value.count, lower + Hit.maxFragmentBytes))
        var text = String(decoding: UnsafeBufferPointer(rebasing: value[lower..<upper]), as: UTF8.self)
        while text.utf8.count > Hit.maxFragmentBytes { text.removeLast() }
        return text
    }
}
