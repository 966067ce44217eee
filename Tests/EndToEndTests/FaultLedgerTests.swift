import Foundation
import Testing

/// Issue 30: data without a ledger. The project folder deleted and cloned again at the same
/// path keeps the stack's volume but loses `.devenv/stacks/<stack>/seeds.json`. `up` applies
/// no seed on that data (a seed that is not re-runnable would fail every `up`), says so and
/// names `devenv seed --mark-applied` and `devenv reset`; after `--mark-applied` the next
/// `up` is quiet and a seed file added later is applied.
@Suite(.serialized, .endToEnd) struct FaultLedgerTests {
    /// Not re-runnable: applying it twice fails (the table exists, the key is taken).
    static let seed = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO users VALUES (1, 'ada');\n"

    static func manifest(_ seeds: [String]) -> String {
        "services:\n  postgres: { version: \"15\" }\nseed:\n  postgres: [\(seeds.joined(separator: ", "))]\n"
    }

    /// The folder as a clone gives it: devenv.yml and the seed files, no `.devenv`.
    static func reclone(_ p: ProjectFixture) throws {
        let files = [("devenv.yml", try p.read("devenv.yml")), ("db/schema.sql", try p.read("db/schema.sql"))]
        try FileManager.default.removeItem(atPath: p.root)
        try FileManager.default.createDirectory(atPath: p.root, withIntermediateDirectories: true)
        for (path, text) in files { try p.write(path, text) }
    }

    @Test func aReclonedFolderIsReportedWithItsFixAndNeverSeedsTwice() throws {
        try ProjectFixture.with("reclone") { p in
            try p.manifest(Self.manifest(["db/schema.sql"]))
            try p.write("db/schema.sql", Self.seed)
            let first = try p.devenv(["up"])
            try #require(first.status == 0, "\(first.stderr)")
            let url = try #require(try p.service("postgres")["url"] as? String)
            #expect(try SeedTests.sql(url, "SELECT count(*) FROM users") == "1")

            var runs = 0, reported = 0, seededAgain = 0, failed = 0
            for _ in 0..<2 {
                try Self.reclone(p)
                for _ in 0..<2 {   // the same answer every time, never the seed's failure
                    let up = try p.devenv(["up"])
                    runs += 1
                    #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
                    #expect(up.stderr.contains("seed ledger") && up.stderr.contains("is missing"), "\(up.stderr)")
                    #expect(up.stderr.contains("devenv seed --mark-applied") && up.stderr.contains("devenv reset postgres"), "\(up.stderr)")
                    #expect(!up.stdout.contains("Seeded"), "no seed ran on the existing data: \(up.stdout)")
                    #expect(try SeedTests.sql(url, "SELECT count(*) FROM users") == "1", "the data is as it was")
                    if up.status == 0 && up.stderr.contains("devenv seed --mark-applied") { reported += 1 }
                    if up.stdout.contains("Seeded") || up.stderr.contains("seed db/schema.sql failed") { seededAgain += 1 }
                    if up.status != 0 { failed += 1 }
                }
            }
            let mark = try p.devenv(["seed", "--mark-applied"])
            #expect(mark.status == 0, "\(mark.stderr)")
            #expect(mark.stdout.contains("Recorded db/schema.sql as applied to postgres"), "\(mark.stdout)")
            let quiet = try p.devenv(["up"])
            #expect(quiet.status == 0 && !quiet.stderr.contains("seed ledger"), "\(quiet.stderr)")
            #expect(!quiet.stdout.contains("Seeded"))

            // A seed file added later is applied: the ledger is there again.
            try p.write("db/more.sql", "INSERT INTO users VALUES (2, 'bob');\n")
            try p.manifest(Self.manifest(["db/schema.sql", "db/more.sql"]))
            let more = try p.devenv(["up"])
            #expect(more.status == 0 && more.stdout.contains("from db/more.sql"), "\(more.stdout)\(more.stderr)")
            #expect(try SeedTests.sql(url, "SELECT string_agg(name, ',' ORDER BY id) FROM users") == "ada,bob")
            FaultFigures.report("re-cloned folder (volume kept, ledger lost): \(runs) ups, \(reported) reporting the missing ledger with its fix, \(failed) failing, \(seededAgain) applying the seed again on the existing data")
        }
    }

    @Test func aSeedThatFailedOnTheFirstUpIsRetriedNotTakenForALostLedger() throws {
        try ProjectFixture.with("seedretry") { p in
            try p.manifest(Self.manifest(["db/schema.sql"]))
            try p.write("db/schema.sql", "THIS IS NOT SQL;\n")
            let failed = try p.devenv(["up"])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            try p.write("db/schema.sql", Self.seed)
            let fixed = try p.devenv(["up"])
            #expect(fixed.status == 0 && fixed.stdout.contains("from db/schema.sql"), "\(fixed.stdout)\(fixed.stderr)")
            #expect(!fixed.stderr.contains("seed ledger"))
        }
    }
}
