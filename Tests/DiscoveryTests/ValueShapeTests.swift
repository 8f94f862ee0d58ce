import Discovery
import Testing

@Suite("Value shapes and sensitive data")
struct ValueShapeTests {
    @Test("formats", arguments: [
        ("42", ValueFormats([.integer, .number])), ("-7", [.integer, .number]), ("3.25", [.number]), ("1e5", [.number]),
        ("007", []), ("true", [.boolean]), ("FALSE", [.boolean]), ("truex", []),
        ("6f1c2a4e-9b3d-4c1e-a2f0-1b2c3d4e5f60", [.uuid]), ("2024-02-29", [.date]),
        ("2024-02-29T10:11:12.5Z", [.dateTime]), ("2024-02-29T10:11:12+01:00", [.dateTime]),
        ("alice@example.com", [.email]), ("10.0.0.1", [.ipv4]), ("fe80::1", [.ipv6]),
        ("https://example.com/a", [.url]), ("d41d8cd98f00b204e9800998ecf8427e", [.hex]),
        ("AbCdEf0123456789XyZ_-q", [.base64, .mixedSlug]), ("iphone-15-pro", [.mixedSlug]), ("v1", []), ("me", []),
        ("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln", [.jwt]), ("hello world", []), ("999.1.1.1", []),
    ] as [(String, ValueFormats)])
    func formats(value: String, expected: ValueFormats) {
        #expect(ValueShape.formats(Array(value.utf8)) == expected)
    }

    @Test("sensitive values", arguments: [
        ("card", "4111 1111 1111 1111", SensitiveKinds.paymentCard), ("card", "4111 1111 1111 1112", []),
        ("n", "5500-0000-0000-0004", .paymentCard), ("n", "1234567812345678", []),
        ("iban", "DE89 3704 0044 0532 0130 00", .iban), ("iban", "DE89 3704 0044 0532 0130 01", []),
        ("ssn", "123-45-6789", .nationalID), ("code", "123-45-6789", []), ("ssn", "666-45-6789", []),
        ("phone", "030 1234567", .phone), ("x", "+4915112345678", .phone), ("count", "123456789", []),
        ("key", "AKIAIOSFODNN7EXAMPLE", .awsKey), ("from", "alice@example.com", .email), ("ip", "192.168.1.1", .ipAddress),
    ] as [(String, String, SensitiveKinds)])
    func sensitiveValues(name: String, value: String, expected: SensitiveKinds) {
        let bytes = Array(value.utf8)[...]
        #expect(SensitiveData.kinds(inValue: bytes, formats: ValueShape.formats(bytes), name: name) == expected)
    }

    @Test("sensitive names", arguments: [
        ("password", SensitiveKinds.password), ("user.new_password", .password), ("client_secret", .secret),
        ("x-api-key", .secret), ("token", .secret), ("username", []), ("passenger", []),
    ] as [(String, SensitiveKinds)])
    func sensitiveNames(name: String, expected: SensitiveKinds) {
        #expect(SensitiveData.kinds(forName: name) == expected)
    }
}
