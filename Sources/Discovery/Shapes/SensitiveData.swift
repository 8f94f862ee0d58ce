import MirrorGuardCore

/// Kinds of sensitive data a parameter carries, found by value (checksums where a format has one) or by
/// name (passwords and secrets look like any other string).
public struct SensitiveKinds: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let email = SensitiveKinds(rawValue: 1 << 0)
    public static let phone = SensitiveKinds(rawValue: 1 << 1)
    /// Payment card number: 13–19 digits, a card network's prefix, Luhn-valid.
    public static let paymentCard = SensitiveKinds(rawValue: 1 << 2)
    /// IBAN with a valid ISO 13616 mod-97 check.
    public static let iban = SensitiveKinds(rawValue: 1 << 3)
    /// US social security number (`123-45-6789`, area not 000/666/9xx) in a field named for it.
    public static let nationalID = SensitiveKinds(rawValue: 1 << 4)
    /// A field named for a password.
    public static let password = SensitiveKinds(rawValue: 1 << 5)
    /// A field named for a secret, key or token.
    public static let secret = SensitiveKinds(rawValue: 1 << 6)
    /// A JSON Web Token.
    public static let jwt = SensitiveKinds(rawValue: 1 << 7)
    /// An AWS access key id (`AKIA…`, `ASIA…`).
    public static let awsKey = SensitiveKinds(rawValue: 1 << 8)
    /// A bearer token in `Authorization`.
    public static let bearerToken = SensitiveKinds(rawValue: 1 << 9)
    /// An IP address.
    public static let ipAddress = SensitiveKinds(rawValue: 1 << 10)

    /// Stable names, in bit order, for exports and the API.
    public static let names: [(SensitiveKinds, String)] = [
        (.email, "email"), (.phone, "phone"), (.paymentCard, "payment_card"), (.iban, "iban"),
        (.nationalID, "national_id"), (.password, "password"), (.secret, "secret"), (.jwt, "jwt"),
        (.awsKey, "aws_access_key"), (.bearerToken, "bearer_token"), (.ipAddress, "ip_address"),
    ]

    /// The stable names of the kinds in this set.
    public var labels: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// Finds sensitive data in a parameter's name and value.
public enum SensitiveData {
    /// Kinds implied by a parameter's name alone (its last name component, lowercased).
    public static func kinds(forName name: String) -> SensitiveKinds {
        let leaf = PointNames.parameterName(name)
        var result: SensitiveKinds = []
        if leaf.contains("password") || leaf.contains("passwd") || leaf == "pwd" || leaf == "pass" || leaf.hasSuffix("_pwd")
            || leaf == "passphrase" || leaf == "pin" {
            result.insert(.password)
        }
        let secretWords = ["secret", "api_key", "apikey", "api-key", "access_token", "refresh_token", "private_key",
                           "client_secret", "auth_token", "x-api-key", "x-auth-token", "session_token", "id_token"]
        if secretWords.contains(where: { leaf.contains($0) }) || leaf == "token" { result.insert(.secret) }
        return result
    }

    /// Kinds found in a value; `name` disambiguates formats that are only reliable with a hint (SSN, phone).
    public static func kinds(inValue value: ArraySlice<UInt8>, formats: ValueFormats, name: String) -> SensitiveKinds {
        var result: SensitiveKinds = []
        if formats.contains(.email) { result.insert(.email) }
        if formats.contains(.jwt) { result.insert(.jwt) }
        if formats.contains(.ipv4) || formats.contains(.ipv6) { result.insert(.ipAddress) }
        let count = value.count
        guard count >= 9, count <= 64 else { return result }
        var digits = 0, letters = 0, separators = 0, others = 0
        for byte in value {
            if byte &- 0x30 < 10 { digits += 1 }
            else if (byte | 0x20) &- 0x61 < 26 { letters += 1 }
            else if byte == ASCII.space || byte == ASCII.minus { separators += 1 }
            else { others += 1 }
        }
        if letters == 0 && (13...19).contains(digits) && others == 0 && isPaymentCard(value) { result.insert(.paymentCard) }
        if letters >= 2 && digits >= 13 && others == 0 && isIBAN(value) { result.insert(.iban) }
        if count == 20 && digits + letters == 20 && isAWSKey(value) { result.insert(.awsKey) }
        // Name hints are read only for values that could need them.
        if count == 11 && digits == 9 && separators == 2 && isSSN(value) {
            let leaf = PointNames.parameterName(name)
            if leaf.contains("ssn") || leaf.contains("social") { result.insert(.nationalID) }
        }
        if letters == 0 && (8...15).contains(digits) && !result.contains(.paymentCard) && isPhone(value, name: name) {
            result.insert(.phone)
        }
        return result
    }

    /// Luhn over the digits, with a known network prefix (Visa, Mastercard, Amex, Discover, JCB, Diners).
    static func isPaymentCard(_ value: ArraySlice<UInt8>) -> Bool {
        let digits = value.filter { $0 &- 0x30 < 10 }.map { Int($0 - 0x30) }
        guard (13...19).contains(digits.count) else { return false }
        // Repeated digits (`0000…`, test ids) are not cards even when Luhn-valid.
        if digits.allSatisfy({ $0 == digits[0] }) { return false }
        let prefix2 = digits[0] * 10 + digits[1]
        let prefix4 = prefix2 * 100 + digits[2] * 10 + digits[3]
        let known = digits[0] == 4 || (51...55).contains(prefix2) || (2221...2720).contains(prefix4) || prefix2 == 34
            || prefix2 == 37 || prefix4 == 6011 || prefix2 == 65 || (3528...3589).contains(prefix4) || prefix2 == 36
        guard known else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// ISO 13616: country letters, two check digits, then the basic account number; mod 97 must be 1.
    static func isIBAN(_ value: ArraySlice<UInt8>) -> Bool {
        // Cheap shape check first: two letters, two digits (hex tokens rarely start that way). Callers pass ≥ 9 bytes.
        guard value.count >= 4 else { return false }
        let index = value.startIndex
        guard ASCII.upper(value[index]) &- 0x41 < 26, ASCII.upper(value[index + 1]) &- 0x41 < 26,
              value[index + 2] &- 0x30 < 10, value[index + 3] &- 0x30 < 10 else { return false }
        let compact = value.filter { $0 != ASCII.space }.map(ASCII.upper)
        guard (15...34).contains(compact.count), compact[0] &- 0x41 < 26, compact[1] &- 0x41 < 26,
              compact[2] &- 0x30 < 10, compact[3] &- 0x30 < 10 else { return false }
        var remainder = 0
        for byte in compact[4...] + compact[..<4] {
            if byte &- 0x30 < 10 {
                remainder = (remainder * 10 + Int(byte - 0x30)) % 97
            } else if byte &- 0x41 < 26 {
                remainder = (remainder * 100 + Int(byte - 0x41) + 10) % 97
            } else {
                return false
            }
        }
        return remainder == 1
    }

    static func isAWSKey(_ value: ArraySlice<UInt8>) -> Bool {
        guard ASCII.hasPrefixIgnoringCase(value, "akia") || ASCII.hasPrefixIgnoringCase(value, "asia") else { return false }
        return value.allSatisfy { $0 &- 0x30 < 10 || $0 &- 0x41 < 26 }
    }

    static func isSSN(_ value: ArraySlice<UInt8>) -> Bool {
        let b = Array(value)
        guard b[3] == ASCII.minus, b[6] == ASCII.minus else { return false }
        let area = Int(b[0] - 0x30) * 100 + Int(b[1] - 0x30) * 10 + Int(b[2] - 0x30)
        return area != 0 && area != 666 && area < 900
    }

    /// A phone number: `+` and 8–15 digits (E.164), or a field named for a phone with 8–15 digits.
    static func isPhone(_ value: ArraySlice<UInt8>, name fullName: String) -> Bool {
        guard value.allSatisfy({ $0 &- 0x30 < 10 || $0 == ASCII.space || $0 == ASCII.minus || $0 == ASCII.plus
            || $0 == ASCII.leftParen || $0 == ASCII.rightParen || $0 == ASCII.dot }) else { return false }
        if value.first == ASCII.plus { return true }
        let name = PointNames.parameterName(fullName)
        return name.contains("phone") || name.contains("mobile") || name == "tel" || name.hasPrefix("tel_") || name.contains("msisdn")
    }
}
