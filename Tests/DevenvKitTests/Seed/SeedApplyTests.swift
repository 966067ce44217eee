import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Seeds applied by `up` and `devenv seed` on the simulated engine: each file once, in manifest
/// order, streamed into its service's container and recorded in the ledger; a changed file is
/// reported and waits for `--force`; a failing file stops the run naming it, unrecorded; data
/// whose ledger is lost gets no seed at all until the user says what it holds.
@Suite struct SeedApplyTests {
    typealias World = OrchestrationTests.World

    static let manifest = """
    name: shop
    services:
      postgres: { version: "16", databases: [shop, shop_test] }
      redis: {}
    seed:
      postgres: [db/schema.sql, db/data.sql, { file: db/test.sql, database: shop_test }]
      redis: [seeds/cache.redis]
    """
    static let files = ["db/schema.sql": "CREATE TABLE users (id int, name text);\n", "db/data.sql": "INSERT INTO users VALUES (1, 'ada');\n",
                        "db/test.sql": "CREATE TABLE fixtures (n int);\n", "seeds/cache.redis": "SET greeting hello\n"]
    static let order = ["shop: exec postgres < schema.sql", "shop: exec postgres < data.sql", "shop: exec postgres < test.sql", "shop: exec redis < cache.redis"]

    static func world(_ manifest: String = manifest) throws -> World {
        let w = try World(manifest, images: ["postgres:16", "redis:7"])
        for (path, text) in files { try write(w, path, text) }
        return w
    }

    static func write(_ w: World, _ path: String, _ text: String) throws {
        let full = w.root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    static func ledgerPath(_ w: World) -> String { SeedLedger.path(stateDir: StackPlanner.stateDir(root: w.root, stack: "shop")) }
    static func ledger(_ w: World) throws -> SeedLedger { try SeedLedger.load(ledgerPath(w)) }
    static func seeds(_ w: World, from: Int) -> [String] { w.docker.steps(from: from).filter { $0.contains(" < ") } }

    static func seed(_ w: World, _ service: String? = nil, force: Bool = false) async throws -> SeedOperation.Report {
        try await SeedOperation.run(w.ctx, service: service, force: force, branch: false)
    }

    @Test func everySeedRunsOnceInManifestOrderAndTheLedgerRecordsIt() async throws {
        let w = try Self.world()
        let outcome = try await UpSequenceTests.up(w)
        #expect(Self.seeds(w, from: 0) == Self.order)
        let schema = try #require(w.docker.commands.first { $0.stdinFile?.hasSuffix("/db/schema.sql") == true })
        #expect(schema.argv == ["docker", "compose", "--project-name", "shop", "--file", outcome.plan.composeFile, "exec", "-T", "postgres",
                                "psql", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-q", "-o", "/dev/null", "-U", "devenv", "-d", "shop", "-f", "-"])
        #expect(schema.stdinFile == w.root + "/db/schema.sql", "the file is streamed, never read into devenv")
        let test = try #require(w.docker.commands.first { $0.stdinFile?.hasSuffix("/db/test.sql") == true })
        #expect(Array(test.argv.suffix(4)) == ["-d", "shop_test", "-f", "-"])
        let setup = try #require(w.docker.steps().firstIndex(of: "shop: exec postgres"))
        #expect(setup < (w.docker.steps().firstIndex(of: Self.order[0]) ?? 0), "the extra database exists before its seed runs")

        #expect(outcome.seedReport.applied.map(\.file) == ["db/schema.sql", "db/data.sql", "db/test.sql", "seeds/cache.redis"])
        #expect(outcome.seedReport.lines.first?.hasPrefix("Seeded postgres (shop) from db/schema.sql in ") == true)
        let entries = try Self.ledger(w).seeds
        #expect(entries.map { "\($0.service) \($0.file) \($0.target)" } == ["postgres db/schema.sql shop", "postgres db/data.sql shop",
                                                                            "postgres db/test.sql shop_test", "redis seeds/cache.redis redis"])
        #expect(entries[1].sha256 == Checksum.sha256(Self.files["db/data.sql"]!))
        #expect(entries.allSatisfy { $0.appliedAt == Date(timeIntervalSince1970: 1_800_000_000) })

        let before = w.docker.commands.count
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        let again = try await UpSequenceTests.up(w)
        #expect(Self.seeds(w, from: before).isEmpty, "applied seeds are not run again")
        #expect(again.seedReport.applied.isEmpty && again.seedReport.unchanged.count == 4)
        #expect(try await Self.seed(w).lines == ["Every seed is already applied (4 files)."])
    }

    @Test func aChangedSeedWaitsForForceAndATouchedOneIsStillApplied() async throws {
        let w = try Self.world()
        _ = try await UpSequenceTests.up(w)
        let applied = try Self.ledger(w)

        // Same content, another mtime: still applied; the entry learns the new mtime.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_600_000_000)], ofItemAtPath: w.root + "/db/schema.sql")
        var before = w.docker.commands.count
        let touched = try await Self.seed(w)
        #expect(Self.seeds(w, from: before).isEmpty && touched.applied.isEmpty)
        let schema = SeedItem(service: "postgres", file: "db/schema.sql", path: "", target: "shop")
        let refreshed = try #require(try Self.ledger(w).entry(for: schema))
        #expect(refreshed.mtimeNanoseconds == 1_600_000_000 * 1_000_000_000 && refreshed.sha256 == applied.entry(for: schema)?.sha256)

        try Self.write(w, "db/data.sql", "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');\n")
        before = w.docker.commands.count
        let changed = try await UpSequenceTests.up(w)
        #expect(Self.seeds(w, from: before).isEmpty, "a changed file is not applied on top of the data")
        #expect(changed.seedReport.changed.map(\.file) == ["db/data.sql"])
        #expect(changed.seedReport.lines == ["! db/data.sql changed since it was applied to postgres (shop) on 2027-01-15 08:00; not applied again. "
            + "`devenv seed postgres --force` applies postgres's seeds again on top of its data; `devenv reset postgres` starts it from empty data."])
        let data = SeedItem(service: "postgres", file: "db/data.sql", path: "", target: "shop")
        #expect(try Self.ledger(w).entry(for: data) == applied.entry(for: data), "the ledger still holds what was applied")

        before = w.docker.commands.count
        let forced = try await Self.seed(w, "postgres", force: true)
        #expect(Self.seeds(w, from: before) == Array(Self.order.prefix(3)), "every file of postgres again, in order; redis is left alone")
        #expect(forced.applied.map(\.file) == ["db/schema.sql", "db/data.sql", "db/test.sql"])
        #expect(try Self.ledger(w).seeds.first { $0.file == "db/data.sql" }?.sha256 == Checksum.sha256("INSERT INTO users VALUES (1, 'ada'), (2, 'bob');\n"))
    }

    @Test func aFailingSeedExits1NamingTheFileAndTheLedgerIsUnchanged() async throws {
        let w = try Self.world()
        _ = try await UpSequenceTests.up(w)
        try Self.write(w, "db/broken.sql", "CREATE TABLE half (x int);\nSELEC 1;\n")
        try Self.manifest.replacingOccurrences(of: "db/data.sql,", with: "db/data.sql, db/broken.sql,")
            .write(toFile: w.root + "/devenv.yml", atomically: true, encoding: .utf8)
        w.docker.fail("syntax", when: { $0.stdinFile?.hasSuffix("/db/broken.sql") == true }, status: 3,
                      stderr: "psql:<stdin>:2: ERROR:  syntax error at or near \"SELEC\"\nLINE 1: SELEC 1;\n        ^\n")
        let ledger = try String(contentsOfFile: Self.ledgerPath(w), encoding: .utf8)
        let before = w.docker.commands.count
        do {
            _ = try await Self.seed(w)
            Issue.record("a failing seed succeeded")
        } catch let e as DevenvError {
            #expect(e.exitCode == .failure)
            #expect(e.message == "seed db/broken.sql failed on postgres (shop), exit status 3:")
            #expect(e.details.first == "  | psql:<stdin>:2: ERROR:  syntax error at or near \"SELEC\"")
            #expect(e.hint == "Fix db/broken.sql and run `devenv seed postgres`. It was not recorded as applied; the seeds before it were.")
        }
        #expect(Self.seeds(w, from: before) == ["shop: exec postgres < broken.sql"], "the run stops at the failing file")
        #expect(try String(contentsOfFile: Self.ledgerPath(w), encoding: .utf8) == ledger, "the ledger is as it was")

        w.docker.clear("syntax")
        try Self.write(w, "db/broken.sql", "CREATE TABLE half (x int);\n")
        let fixed = try await Self.seed(w)
        #expect(fixed.applied.map(\.file) == ["db/broken.sql"], "only the file not recorded runs")
        #expect(try Self.ledger(w).seeds.map(\.file).contains("db/broken.sql"))
    }

    @Test func aServiceThatIsNotRunningIsNotSeeded() async throws {
        let w = try Self.world()
        _ = try await UpSequenceTests.up(w)
        w.docker.setState(.exited, project: "shop", service: "redis")
        let before = w.docker.commands.count
        do {
            _ = try await Self.seed(w, "redis")
            Issue.record("a stopped service was seeded")
        } catch let e as DevenvError {
            #expect(e.message == "redis is not running" && e.hint?.contains("devenv up") == true)
        }
        #expect(Self.seeds(w, from: before).isEmpty)
    }

    @Test func dataWhoseLedgerIsLostGetsNoSeedUntilTheUserSaysWhatItHolds() async throws {
        let w = try Self.world()
        _ = try await UpSequenceTests.up(w)
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        try FileManager.default.removeItem(atPath: Self.ledgerPath(w))   // the folder was cloned again

        var before = w.docker.commands.count
        let up = try await UpSequenceTests.up(w)
        #expect(Self.seeds(w, from: before).isEmpty, "no seed runs twice on data that may hold it")
        #expect(up.seedReport.applied.isEmpty)
        #expect(w.output.printed.stderr.contains("warning: postgres, redis have data, but the seed ledger .devenv/stacks/shop/seeds.json is missing"))
        #expect(w.output.printed.stderr.contains("`devenv seed --mark-applied`"))
        #expect(!FileManager.default.fileExists(atPath: Self.ledgerPath(w)), "no empty ledger is written over the question")

        let marked = try SeedOperation.markApplied(w.ctx, service: nil, branch: false)
        #expect(marked.lines.first == "Recorded db/schema.sql as applied to postgres (shop), without running it.")
        #expect(try Self.ledger(w).seeds.count == 4)
        before = w.docker.commands.count
        _ = try await UpSequenceTests.up(w)
        #expect(Self.seeds(w, from: before).isEmpty)
        #expect(w.output.printed.stderr.components(separatedBy: "warning: postgres, redis have data").count == 2, "warned once, before the ledger was settled")
    }
}
