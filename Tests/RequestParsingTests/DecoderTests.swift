import MirrorGuardCore
import Testing
@testable import RequestParsing

@Suite("Decoders")
struct DecoderTests {
    @Test("percent decoding", arguments: [
        ("%3Cscript%3E", false, "<script>"),
        ("a+b%2Bc", true, "a b+c"),
        ("a+b", false, "a+b"),
        ("%u003Cb%u003E", false, "<b>"),
        ("%uD83D%uDE00", false, "😀"),
        ("100%", false, "100%"),
        ("%zz%4", false, "%zz%4"),
        ("%2527", false, "%27"),
    ])
    func percent(input: String, plus: Bool, expected: String) {
        #expect(String(decoding: PercentDecoder.decode(Array(input.utf8), plusAsSpace: plus), as: UTF8.self) == expected)
    }

    @Test("HTML character references", arguments: [
        ("&lt;img src=x&gt;", "<img src=x>"),
        ("&#60;&#x3C;&#X3c;&#0000060;", "<<<<"),
        ("&#60&#x3c", "<<"),
        ("java&Tab;script&colon;", "java\tscript:"),
        ("AT&T &amp co", "AT&T & co"),
        ("&unknown;", "&unknown;"),
        ("&#99999999999999;", "\u{FFFD}"),
    ])
    func entities(input: String, expected: String) {
        #expect(String(decoding: HTMLEntityDecoder.decode(Array(input.utf8)), as: UTF8.self) == expected)
    }

    @Test("JavaScript and JSON escapes", arguments: [
        (#"\u003cscript\u003e"#, "<script>"),
        (#"\x3csvg\x3e"#, "<svg>"),
        (#"\u{3c}b\u{3E}"#, "<b>"),
        (#"\ud83d\ude00"#, "😀"),
        (#"a\nb\'c"#, "a\nb'c"),
        (#"C:\path\q"#, #"C:\path\q"#),
    ])
    func escapes(input: String, expected: String) {
        #expect(String(decoding: UnicodeEscapeDecoder.decode(Array(input.utf8)), as: UTF8.self) == expected)
    }

    @Test("base64 and base64url")
    func base64() {
        #expect(Base64Decoder.decode(Array("aGVsbG8gd29ybGQ=".utf8)) == Array("hello world".utf8))
        #expect(Base64Decoder.decode(Array("aGVsbG8gd29ybGQ".utf8)) == Array("hello world".utf8))
        #expect(Base64Decoder.decode(Array("-_-_".utf8)) == [0xFB, 0xFF, 0xBF])
        #expect(Base64Decoder.decode(Array("a".utf8)) == nil)
        #expect(Base64Decoder.decode(Array("ab$d".utf8)) == nil)
        #expect(Base64Decoder.looksEncoded(Array("Y2F0IC9ldGMvcGFzc3dk".utf8)))
        #expect(!Base64Decoder.looksEncoded(Array("deadbeefdeadbeefdeadbeef".utf8)))
        #expect(!Base64Decoder.looksEncoded(Array("short".utf8)))
    }

    @Test("decoding to text equals decoding then the text check, at the edge of the controls it allows")
    func base64Text() {
        var generator = SeededGenerator(seed: 0x6261_7365_3634)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8)
        func encode(_ bytes: [UInt8]) -> [UInt8] {
            var output: [UInt8] = []
            var index = 0
            while index < bytes.count {
                let chunk = Array(bytes[index..<min(index + 3, bytes.count)]) + [0, 0]
                let word = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
                let sextets = min(4, (bytes.count - index) * 4 / 3 + 1)
                for position in 0..<sextets { output.append(alphabet[Int(word >> UInt32(18 - 6 * position) & 63)]) }
                index += 3
            }
            return output
        }
        var inputs: [[UInt8]] = []
        for length in 1...160 {
            let limit = length * 3 / 100
            for controls in [0, limit, limit + 1] {
                var text = (0..<length).map { _ in UInt8(0x20 + generator.next() % 0x5F) }
                for _ in 0..<controls { text[Int(generator.next() % UInt64(length))] = UInt8(generator.next() % 0x09) }
                inputs.append(encode(text))
                inputs.append(encode(text) + Array("==".utf8))
                if length >= 2 { inputs.append(encode(Array(text.dropLast(2)) + [0xC3, 0xA9])) }  // é: valid UTF-8
                inputs.append(encode(text + [0xFF]))  // never valid UTF-8
            }
            // Alphabet soup, as ids and slugs are, and one byte outside the alphabet.
            var soup = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            inputs.append(soup)
            soup[Int(generator.next() % UInt64(length))] = ASCII.dot
            inputs.append(soup)
        }
        for input in inputs {
            let expected = Base64Decoder.decode(input).flatMap { Base64Decoder.isPrintableText($0) ? $0 : nil }
            #expect(Base64Decoder.decodeText(input) == expected, "\(String(decoding: input, as: UTF8.self))")
        }
        #expect(inputs.contains { Base64Decoder.decodeText($0) != nil } && inputs.contains { Base64Decoder.decode($0) != nil && Base64Decoder.decodeText($0) == nil })
    }

    @Test("point name segments cannot break the name grammar")
    func nameSegments() {
        #expect(PointName.segment(Array("a.b[c]|d#e@f%g h".utf8), limit: 64) == "a%2Eb%5Bc%5D%7Cd%23e%40f%25g%20h")
        #expect(PointName.segment(Array(repeating: 0x61, count: 100), limit: 8) == "aaaaaaaa~~")
        #expect(PointName.segment([0xFF, 0x00], limit: 8) == "%FF%00")
    }
}
