/// Attack classes. Raw values are stable API: rules, events, metrics and the console use them.
public enum AttackType: String, Sendable, Hashable, CaseIterable, Comparable {
    case sqli
    case xss
    case rce
    case log4shell
    case ptrav
    case rfi
    case ssrf
    case xxe
    case ssti
    case ldapi
    case nosqli
    case crlf
    case ssi
    case mailInjection = "mail_injection"
    case redir
    case scanner
    case `protocol`
    /// Deviations from a learned API model (Discovery), reported apart from attacks.
    case anomalyNewParameter = "anomaly.new_parameter"
    case anomalyTypeViolation = "anomaly.type_violation"
    case anomalyOutOfRange = "anomaly.out_of_range"
    case anomalyMissingParameter = "anomaly.missing_parameter"
    case anomalyUnexpectedMethod = "anomaly.unexpected_method"

    /// Whether this is a deviation from the learned model rather than an attack class.
    public var isDeviation: Bool { rawValue.hasPrefix("anomaly.") }

    public static func < (lhs: AttackType, rhs: AttackType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One detection: which attack, where, what text, which detector and why.
public struct Hit: Sendable, Hashable {
    /// The attack class.
    public var type: AttackType
    /// The point name the attack was found in.
    public var point: String
    /// The offending fragment (at most `maxFragmentBytes`).
    public var fragment: String
    /// The stable id of the detector (`sqli.grammar`).
    public var detector: String
    /// The context the value was read from (`single-quote`, `html-data`, …).
    public var context: String
    /// A short human reason.
    public var reason: String

    /// The longest fragment kept, in UTF-8 bytes.
    public static let maxFragmentBytes = 120

    /// Creates a hit.
    public init(type: AttackType, point: String, fragment: String, detector: String, context: String, reason: String) {
        self.type = type
        self.point = point
        self.fragment = fragment
        self.detector = detector
        self.context = context
        self.reason = reason
    }
}
