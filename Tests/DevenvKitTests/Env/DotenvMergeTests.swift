import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Golden files: `Fixtures/env/merge/<case>/existing.env` (absent: a new file) + `case.json`
/// (managed keys, last written values, force, expected outcome) → committed `expected.env`.
/// `DEVENV_UPDATE_GOLDEN=1` rewrites the expected files; review the diff before committing.
@Suite("Dotenv merge")
struct DotenvMergeTests {
    struct Case: Decodable {
        struct Expect: Decodable, Equatable {
            var updated: [String]
            var added: [String]
            var kept: [String]
            var unchanged: [String]
        }
        var managed: [[String]]
        var lastWritten: [String: String]
        var force: Bool
        var expect: Expect
    }

    static let caseNames: [String] = {
        let dir = DotenvTestSupport.fixtures.appendingPathComponent("merge")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }()

    static func read(_ url: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        // Bytes as they are: String(contentsOf:) would keep them too, but say so explicitly.
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test("there are golden cases") func casesExist() {
        #expect(Self.caseNames.count >= 10)
    }

    @Test("merge output matches the golden file", arguments: caseNames)
    func golden(_ name: String) throws {
        let dir = DotenvTestSupport.fixtures.appendingPathComponent("merge/\(name)")
        let spec = try JSONDecoder().decode(Case.self, from: Data(contentsOf: dir.appendingPathComponent("case.json")))
        let managed = spec.managed.map { (key: $0[0], value: $0[1]) }
        let existing = try Self.read(dir.appendingPathComponent("existing.env"))
        let merged = try Dotenv.merge(existing: existing, managed: managed, lastWritten: spec.lastWritten,
                                      force: spec.force, file: "\(name)/existing.env")
        let expectedURL = dir.appendingPathComponent("expected.env")
        if ProcessInfo.processInfo.environment["DEVENV_UPDATE_GOLDEN"] == "1" {
            try Data(merged.text.utf8).write(to: expectedURL)
        }
        let expected = try #require(try Self.read(expectedURL), "missing \(expectedURL.path)")
        #expect(merged.text == expected, "output drifted from \(name)/expected.env:\n\(merged.text)")
        #expect(Case.Expect(updated: merged.updated, added: merged.added, kept: merged.keptUserValues,
                            unchanged: merged.unchanged) == spec.expect)
        #expect(merged.changed == (merged.text != (existing ?? "")))

        // What compose reads from the result: managed values, except the ones a person kept;
        // every other key as it was.
        let after = Dictionary(try Dotenv.parse(merged.text, file: name).map { ($0.key, $0.value) }) { $1 }
        let before = Dictionary(try Dotenv.parse(existing ?? "", file: name).map { ($0.key, $0.value) }) { $1 }
        for (key, value) in managed {
            #expect(after[key] == (merged.keptUserValues.contains(key) ? before[key] : value), "\(key)")
        }
        for (key, value) in before where !managed.contains(where: { $0.key == key }) {
            #expect(after[key] == value, "user key \(key) changed")
        }

        // A second run with what was just written is a no-op.
        var written = spec.lastWritten
        for (key, value) in managed where !merged.keptUserValues.contains(key) { written[key] = value }
        let again = try Dotenv.merge(existing: merged.text, managed: managed, lastWritten: written, force: false)
        #expect(!again.changed)
        #expect(again.text == merged.text)
        let check = try Dotenv.check(existing: merged.text, managed: managed, lastWritten: written)
        #expect(check.isUpToDate)
    }

    @Test("every line a person wrote survives, byte for byte")
    func userLinesSurvive() throws {
        let existing = "# mine\r\nexport A=1 # note\r\n\r\nB='x'\r\nDATABASE_URL=old\r\n   # trailing comment"
        let merged = try Dotenv.merge(existing: existing, managed: [("DATABASE_URL", "new value")],
                                      lastWritten: ["DATABASE_URL": "old"], force: false)
        #expect(merged.text == "# mine\r\nexport A=1 # note\r\n\r\nB='x'\r\nDATABASE_URL='new value'\r\n   # trailing comment")
        #expect(merged.updated == ["DATABASE_URL"])
    }

    @Test("a value followed by more text on its line stays quoted", arguments: [
        ("A='old'#note\n", "A='new'#note\n"),
        ("A=\"old\" B=1\n", "A='new' B=1\n"),
        ("A='old' # note\n", "A=new # note\n"),
        ("A=old   # note\r\n", "A=new   # note\r\n"),
        ("A=\"old\"\t# tab\n", "A='new'\t# tab\n"),
    ])
    func trailingText(_ existing: String, _ expected: String) throws {
        let merged = try Dotenv.merge(existing: existing, managed: [("A", "new")], lastWritten: ["A": "old"], force: false)
        #expect(merged.text == expected)
        #expect(try Dotenv.parse(merged.text, file: "t").first { $0.key == "A" }?.value == "new")
    }

    @Test("check lists missing and stale keys, not a person's own values")
    func checkReports() throws {
        let text = "A=1\nB=person\nC=old\n"
        let check = try Dotenv.check(existing: text, managed: [("A", "1"), ("B", "devenv"), ("C", "new"), ("D", "d")],
                                     lastWritten: ["B": "devenv-before", "C": "old"], file: "api/.env")
        #expect(check.missing == ["D"])
        #expect(check.stale == ["C"])
        #expect(check.userValues == ["B"])
        #expect(!check.isUpToDate)
        let none = try Dotenv.check(existing: nil, managed: [("A", "1")])
        #expect(none.missing == ["A"])
    }

    @Test("managed keys are validated", arguments: ["", "1ABC", "A B", "A=B", "A-B", "É"])
    func invalidKeys(_ key: String) {
        #expect(throws: DevenvError.self) {
            try Dotenv.merge(existing: nil, managed: [(key, "v")], lastWritten: [:], force: false)
        }
    }

    @Test("a duplicate managed key or a NUL value is refused")
    func refusals() {
        #expect(throws: DevenvError.self) {
            try Dotenv.merge(existing: nil, managed: [("A", "1"), ("A", "2")], lastWritten: [:], force: false)
        }
        #expect(throws: DevenvError.self) {
            try Dotenv.merge(existing: nil, managed: [("A", "a\0b")], lastWritten: [:], force: false)
        }
    }

    @Test("a file compose cannot parse is not rewritten")
    func unparsableExisting() throws {
        let error = try #require(throws: DevenvError.self) {
            try Dotenv.merge(existing: "A=1\nB=\"open\n", managed: [("A", "2")], lastWritten: [:], force: true,
                             file: "web/.env.local")
        }
        #expect(error.message == "web/.env.local:2: unterminated quoted value (missing closing \")")
        #expect(error.exitCode == .failure)
    }

    @Test("nothing to manage and no file: nothing to write")
    func emptyManaged() throws {
        let merged = try Dotenv.merge(existing: nil, managed: [], lastWritten: [:], force: false)
        #expect(merged.text == "")
        #expect(!merged.changed)
    }

    @Test("random managed values survive merge into a file with user lines (seeded)")
    func randomMerge() throws {
        let base = "# keep me\nexport USER_A=1\n\nUSER_B='two words'\r\nM0=old\n"
        let values = HardValues.random(count: 200, seed: 42).filter { !$0.contains("\0") }
        var rng = SeededGenerator(seed: 7)
        for chunk in stride(from: 0, to: values.count, by: 5) {
            let managed = values[chunk..<min(chunk + 5, values.count)].enumerated().map { (key: "M\($0.offset)", value: $0.element) }
            let merged = try Dotenv.merge(existing: base, managed: managed, lastWritten: ["M0": "old"],
                                          force: Bool.random(using: &rng))
            let read = Dictionary(try Dotenv.parse(merged.text, file: "random").map { ($0.key, $0.value) }) { $1 }
            for (key, value) in managed { #expect(read[key] == value, "\(value.debugDescription)") }
            #expect(read["USER_A"] == "1" && read["USER_B"] == "two words")
            #expect(merged.text.hasPrefix("# keep me\nexport USER_A=1\n\nUSER_B='two words'\r\nM0="))
        }
    }
}
