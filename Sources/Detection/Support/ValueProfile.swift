import MirrorGuardCore

/// One pass over a value: which byte classes it contains (the prefilter detectors consult), and a fingerprint
/// so a value repeated across points is inspected once per exchange.
public struct ValueProfile: Sendable {
    /// Byte classes, one bit each.
    public struct Classes: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let apostrophe = Classes(rawValue: 1 << 0)
        public static let quote = Classes(rawValue: 1 << 1)
        public static let backquote = Classes(rawValue: 1 << 2)
        public static let lessThan = Classes(rawValue: 1 << 3)
        public static let greaterThan = Classes(rawValue: 1 << 4)
        public static let parenthesis = Classes(rawValue: 1 << 5)
        public static let semicolon = Classes(rawValue: 1 << 6)
        public static let hash = Classes(rawValue: 1 << 7)
        public static let slash = Classes(rawValue: 1 << 8)
        public static let equals = Classes(rawValue: 1 << 9)
        public static let pipe = Classes(rawValue: 1 << 10)
        public static let ampersand = Classes(rawValue: 1 << 11)
        public static let at = Classes(rawValue: 1 << 12)
        public static let comma = Classes(rawValue: 1 << 13)
        public static let colon = Classes(rawValue: 1 << 14)
        public static let brace = Classes(rawValue: 1 << 15)
        public static let backslash = Classes(rawValue: 1 << 16)
        public static let whitespace = Classes(rawValue: 1 << 17)
        public static let control = Classes(rawValue: 1 << 18)
        public static let percent = Classes(rawValue: 1 << 19)
        public static let dollar = Classes(rawValue: 1 << 20)
        public static let nonASCII = Classes(rawValue: 1 << 21)
        public static let minus = Classes(rawValue: 1 << 22)
        public static let star = Classes(rawValue: 1 << 23)
        public static let plus = Classes(rawValue: 1 << 24)
        public static let bang = Classes(rawValue: 1 << 25)
        public static let bracket = Classes(rawValue: 1 << 26)
        public static let dot = Classes(rawValue: 1 << 27)
        public static let letter = Classes(rawValue: 1 << 28)
        public static let digit = Classes(rawValue: 1 << 29)
        public static let tilde = Classes(rawValue: 1 << 30)
        public static let question = Classes(rawValue: 1 << 31)
    }

    /// The classes present.
    public let classes: Classes
    /// The length mixed with the first and last eight bytes: equal values have equal fingerprints; values that
    /// share one are compared byte for byte by whoever relies on equality. Constant time, not a hash of every byte.
    public let fingerprint: UInt64

    /// The classes of each byte. A literal, laid out at compile time: read without a once-check or a retain, for
    /// every byte of every value. `makeTable()` is its definition; a test checks they agree.
    static let table: [UInt32] = [
        0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000,
        0x00040000, 0x00060000, 0x00060000, 0x00060000, 0x00060000, 0x00060000, 0x00040000, 0x00040000,
        0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000,
        0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000, 0x00040000,
        0x00020000, 0x02000000, 0x00000002, 0x00000080, 0x00100000, 0x00080000, 0x00000800, 0x00000001,
        0x00000020, 0x00000020, 0x00800000, 0x01000000, 0x00002000, 0x00400000, 0x08000000, 0x00000100,
        0x20000000, 0x20000000, 0x20000000, 0x20000000, 0x20000000, 0x20000000, 0x20000000, 0x20000000,
        0x20000000, 0x20000000, 0x00004000, 0x00000040, 0x00000008, 0x00000200, 0x00000010, 0x80000000,
        0x00001000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x04000000, 0x00010000, 0x04000000, 0x00000000, 0x00000000,
        0x00000004, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
        0x10000000, 0x10000000, 0x10000000, 0x00008000, 0x00000400, 0x00008000, 0x40000000, 0x00040000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
        0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000, 0x00200000,
    ]

    static func makeTable() -> [UInt32] {
        (0...255).map { value -> UInt32 in
            let byte = UInt8(value)
            let classes: Classes
            switch byte {
            case ASCII.apostrophe: classes = .apostrophe
            case ASCII.quote: classes = .quote
            case ASCII.backquote: classes = .backquote
            case ASCII.lessThan: classes = .lessThan
            case ASCII.greaterThan: classes = .greaterThan
            case ASCII.leftParen, 0x29: classes = .parenthesis
            case ASCII.semicolon: classes = .semicolon
            case ASCII.hash: classes = .hash
            case ASCII.slash: classes = .slash
            case ASCII.equals: classes = .equals
            case ASCII.pipe: classes = .pipe
            case ASCII.ampersand: classes = .ampersand
            case ASCII.at: classes = .at
            case ASCII.comma: classes = .comma
            case ASCII.colon: classes = .colon
            case ASCII.leftBrace, ASCII.rightBrace: classes = .brace
            case ASCII.backslash: classes = .backslash
            case ASCII.space: classes = .whitespace
            case ASCII.percent: classes = .percent
            case ASCII.dollar: classes = .dollar
            case ASCII.minus: classes = .minus
            case 0x2A: classes = .star
            case ASCII.plus: classes = .plus
            case 0x21: classes = .bang
            case ASCII.leftBracket, ASCII.rightBracket: classes = .bracket
            case ASCII.dot: classes = .dot
            case 0x7E: classes = .tilde
            case ASCII.question: classes = .question
            case 0x09...0x0D: classes = [.whitespace, .control]
            case 0x00...0x1F, 0x7F: classes = .control
            case 0x80...0xFF: classes = .nonASCII
            default:
                classes = ASCII.isLetter(byte) ? .letter : ASCII.isDigit(byte) ? .digit : []
            }
            return classes.rawValue
        }
    }

    /// Profiles a value in one pass.
    public init(_ value: UnsafeBufferPointer<UInt8>) {
        self.init(value, fingerprint: Self.fingerprint(of: value))
    }

    /// Profiles a value whose fingerprint is already known.
    init(_ value: UnsafeBufferPointer<UInt8>, fingerprint: UInt64) {
        var bits: UInt32 = 0
        Self.table.withUnsafeBufferPointer { table in
            for byte in value { bits |= table[Int(byte)] }
        }
        self.classes = Classes(rawValue: bits)
        self.fingerprint = fingerprint
    }

    static func fingerprint(of value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        Bytes.edgeFingerprint(value)
    }

    /// True when any of `classes` is present.
    @inline(__always)
    public func hasAny(_ classes: Classes) -> Bool { !self.classes.isDisjoint(with: classes) }
}
