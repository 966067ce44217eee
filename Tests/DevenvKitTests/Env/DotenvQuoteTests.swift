import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Dotenv quote")
struct DotenvQuoteTests {
    @Test("the preferred forms", arguments: [
        ("", ""),
        ("abc-123_x.y/z:8080", "abc-123_x.y/z:8080"),
        ("postgres://u:p%40@127.0.0.1:5432/db?sslmode=disable&x=1", "postgres://u:p%40@127.0.0.1:5432/db?sslmode=disable&x=1"),
        ("hello world", "'hello world'"),
        ("$HOME and #hash", "'$HOME and #hash'"),
        ("it's", "\"it's\""),
        ("line1\nline2", "\"line1\\nline2\""),
        ("it's \"quoted\"", "it's \"quoted\""),
        ("\\\\server\\share", "\\\\server\\share"),
        (" it's \"x\" ", "\" it's \\\"x\\\" \""),
        ("it's $HOME", "'it\\'s $HOME'"),
        ("${HOME}", "'${HOME}'"),
        ("a\rb", "\"a\\rb\""),
        // A backslash before the closing quote goes in octal, so python-dotenv is not derailed.
        ("say \"$HOME\" it's \\", "\"say \\\"\\$HOME\\\" it's \\0134\""),
    ])
    func forms(_ value: String, _ written: String) {
        #expect(Dotenv.quote(value) == written)
    }

    @Test("who can read what", arguments: [
        ("plain value", DotenvReaders.all),
        ("it's \"x\"", DotenvReaders.all),
        ("a\rb", [.compose, .python]),
        ("${HOME}", [.compose, .node]),
        (" it's \"x\" ", [.compose, .python]),
        ("it's $HOME", [.compose, .python]),
        ("it's $HOME \\", [.compose]),
    ] as [(String, DotenvReaders)])
    func readers(_ value: String, _ readers: DotenvReaders) {
        #expect(Dotenv.readers(of: value) == readers, "\(Dotenv.quote(value))")
    }

    @Test("every hard value round-trips through quote and parse")
    func corpusRoundTrip() throws {
        for value in HardValues.corpus {
            let parsed = try Dotenv.parse("K=\(Dotenv.quote(value))\n", file: "q.env")
            #expect(parsed.first?.value == value, "\(value.debugDescription) written as \(Dotenv.quote(value))")
        }
    }

    @Test("random values round-trip through quote and parse (seeded)", arguments: [1, 2, 3] as [UInt64])
    func randomRoundTrip(_ seed: UInt64) throws {
        let values = HardValues.random(count: 200, seed: seed)
        // One file with every value, to catch a value that leaks into the next line too.
        let text = values.enumerated().map { "K\($0.offset)=\(Dotenv.quote($0.element))" }.joined(separator: "\n")
        let parsed = try Dotenv.parse(text, file: "random.env")
        #expect(parsed.count == values.count)
        for (i, value) in values.enumerated() {
            #expect(parsed[i].key == "K\(i)")
            #expect(parsed[i].value == value, "\(value.debugDescription) written as \(Dotenv.quote(value))")
        }
    }

    @Test("a written value never spans lines unless it holds a line break, and never holds a raw CR")
    func oneLine() {
        for value in HardValues.corpus + HardValues.random(count: 300, seed: 9) {
            let written = Dotenv.quote(value)
            #expect(!written.unicodeScalars.contains("\r"), "\(value.debugDescription)")
            if !value.unicodeScalars.contains("\n") { #expect(!written.unicodeScalars.contains("\n"), "\(value.debugDescription)") }
        }
    }

    /// The file header of DotenvQuoting.swift lists the values no common form carries; this
    /// keeps that list exhaustive.
    @Test("every value not all three readers share falls under a documented case")
    func documentedLimits() {
        for value in HardValues.corpus + HardValues.random(count: 5000, seed: 99) where Dotenv.readers(of: value) != .all {
            let s = Array(value.unicodeScalars)
            let apostrophe = s.contains("'")
            let needsQuotes = Dotenv.Form.bare.readers(value) != .all
            let active = s.indices.contains { s[$0] == "$" && Dotenv.Form.activeDollar(s, at: $0) }
            let cases = [
                s.contains("\r"),
                Dotenv.Form.contains(s, "${"),
                apostrophe && active,
                apostrophe && (s.contains("\"") || s.contains("\\")) && needsQuotes,
                (s.last == "\\" || Dotenv.Form.contains(s, "\\\\")) && needsQuotes
                    && Dotenv.Form.single.readers(value) != .all,
            ]
            #expect(cases.contains(true), "undocumented: \(value.debugDescription) → \(Dotenv.quote(value))")
        }
    }
}
