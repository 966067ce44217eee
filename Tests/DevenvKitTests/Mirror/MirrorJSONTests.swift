import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The mirror's own JSON reader (JSONReader.swift) reads what Foundation's reads, and refuses
/// what RFC 8259 refuses.
@Suite("Mirror: JSON reader")
struct MirrorJSONTests {
    typealias J = StagingParse.JSON

    @Test func readsEveryKindOfValue() throws {
        let text = #" { "s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "n": -12.5e2, "z": 0, "t": true, "f": false, "x": null, "a": [1, [], {}], "o": {"k": "v"} } "#
        let v = try JSONReader.parse(text)
        #expect(v == .object(["s": .string("a\"b\\c/d\n\té😀"), "n": .number(-1250), "z": .number(0), "t": .bool(true), "f": .bool(false),
                              "x": .null, "a": .array([.number(1), .array([]), .object([:])]), "o": .object(["k": .string("v")])]))
        #expect(try JSONReader.parse("\"plain é\"") == .string("plain é"))
        #expect(try JSONReader.parse("{\"k\": 1, \"k\": 2}") == .object(["k": .number(2)]), "a repeated key: the last wins")
    }

    @Test("invalid JSON is refused", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{'a': 1}", "01", "1.", "-", "tru", "\"unterminated", "\"tab\tinside\"", "\"\\x\"",
        "\"\\ud83d\"", "[1] 2", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func refused(text: String) {
        #expect(throws: JSONReader.Invalid.self) { try JSONReader.parse(text) }
    }
}
