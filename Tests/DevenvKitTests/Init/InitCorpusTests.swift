import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvKit

/// `devenv init` over real compose files (Fixtures/compose-corpus and the held-out
/// Fixtures/compose-heldout; origins and licenses in their SOURCES.md): every file gives a valid
/// devenv.yml or a refusal with a reason, nothing is lost without a word, and the share carried
/// faithfully is printed. Reads through `docker compose config` (no engine needed), which the
/// test bed installs.
@Suite(.serialized) struct InitCorpusTests {
    struct Entry: Decodable { var slug: String; var main: String; var project_directory: String }

    static func entries(_ set: String) throws -> [Entry] {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixtures + "/\(set)/sources.json"))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    static func folder(_ set: String, _ e: Entry) -> String {
        TestSupport.fixtures + "/\(set)/\(e.slug)" + (e.project_directory.isEmpty || e.project_directory == "." ? "" : "/" + e.project_directory)
    }

    /// The main file relative to the project directory.
    static func file(_ e: Entry) -> String {
        let dir = e.project_directory == "." ? "" : e.project_directory
        return dir.isEmpty ? e.main : String(e.main.dropFirst(dir.count + 1))
    }

    static func run(_ set: String, _ e: Entry) async -> (InitFaithfulness, InitOperation.Result?) {
        let dir = folder(set, e)
        let home = TestSupport.tempDir("corpus")
        let ctx = DevenvContext(cwd: dir, environment: ["HOME": home, "DEVENV_HOME": home + "/.home", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                                output: .capturing(), runner: ProcessRunner())
        do {
            let r = try await InitOperation(services: nil, name: nil, force: false, files: [file(e)], dryRun: true).run(ctx)
            let kinds = try TestSupport.templates()
            let config = try await ProcessRunner().check(ComposeSource.configCommand(dir: dir, files: [file(e)]))
            let source = try ComposeSource.parse(json: Data(config.stdout.utf8))
            let m = try TestSupport.parse(r.text, file: dir + "/devenv.yml")
            return (InitFaithfulness.score(source: source, manifest: m, report: r.report, kinds: kinds), r)
        } catch let error as DevenvError where error.exitCode == .usage {
            return (InitFaithfulness(outcome: .refused, detail: error.message), nil)
        } catch let error as ManifestError {
            return (InitFaithfulness(outcome: .crashed, detail: "wrote an invalid devenv.yml: \(error.problems.map(\.message).joined(separator: "; "))"), nil)
        } catch {
            return (InitFaithfulness(outcome: .crashed, detail: "\(error)"), nil)
        }
    }

    /// Scores a whole set, prints the table, and returns the share of faithful files.
    static func score(_ set: String) async throws -> (results: [(String, InitFaithfulness)], faithful: Double) {
        var results: [(String, InitFaithfulness)] = []
        for e in try entries(set) { results.append((e.slug, await run(set, e).0)) }
        var lines = ["init over \(set): \(results.count) files"]
        for (slug, f) in results {
            lines.append("  \(slug): \(f.outcome.rawValue), \(f.carried)/\(f.items) items carried"
                + (f.silent.isEmpty ? "" : "; SILENT: \(f.silent.joined(separator: ", "))") + (f.detail.isEmpty ? "" : "; \(f.detail)"))
        }
        let count = { (o: InitFaithfulness.Outcome) in results.filter { $0.1.outcome == o }.count }
        let items = results.reduce(0) { $0 + $1.1.items }, carried = results.reduce(0) { $0 + $1.1.carried }
        let faithful = Double(count(.faithful)) / Double(max(results.count, 1))
        lines.append("  \(set) totals: faithful \(count(.faithful)), says what it lost \(count(.saysWhatItLost)), refused \(count(.refused)), silent loss \(count(.silentLoss)), crashed \(count(.crashed))")
        lines.append(String(format: "  \(set) faithfulness: %.1f%% of files carried faithfully; %.1f%% of items (%d/%d) carried; every other item named", faithful * 100, Double(carried) * 100 / Double(max(items, 1)), carried, items))
        print(lines.joined(separator: "\n"))
        return (results, faithful)
    }

    @Test func theTestBedHasComposeItself() async throws {
        let r = try await ProcessRunner().capture(Command("docker", ["compose", "version"]))
        #expect(r.succeeded, "docker compose v2 is part of the test bed (Tests/testbed): \(r.stderr)")
    }

    @Test func theCorpusIsCarriedWithNothingLostSilently() async throws {
        let (results, _) = try await Self.score("compose-corpus")
        #expect(results.count >= 40)
        for (slug, f) in results {
            #expect(f.outcome != .crashed, "\(slug): \(f.detail)")
            #expect(f.silent.isEmpty, "\(slug) loses without a word: \(f.silent)")
        }
    }

    @Test func theHeldOutCorpusIsScoredTheSameWay() async throws {
        let (results, _) = try await Self.score("compose-heldout")
        for (slug, f) in results {
            #expect(f.outcome != .crashed, "\(slug): \(f.detail)")
            #expect(f.silent.isEmpty, "\(slug) loses without a word: \(f.silent)")
        }
    }
}
