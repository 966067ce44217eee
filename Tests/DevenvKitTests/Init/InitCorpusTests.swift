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
            var f = InitFaithfulness.score(source: source, manifest: m, report: r.report, kinds: kinds)
            f.roundTrip = try InitRoundTrip.differences(source: source, manifest: m, report: r.report, dir: dir)
            return (f, r)
        } catch let error as DevenvError where error.exitCode == .usage {
            return (InitFaithfulness(outcome: .refused, detail: error.message), nil)
        } catch let error as ManifestError {
            return (InitFaithfulness(outcome: .crashed, detail: "wrote an invalid devenv.yml: \(error.problems.map(\.message).joined(separator: "; "))"), nil)
        } catch {
            return (InitFaithfulness(outcome: .crashed, detail: "\(error)"), nil)
        }
    }

    /// Scores a whole set, prints the table, and returns the share of faithful files.
    /// `golden`: each file's written devenv.yml and init report (or its refusal) are also
    /// compared with Fixtures/init-golden/SLUG.* (`UPDATE_GOLDEN=1` rewrites them).
    static func score(_ set: String, golden: Bool = false) async throws -> (results: [(String, InitFaithfulness)], faithful: Double) {
        var results: [(String, InitFaithfulness)] = []
        for e in try entries(set) {
            let (f, r) = await run(set, e)
            results.append((e.slug, f))
            if golden { try InitGoldenTests.compare(e.slug, f, r) }
        }
        var lines = ["init over \(set): \(results.count) files"]
        for (slug, f) in results {
            lines.append("  \(slug): \(f.outcome.rawValue), \(f.carried)/\(f.items) items carried"
                + (f.silent.isEmpty ? "" : "; SILENT: \(f.silent.joined(separator: ", "))") + (f.detail.isEmpty ? "" : "; \(f.detail)")
                + (f.roundTrip.isEmpty ? "" : "; ROUND TRIP: \(f.roundTrip.joined(separator: ", "))"))
            // INIT_CORPUS_DETAIL=1: each item not carried, to group the reasons by count
            if ProcessInfo.processInfo.environment["INIT_CORPUS_DETAIL"] != nil { lines += f.lost.map { "    lost: \($0)" } }
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
        let (results, _) = try await Self.score("compose-corpus", golden: true)
        #expect(results.count >= 40)
        for (slug, f) in results {
            #expect(f.outcome != .crashed, "\(slug): \(f.detail)")
            #expect(f.silent.isEmpty, "\(slug) loses without a word: \(f.silent)")
            #expect(f.roundTrip.isEmpty, "\(slug): devenv's rendered stack differs from the source: \(f.roundTrip)")
        }
    }

    /// Scored the same way, and the same round trip: what init wrote, rendered as `devenv up`
    /// renders it and read back by compose, keeps what the source had (`InitRoundTrip`).
    @Test func theHeldOutCorpusIsScoredTheSameWay() async throws {
        let (results, _) = try await Self.score("compose-heldout")
        for (slug, f) in results {
            #expect(f.outcome != .crashed, "\(slug): \(f.detail)")
            #expect(f.silent.isEmpty, "\(slug) loses without a word: \(f.silent)")
            #expect(f.roundTrip.isEmpty, "\(slug): devenv's rendered stack differs from the source: \(f.roundTrip)")
        }
    }
}

/// Golden files of the written devenv.yml and of init's report, for every file of the corpus
/// (Fixtures/init-golden; `UPDATE_GOLDEN=1` rewrites them). A refused file's report golden
/// holds its refusal. Compared in the corpus's own scoring pass (`InitCorpusTests`).
@Suite(.serialized) struct InitGoldenTests {
    static func compare(_ slug: String, _ score: InitFaithfulness, _ result: InitOperation.Result?) throws {
        let folder = TestSupport.fixtures + "/init-golden"
        let base = folder + "/" + slug
        // A refusal is kept up to compose's own words, which vary from run to run (map order).
        let refusal = score.detail.components(separatedBy: ": ").prefix(1).joined(separator: ": ")
        let report = result.map { $0.report.lines().joined(separator: "\n") + "\n" } ?? "\(score.outcome.rawValue): \(refusal)\n"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if let r = result { try r.text.write(toFile: base + ".devenv.yml", atomically: true, encoding: .utf8) }
            try report.write(toFile: base + ".report.txt", atomically: true, encoding: .utf8)
        }
        if let r = result {
            #expect(r.text == (try? String(contentsOfFile: base + ".devenv.yml", encoding: .utf8)), "\(slug): devenv.yml differs from \(base).devenv.yml")
        } else {
            #expect(!FileManager.default.fileExists(atPath: base + ".devenv.yml"), "\(slug) is refused now, but has a golden devenv.yml")
        }
        #expect(report == (try? String(contentsOfFile: base + ".report.txt", encoding: .utf8)), "\(slug): the report differs from \(base).report.txt")
    }

    /// Values YAML treats specially come back exactly as compose gave them.
    @Test func theEmitterRoundTripsEveryValue() throws {
        let values = ["${VAR}", "a # not a comment", "x]", "key: value", "\"quoted\" and 'single'", "line one\nline two\n", "no newline\nat end",
                      "yes", "0123", "3.10", "", " leading space", "{{not.a.template", "*anchor", "&ref", "!tag", "@at", "%pct", "`tick`", "trailing ", "null", "~"]
        var c = InitOperation.Choice(name: "app", image: "example/app:1.0@sha256:abc")
        c.env = values.enumerated().map { .init(key: "K\($0.offset)", value: $0.element) }
        c.command = values.filter { !$0.isEmpty }   // devenv.yml reads an empty command word as none
        let text = try InitManifestWriter.manifest(name: nil, choices: [c], detected: InitDetection(), kinds: [:])
        let m = try TestSupport.parse(text)
        #expect(m.services[0].image == "example/app:1.0@sha256:abc")
        #expect(m.services[0].environment.map(\.value) == values, "\(text)")
        #expect(m.services[0].command == values.filter { !$0.isEmpty }, "\(text)")
    }
}

/// Without a compose binary, init reads the file as plain YAML and says so; the argv it runs
/// otherwise is compose's own `config --format json` over every profile.
@Suite struct InitFallbackTests {
    struct NoCompose: ProcessRunning {
        func capture(_ command: Command) async throws -> CommandResult {
            CommandResult(status: 1, stdout: "", stderr: "docker: 'compose' is not a docker command.")
        }
        func attach(_ command: Command) async throws -> Int32 { 1 }
    }

    @Test func withoutComposeTheFileIsReadAsPlainYAMLWithAWarning() async throws {
        let dir = TestSupport.tempDir("init-fallback")
        try """
        x-env: &env { DATABASE_URL: "postgres://app:secret@db:5432/app" }
        services:
          db: { image: "postgres:16", environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: secret, POSTGRES_DB: app } }
          search: { image: "elasticsearch:7.16.1", ports: ["9200:9200", "5000:5000/udp"], environment: *env }
        """.write(toFile: dir + "/docker-compose.dev.yml", atomically: true, encoding: .utf8)
        let ctx = DevenvContext(cwd: dir, environment: ["HOME": dir, "DEVENV_HOME": dir + "/.home"], output: .capturing(), runner: NoCompose())
        let r = try await InitOperation(services: nil, name: nil, force: false, dryRun: true).run(ctx)
        #expect(r.report.reader == "plain YAML" && r.report.warnings.contains { $0.contains("docker compose is not installed") })
        #expect(!r.written && !FileManager.default.fileExists(atPath: dir + "/devenv.yml"))
        #expect(r.text.contains("db: {kind: postgres, version: \"16\", databases: [app]}"), "\(r.text)")
        #expect(r.text.contains("image: \"elasticsearch:7.16.1\""), "an Elasticsearch tag is not an OpenSearch version: \(r.text)")
        let search = try #require(r.report.rows.first { $0.service == "search" })
        #expect(search.carried.contains("port 5000/udp") && r.text.contains("udp5000: 5000/udp"), "a UDP port is carried: \(r.text)")
        #expect(r.text.contains("DATABASE_URL: \"postgres://{{db.user}}:{{db.password}}@db:5432/app\""), "the literal user and password of db, in a container's env: \(r.text)")
        #expect(r.report.rewrites.contains { $0.service == "search" && $0.key == "DATABASE_URL" && $0.from == "postgres://app:***@db:5432/app" })
        let argv = ComposeSource.configCommand(dir: "/p", files: ["docker-compose.dev.yml"]).arguments
        #expect(argv == ["compose", "--project-directory", "/p", "--file", "/p/docker-compose.dev.yml", "--profile", "*", "config", "--format", "json"])
    }
}
