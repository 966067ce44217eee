import Foundation
import Testing

/// Seeds, the ledger, reset and snapshots end to end: the real binary, real Postgres and
/// Redis, data checked only through ports published on 127.0.0.1.
@Suite(.serialized, .endToEnd) struct SeedTests {
    static let manifest = """
    services:
      postgres: { version: "15", databases: [app, app_test] }
      redis: { version: "7" }
    seed:
      postgres:
        - db/schema.sql
        - db/data.sql.gz
        - { file: db/test.sql, database: app_test }
      redis: [seeds/cache.redis]
    """

    /// A project with the seed files above, its stack up.
    static func seeded(_ p: ProjectFixture) throws -> (pg: String, redis: String, up: ProjectFixture.Result) {
        try p.manifest(manifest)
        // Re-runnable, as `seed --force` applies every file again.
        try p.write("db/schema.sql", "CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text NOT NULL);\n")
        try p.writeGzip("db/data.sql.gz", "INSERT INTO users VALUES (1, 'ada'), (2, 'bob') ON CONFLICT DO NOTHING;\n")
        try p.write("db/test.sql", "CREATE TABLE IF NOT EXISTS fixtures (n int PRIMARY KEY);\nINSERT INTO fixtures VALUES (7) ON CONFLICT DO NOTHING;\n")
        try p.write("seeds/cache.redis", "SET greeting \"hello world\"\nRPUSH queue a b c\n")
        let up = try p.devenv(["up"])
        #expect(up.status == 0, "up failed: \(up.stderr)")
        return (try #require(try p.service("postgres")["url"] as? String), try #require(try p.service("redis")["url"] as? String), up)
    }

    static func sql(_ url: String, _ query: String) throws -> String {
        let r = try ProjectFixture.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", query])
        #expect(r.status == 0, "psql failed: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func redis(_ url: String, _ args: [String]) throws -> String {
        try ProjectFixture.run(["redis-cli", "-u", url, "--no-auth-warning"] + args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func database(_ url: String, _ name: String) -> String {
        url.replacingOccurrences(of: "/app", with: "/\(name)")
    }

    @Test func seedsLandOnceAndAChangedFileWaitsForForce() throws {
        try ProjectFixture.with("seed") { p in
            let (pg, rd, up) = try Self.seeded(p)
            #expect(up.stdout.contains("Seeded postgres (app) from db/schema.sql"))
            #expect(up.stdout.contains("Seeded postgres (app_test) from db/test.sql"))
            #expect(try Self.sql(pg, "SELECT string_agg(name, ',' ORDER BY id) FROM users") == "ada,bob")
            #expect(try Self.sql(Self.database(pg, "app_test"), "SELECT n FROM fixtures") == "7")
            #expect(try Self.sql(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'fixtures'") == "0", "test.sql went to app_test only")
            #expect(try Self.redis(rd, ["GET", "greeting"]) == "hello world")
            #expect(try Self.redis(rd, ["LLEN", "queue"]) == "3")
            let ledger = try p.read(".devenv/stacks/\(p.name)/seeds.json")
            for f in ["db/schema.sql", "db/data.sql.gz", "db/test.sql", "seeds/cache.redis"] { #expect(ledger.contains("\"file\" : \"\(f)\"")) }

            let again = try p.devenv(["up"])
            #expect(again.status == 0)
            #expect(!again.stdout.contains("Seeded"))
            #expect(try Self.sql(pg, "SELECT count(*) FROM users") == "2")
            #expect(try Self.redis(rd, ["LLEN", "queue"]) == "3", "the redis seed was not applied twice")
            #expect(try p.read(".devenv/stacks/\(p.name)/seeds.json") == ledger)

            try p.writeGzip("db/data.sql.gz", "INSERT INTO users VALUES (3, 'cy');\n")
            let changed = try p.devenv(["up"])
            #expect(changed.status == 0)
            #expect(changed.stdout.contains("db/data.sql.gz changed since it was applied"))
            #expect(changed.stdout.contains("`devenv seed postgres --force`"))
            #expect(try Self.sql(pg, "SELECT count(*) FROM users") == "2")
            let plain = try p.devenv(["seed", "--json"])
            #expect(plain.status == 0)
            let report = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any]
            #expect((report?["applied"] as? [Any])?.isEmpty == true)
            #expect(((report?["changed"] as? [[String: Any]])?.first?["file"] as? String) == "db/data.sql.gz")

            let forced = try p.devenv(["seed", "postgres", "--force"])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(forced.stdout.contains("Seeded postgres (app) from db/data.sql.gz"))
            #expect(forced.stdout.contains("Seeded postgres (app) from db/schema.sql"), "--force applies every file of the service again")
            #expect(!forced.stdout.contains("Seeded redis"))
            #expect(try Self.sql(pg, "SELECT string_agg(name, ',' ORDER BY id) FROM users") == "ada,bob,cy")
            #expect(try Self.redis(rd, ["LLEN", "queue"]) == "3")
            #expect(try p.devenv(["seed"]).stdout.contains("Every seed is already applied"))

            // A forced run on emptied data loads it all again (what `make bench` times).
            _ = try Self.sql(pg, "DROP TABLE users")
            #expect(try p.devenv(["seed", "postgres", "--force"]).status == 0)
            #expect(try Self.sql(pg, "SELECT count(*) FROM users") == "1")
        }
    }

    @Test func aFailingSeedExits1NamingTheFileAndIsNotRecorded() throws {
        try ProjectFixture.with("seedfail") { p in
            let (pg, _, _) = try Self.seeded(p)
            try p.write("db/broken.sql", "CREATE TABLE half (x int);\nSELEC 1;\n")
            try p.manifest(Self.manifest.replacingOccurrences(of: "    - db/data.sql.gz\n", with: "    - db/data.sql.gz\n    - db/broken.sql\n"))
            let r = try p.devenv(["seed"])
            #expect(r.status == 1)
            #expect(r.stderr.contains("seed db/broken.sql failed on postgres (app)"))
            #expect(r.stderr.contains("syntax error at or near \"SELEC\""))
            #expect(!(try p.read(".devenv/stacks/\(p.name)/seeds.json")).contains("db/broken.sql"))
            #expect(try Self.sql(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'") == "0", "the file ran in one transaction")

            let upAgain = try p.devenv(["up"])
            #expect(upAgain.status == 1, "up tries the unrecorded seed again and fails the same way")
            #expect(upAgain.stderr.contains("db/broken.sql"))

            try p.write("db/broken.sql", "CREATE TABLE half (x int);\n")
            #expect(try p.devenv(["seed"]).status == 0)
            #expect(try p.read(".devenv/stacks/\(p.name)/seeds.json").contains("db/broken.sql"))
        }
    }

    @Test func snapshotSaveChangeRestoreBringsTheDataBack() throws {
        try ProjectFixture.with("snap") { p in
            let (pg, rd, _) = try Self.seeded(p)
            let save = try p.devenv(["snapshot", "save", "seeded"])
            #expect(save.status == 0, "\(save.stderr)")
            #expect(try Self.sql(pg, "SELECT count(*) FROM users") == "2", "the services answer again after the save")

            let ls = try p.devenv(["snapshot", "ls", "--json"])
            let list = try JSONSerialization.jsonObject(with: Data(ls.stdout.utf8)) as? [[String: Any]]
            #expect(list?.first?["name"] as? String == "seeded")
            #expect(list?.first?["services"] as? [String] == ["postgres", "redis"])
            #expect((list?.first?["bytes"] as? Int ?? 0) > 0)
            #expect(try p.devenv(["snapshot", "save", "seeded"]).status == 2, "a name is taken once")

            _ = try Self.sql(pg, "DELETE FROM users; CREATE TABLE later (x int)")
            _ = try Self.redis(rd, ["DEL", "greeting"])
            let restore = try p.devenv(["snapshot", "restore", "seeded"])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(try Self.sql(pg, "SELECT string_agg(name, ',' ORDER BY id) FROM users") == "ada,bob")
            #expect(try Self.sql(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'later'") == "0")
            #expect(try Self.redis(rd, ["GET", "greeting"]) == "hello world")
            #expect(!(try p.devenv(["up"])).stdout.contains("Seeded"), "the ledger still matches the data")

            #expect(try p.devenv(["snapshot", "restore", "nope"]).status == 2)
            #expect(try p.devenv(["snapshot", "rm", "seeded"]).status == 0)
            #expect(try p.devenv(["snapshot", "ls"]).stdout.contains("No snapshots"))
            let left = try ProjectFixture.run(["docker", "volume", "ls", "-q", "--filter", "label=dev.devenv.snapshot=seeded", "--filter", "label=dev.devenv.stack=\(p.name)"])
            #expect(left.stdout.isEmpty)
        }
    }

    @Test func resetGoesBackToTheSeededState() throws {
        try ProjectFixture.with("reset") { p in
            let (pg, rd, _) = try Self.seeded(p)
            _ = try Self.sql(pg, "INSERT INTO users VALUES (99, 'stray')")
            _ = try Self.redis(rd, ["SET", "kept", "yes"])
            #expect(try p.devenv(["reset", "postgres"]).status == 2, "reset without a terminal needs --yes")
            #expect(try Self.sql(pg, "SELECT count(*) FROM users") == "3")

            let r = try p.devenv(["reset", "postgres", "--yes"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("deleted \(p.name)_postgres-data"))
            #expect(r.stdout.contains("Seeded postgres (app) from db/schema.sql"))
            #expect(!r.stdout.contains("Seeded redis"))
            #expect(try Self.sql(pg, "SELECT string_agg(name, ',' ORDER BY id) FROM users") == "ada,bob")
            #expect(try Self.sql(Self.database(pg, "app_test"), "SELECT n FROM fixtures") == "7")
            #expect(try Self.redis(rd, ["GET", "kept"]) == "yes", "other services keep their data")
        }
    }
}

extension ProjectFixture {
    /// Writes `text` gzip-compressed.
    func writeGzip(_ path: String, _ text: String) throws {
        try write(path + ".plain", text)
        let r = try Self.run(["sh", "-c", "gzip -c '\(root)/\(path).plain' > '\(root)/\(path)' && rm '\(root)/\(path).plain'"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
