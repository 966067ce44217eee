import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Dotenv parse")
struct DotenvParseTests {
    private func parse(_ text: String, lookup: @escaping (String) -> String? = { _ in nil }) throws -> [String: String] {
        Dictionary(try Dotenv.parse(text, file: "t.env", lookup: lookup).map { ($0.key, $0.value) }) { $1 }
    }

    @Test("quotes, escapes and comments")
    func quoting() throws {
        let v = try parse("""
            A=plain # comment
            B='single $A \\n'
            C="double\\t\\"q\\" \\\\ \\$A"
            D='it\\'s'
            E=a#b
            F = spaced
            export G=exported
            H: yaml
            """)
        #expect(v == ["A": "plain", "B": "single $A \\n", "C": "double\t\"q\" \\ $A", "D": "it's", "E": "a#b",
                      "F": "spaced", "G": "exported", "H": "yaml"])
    }

    @Test("multi-line quoted values, CRLF and BOM")
    func lines() throws {
        let v = try parse("\u{FEFF}A=\"one\ntwo\"\r\nB='x\ny'\r\nC=crlf\r\n")
        #expect(v == ["A": "one\ntwo", "B": "x\ny", "C": "crlf"])
    }

    @Test("interpolation from the lookup first, then earlier keys, as compose does")
    func interpolation() throws {
        let env = ["SHELL_VAR": "shell", "BOTH": "from lookup"]
        let v = try parse("""
            BOTH=from file
            A=${SHELL_VAR}-$SHELL_VAR-${BOTH}
            B=${NOPE:-def}|${NOPE-d2}|${EMPTY:-e}|${EMPTY-kept}|${A:+alt}|${NOPE+x}
            EMPTY=
            C=${EMPTY:-e}|${EMPTY-kept}|$$|$1|$ |${NOPE:-${A}}
            D='${A}'
            INHERITED
            NOPE_INHERITED
            """, lookup: { env[$0] ?? ($0 == "INHERITED" ? "inherited" : nil) })
        #expect(v["A"] == "shell-shell-from lookup")
        #expect(v["B"] == "def|d2|e|kept|alt|")
        #expect(v["C"] == "e||$|$1|$ |shell-shell-from lookup")
        #expect(v["D"] == "${A}")
        #expect(v["INHERITED"] == "inherited")
        #expect(v["NOPE_INHERITED"] == nil)
    }

    @Test("duplicate keys: last wins, first position kept")
    func duplicates() throws {
        let entries = try Dotenv.parse("A=1\nB=2\nA=3\n", file: "t.env")
        #expect(entries.map(\.key) == ["A", "B"])
        #expect(entries.map(\.value) == ["3", "2"])
    }

    @Test("errors name the file and line", arguments: [
        ("A=1\nB=\"open\nC=2\n", "t.env:2: unterminated quoted value (missing closing \")"),
        ("A=1\n\n  BAD KEY=1\n", "t.env:3: variable name cannot contain a space: \"BAD KEY\""),
        ("# c\nA!=1\n", "t.env:2: unexpected character \"!\" in variable name \"A!=1\""),
        ("A=1\nB=${A\n", "t.env:2: invalid variable reference (write $$ for a literal $)"),
        ("A=${}\n", "t.env:1: invalid variable reference (write $$ for a literal $)"),
        ("A=1\r\nB=2\r\nC=${NOPE:?set NOPE first}\r\n", "t.env:3: required variable NOPE is missing a value: set NOPE first"),
        ("A='x\ny\nB=\"${X?}\"", "t.env:1: unterminated quoted value (missing closing ')"),
        ("A=\"x\ny\"\nB=\"${X?}\"", "t.env:3: required variable X is missing a value"),
    ])
    func errors(_ text: String, _ message: String) throws {
        let error = try #require(throws: DevenvError.self) { try Dotenv.parse(text, file: "t.env") }
        #expect(error.message == message)
        #expect(error.exitCode == .failure, "a .env that does not parse is a run-time failure (exit 1)")
        #expect(error.hint != nil)
    }

    @Test("read(path:) reads a file and treats a missing one as empty")
    func readPath() throws {
        let dir = try DotenvTestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(".env").path
        #expect(try Dotenv.read(path: path).isEmpty)
        try AtomicFile.write("A='1'\n", to: path)
        #expect(try Dotenv.read(path: path).map(\.value) == ["1"])
    }
}
