import MirrorGuardCore

/// Where a learned parameter lives, as OpenAPI names it plus the body media it came from.
public enum ParameterLocation: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case path, query, header, cookie
    /// `application/x-www-form-urlencoded` body field.
    case form
    /// JSON body leaf (nested names dotted, arrays as `[]`).
    case json
    /// `multipart/form-data` field (`.filename` for uploads).
    case multipart

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifies a parameter within an endpoint.
public struct ParameterKey: Sendable, Hashable, Codable, Comparable {
    public var location: ParameterLocation
    /// The name within its location: `id`, `user.emails[]`, `x-tenant`.
    public var name: String

    public init(_ location: ParameterLocation, _ name: String) {
        self.location = location
        self.name = name
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.location, lhs.name) < (rhs.location, rhs.name)
    }
}

/// The schema type a parameter's values agree on.
public enum LearnedType: String, Sendable, Hashable, Codable {
    case integer, number, boolean, string
}

/// What the node learned about one parameter, bounded: counts, the formats every value shared, ranges,
/// and up to `maxEnumValues` distinct short values (an enum while they stay few).
public struct ParameterStats: Sendable, Hashable, Codable {
    /// Distinct values remembered for enum inference; past this the parameter is not an enum.
    public static let maxEnumValues = 12
    /// Longest value remembered for enum inference.
    public static let maxEnumValueBytes = 48

    /// Requests that carried the parameter.
    public var requests = 0
    /// Values seen (an array parameter counts each element).
    public var values = 0
    /// Formats every value had.
    public var formats: ValueFormats = .all
    /// Smallest and largest integer/number seen, while every value was numeric.
    public var minimum: Double?
    public var maximum: Double?
    /// Shortest and longest value in bytes.
    public var minLength = Int.max
    public var maxLength = 0
    /// Distinct values, while there are at most `maxEnumValues` short ones; `nil` once there are more.
    public var distinct: [String]? = []
    /// Sensitive data found in name or values.
    public var sensitive: SensitiveKinds = []
    /// Whether it appeared as an array (`a[]`, repeated keys, JSON arrays).
    public var isArray = false
    /// First and last time seen, nanoseconds since the epoch.
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    /// The endpoint's request number that last carried it: counts a parameter once per request without a set.
    public var lastRequest = 0

    public init() {}

    /// The schema type the values agree on.
    public var type: LearnedType {
        if values == 0 { return .string }
        if formats.contains(.integer) { return .integer }
        if formats.contains(.number) { return .number }
        if formats.contains(.boolean) { return .boolean }
        return .string
    }

    /// The string format the values agree on (OpenAPI `format`), if any.
    public var stringFormat: String? { stringFormatFlag?.1 }

    /// The format flag behind `stringFormat`, with its OpenAPI name.
    public var stringFormatFlag: (ValueFormats, String)? {
        guard type == .string, values > 0 else { return nil }
        return Self.stringFormats.first { formats.contains($0.0) }
    }

    /// String formats in order of preference, with their OpenAPI `format` names.
    static let stringFormats: [(ValueFormats, String)] = [
        (.uuid, "uuid"), (.dateTime, "date-time"), (.date, "date"), (.email, "email"), (.ipv4, "ipv4"),
        (.ipv6, "ipv6"), (.url, "uri"), (.jwt, "jwt"), (.hex, "hex"), (.base64, "byte"),
    ]

    /// Values when they are few enough, repeated enough, to be an enum.
    public var enumValues: [String]? {
        guard let distinct, type == .string, stringFormat == nil, values >= 20, distinct.count <= 8,
              distinct.count * 4 <= values else { return nil }
        return distinct.sorted()
    }

    /// Records one value.
    public mutating func record(_ value: ArraySlice<UInt8>, formats valueFormats: ValueFormats, at time: Int64) {
        values += 1
        formats.formIntersection(valueFormats)
        let length = value.count
        minLength = min(minLength, length)
        maxLength = max(maxLength, length)
        if formats.contains(.integer), let integer = ValueShape.integerValue(value) {
            let number = Double(integer)
            minimum = min(minimum ?? number, number)
            maximum = max(maximum ?? number, number)
        } else if formats.contains(.number), let number = ValueShape.numberValue(value) {
            minimum = min(minimum ?? number, number)
            maximum = max(maximum ?? number, number)
        } else {
            minimum = nil
            maximum = nil
        }
        if let known = distinct {
            // Compared as bytes: a known value costs no allocation (enums repeat on every request).
            if length > Self.maxEnumValueBytes {
                distinct = nil
            } else if !known.contains(where: { $0.utf8.elementsEqual(value) }) {
                if known.count >= Self.maxEnumValues {
                    distinct = nil
                } else {
                    distinct?.append(String(decoding: value, as: UTF8.self))
                }
            }
        }
        firstSeen = min(firstSeen, time)
        lastSeen = max(lastSeen, time)
    }

    /// Folds another parameter's statistics into this one (path templating merges endpoints).
    public mutating func merge(_ other: ParameterStats) {
        requests += other.requests
        values += other.values
        formats.formIntersection(other.formats)
        if formats.contains(.number), let a = other.minimum, let b = other.maximum {
            minimum = min(minimum ?? a, a)
            maximum = max(maximum ?? b, b)
        } else if !formats.contains(.number) {
            minimum = nil
            maximum = nil
        }
        minLength = min(minLength, other.minLength)
        maxLength = max(maxLength, other.maxLength)
        if let mine = distinct, let theirs = other.distinct {
            var union = mine
            for value in theirs where !union.contains(value) { union.append(value) }
            distinct = union.count <= Self.maxEnumValues ? union : nil
        } else {
            distinct = nil
        }
        sensitive.formUnion(other.sensitive)
        isArray = isArray || other.isArray
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        lastRequest = 0
    }
}
