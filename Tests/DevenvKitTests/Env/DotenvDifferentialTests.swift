import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// devenv's writer and reader against the real tools: docker compose (the reference),
/// python-dotenv and `node --env-file`. Each tool runs once per test, on one batch file.
@Suite("Dotenv differential")
struct DotenvDifferentialTests {
    private func describe(_ value: String) -> String { value.debugDescription }

    @Test("docker compose reads back every value devenv writes")
    func composeReadsEveryValue() throws {
        let dir = try DotenvTestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try HardValues.writeBatch(to: dir)
        let read = try DotenvTestSupport.composeRead(envFile: file, keys: HardValues.batch.map(\.key), in: dir)
        for (key, value) in HardValues.batch {
            #expect(read[key] == value, "\(key) \(describe(value)) written as \(Dotenv.quote(value))")
            #expect(Dotenv.readers(of: value).contains(.compose))
        }
    }

    @Test("python-dotenv reads back every value devenv says it can")
    func pythonReadsPortableValues() throws {
        let dir = try DotenvTestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try HardValues.writeBatch(to: dir)
        let read = try DotenvTestSupport.pythonRead(envFile: file, in: dir)
        // A value python-dotenv cannot carry must not spill into other lines either.
        #expect(Set(read.keys) == Set(HardValues.batch.map(\.key)))
        var carried = 0
        for (key, value) in HardValues.batch where Dotenv.readers(of: value).contains(.python) {
            carried += 1
            #expect(read[key] == value, "\(key) \(describe(value)) written as \(Dotenv.quote(value))")
        }
        #expect(carried > HardValues.batch.count / 2)
    }

    @Test("node --env-file reads back every value devenv says it can")
    func nodeReadsPortableValues() throws {
        let dir = try DotenvTestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try HardValues.writeBatch(to: dir)
        let read = try DotenvTestSupport.nodeRead(envFile: file, prefix: "DEVENV_Q", in: dir)
        // A value Node cannot carry must not spill into other lines either.
        #expect(Set(read.keys) == Set(HardValues.batch.map(\.key)))
        var carried = 0
        for (key, value) in HardValues.batch where Dotenv.readers(of: value).contains(.node) {
            carried += 1
            #expect(read[key] == value, "\(key) \(describe(value)) written as \(Dotenv.quote(value))")
        }
        #expect(carried > HardValues.batch.count / 3)
    }

    /// Hand-written files in compose's syntax (not devenv's output): the parser must agree with
    /// compose on each key, lookup included.
    @Test("Dotenv.parse reads hand-written files exactly as docker compose does")
    func parserMatchesCompose() throws {
        let dir = try DotenvTestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = DotenvTestSupport.fixtures.appendingPathComponent("syntax/compose-syntax.env")
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let environment = ["DEVENV_T_FROM_ENV": "from the environment", "DEVENV_T_SHADOWED": "env wins"]
        let parsed = try Dotenv.parse(text, file: "compose-syntax.env", lookup: { environment[$0] })
        #expect(parsed.count >= 40)
        let composed = try DotenvTestSupport.composeRead(envFile: fixture, keys: parsed.map(\.key), in: dir,
                                                         environment: environment)
        // compose lets the shell environment override the file when it interpolates its own
        // file; that is compose's rule, not the parser's, so those names are left out here.
        for (key, value) in parsed where environment[key] == nil {
            #expect(composed[key] == value, "\(key): devenv read \(describe(value)), compose \(describe(composed[key] ?? "<unset>"))")
        }
    }
}
