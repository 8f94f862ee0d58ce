import Foundation
import Testing
@testable import Detection

/// Golden file for the SQL tokenizer: `Golden/sql-tokens.txt` holds blocks of `> input` followed by the
/// expected tokens, one per line as `kind[:word] «text»`. Regenerate with MIRRORGUARD_UPDATE_GOLDEN=1.
@Suite("SQL tokenizer golden file")
struct SQLLexerGoldenTests {
    static let inputs: [String] = [
        "1 OR 1=1",
        "' or 'a'='a",
        "x' UNION/**/SELECT null,@@version-- -",
        "1/*!50000union*/ /*!select*/ 1",
        "0x1F 0b101 1e5 .5 3.14e-2 1e0union",
        "N'abc' _utf8'x' X'41' $$dollar$$ $tag$tagged$tag$ `tick`",
        "'it''s' \"a\\\"b\" 'unterminated",
        "dbms_lock.sleep(5) master..xp_cmdshell('dir') sleep (1) if(1,2,3)",
        "a <=> b <> c != d || e && f :: g -> h",
        "# mysql comment\n-- sql comment\nselect /* block */ 1",
        "@a @@version @'quoted' \\N",
        "1a union 2union",
    ]

    static func render(_ input: String, vocabulary: SQLVocabulary) -> String {
        let bytes = Array(input.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var lexer = SQLLexer(bytes: buffer, start: 0, vocabulary: vocabulary)
            var lines: [String] = []
            while let token = lexer.next() {
                let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[token.start..<token.end]), as: UTF8.self)
                var kind = "\(token.kind)"
                if token.word != .none { kind += ":\(token.word)" }
                if token.kind == .string && !token.terminated { kind += ":open" }
                lines.append("\(kind) «\(text.replacingOccurrences(of: "\n", with: "\\n"))»")
            }
            return lines.joined(separator: "\n")
        }
    }

    static var goldenURL: URL {
        Bundle.module.url(forResource: "Golden", withExtension: nil)!.appendingPathComponent("sql-tokens.txt")
    }

    @Test("tokens match the golden file")
    func golden() throws {
        let vocabulary = SQLVocabulary()
        let rendered = Self.inputs.map { "> \($0.replacingOccurrences(of: "\n", with: "\\n"))\n" + Self.render($0, vocabulary: vocabulary) }
            .joined(separator: "\n\n") + "\n"
        if ProcessInfo.processInfo.environment["MIRRORGUARD_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/sql-tokens.txt")
            try rendered.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Self.goldenURL, encoding: .utf8)
        let expectedBlocks = expected.components(separatedBy: "\n\n")
        let actualBlocks = rendered.components(separatedBy: "\n\n")
        #expect(expectedBlocks.count == actualBlocks.count)
        for (expectedBlock, actualBlock) in zip(expectedBlocks, actualBlocks) {
            #expect(expectedBlock == actualBlock)
        }
    }
}
