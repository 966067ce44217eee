import Foundation
import Testing

/// Issue 28: a major version bump in devenv.yml keeps the data. On the test bed's stand-ins
/// (Tests/testbed/trixie.sh): PostgreSQL 15 (bookworm) → 17 (trixie) through `devenv upgrade`,
/// with two databases, a role with a password, a sequence, pgcrypto and 100,000 rows; `up`
/// refuses a bumped version before starting anything, and a downgrade; `--rollback` brings 15
/// back; a killed upgrade and a new server that never answers leave the old data in use.
@Suite(.serialized, .endToEnd) struct UpgradeEndToEndTests {
    static func manifest(_ version: String) -> String {
        """
        services:
          postgres:
            version: "\(version)"
            databases: [shop, analytics]
        """
    }

    /// psql with the root .env's DATABASE_URL (what the app uses), or another URL.
    static func sql(_ p: ProjectFixture, _ q: String, url: String? = nil, database: String? = nil) throws -> String {
        var target = try url ?? env(p)["DATABASE_URL"] ?? ""
        if let database, let slash = target.lastIndex(of: "/") { target = String(target[..<slash]) + "/" + database }
        let r = try ProjectFixture.run(["psql", target, "-X", "-v", "ON_ERROR_STOP=1", "-tAc", q])
        #expect(r.status == 0, "\(q): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func env(_ p: ProjectFixture) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try p.read(".env").split(separator: "\n") {
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            var v = String(line[line.index(after: eq)...])
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            out[String(line[..<eq])] = v
        }
        return out
    }

    static func fill(_ p: ProjectFixture) throws {
        _ = try sql(p, """
            CREATE EXTENSION pgcrypto;
            CREATE SEQUENCE order_no START 1000;
            SELECT nextval('order_no'); SELECT nextval('order_no');
            CREATE TABLE items (id bigserial PRIMARY KEY, token text NOT NULL DEFAULT encode(gen_random_bytes(8), 'hex'), n int);
            INSERT INTO items (n) SELECT g FROM generate_series(1, 100000) g;
            CREATE ROLE reporter LOGIN PASSWORD 'reporter-pw';
            GRANT SELECT ON items TO reporter;
            """)
        _ = try sql(p, "CREATE TABLE events (id serial, what text); INSERT INTO events (what) SELECT 'e' || g FROM generate_series(1, 500) g;", database: "analytics")
    }

    static func major(_ p: ProjectFixture) throws -> String { String(try sql(p, "SHOW server_version_num").prefix(2)) }

    static func stackVolumes(_ p: ProjectFixture) -> [String] {
        Fault.volumes(label: "dev.devenv.stack=\(p.name)").filter { $0.labels["dev.devenv.snapshot"] == nil }.map(\.name).sorted()
    }

    @Test func postgres15To17KeepsEverythingAndRollsBack() throws {
        try ProjectFixture.with("upgrade") { p in
            try p.manifest(Self.manifest("15"))
            try #require(try p.devenv(["up"]).status == 0)
            try Self.fill(p)
            #expect(try Self.major(p) == "15")

            // The bump: `up` starts nothing and names both versions and the command.
            try p.manifest(Self.manifest("17"))
            let refused = try p.devenv(["up"])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("PostgreSQL 15") && refused.stderr.contains("asks for 17") && refused.stderr.contains("Nothing was started"), "\(refused.stderr)")
            #expect(refused.stderr.contains("`devenv upgrade postgres`") && refused.stderr.contains("snapshot"), "\(refused.stderr)")
            #expect(!Fault.containers(p.name).contains { $0.image.contains("17") }, "no 17 container was made")
            #expect(try Self.major(p) == "15", "the 15 server still serves its data")

            // The upgrade.
            let up = try p.devenv(["upgrade", "postgres", "--yes"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stdout.contains("shop: 100000 rows in 1 table"), "\(up.stdout)")
            #expect(up.stdout.contains("analytics: 500 rows in 1 table"), "\(up.stdout)")
            #expect(up.stdout.contains("unavailable for"), "\(up.stdout)")
            #expect(up.stdout.contains("until `devenv upgrade postgres --finish`"), "\(up.stdout)")
            let again = try p.devenv(["up"])
            #expect(again.status == 0, "\(again.stderr)")

            // Everything came through, and the .env reaches the 17 server.
            #expect(try Self.major(p) == "17")
            #expect(try Self.sql(p, "SELECT count(*), count(DISTINCT token) FROM items") == "100000|100000")
            #expect(try Self.sql(p, "SELECT nextval('order_no')") == "1002", "the sequence goes on where it was")
            #expect(try Self.sql(p, "SELECT length(gen_random_bytes(4))") == "4", "pgcrypto is there")
            #expect(try Self.sql(p, "SELECT count(*) FROM events", database: "analytics") == "500")
            let env = try Self.env(p)
            let reporter = "postgres://reporter:reporter-pw@\(env["PGHOST"] ?? ""):\(env["PGPORT"] ?? "")/shop"
            #expect(try Self.sql(p, "SELECT count(*) FROM items", url: reporter) == "100000", "the role and its password came through")
            // The upgrade's snapshot is the 15 volume it kept, not a copy.
            let snaps = try p.devenv(["snapshot", "ls", "--json"])
            #expect(snaps.stdout.contains("upgrade-postgres-15-to-17") && snaps.stdout.contains("\"upgrade\" : \"postgres\""), "\(snaps.stdout)")
            #expect(snaps.stdout.contains("\"\(p.name)_postgres-data\""), "\(snaps.stdout)")
            #expect(!Fault.volumes(label: "dev.devenv.stack=\(p.name)").contains { $0.labels["dev.devenv.snapshot"] != nil }, "no copy of the data was made")
            #expect(Self.stackVolumes(p).contains("\(p.name)_postgres-data") && Self.stackVolumes(p).contains("\(p.name)_postgres-data--g2"))
            // The snapshot records 15: restoring it into 17 is refused, with the way through.
            let restore = try p.devenv(["snapshot", "restore", "upgrade-postgres-15-to-17"])
            #expect(restore.status == 1 && restore.stderr.contains("holds PostgreSQL 15 data") && restore.stderr.contains("devenv upgrade postgres"), "\(restore.stderr)")
            _ = try Self.sql(p, "INSERT INTO items (n) VALUES (0)")

            // A downgrade is refused, by `up` and by `upgrade`.
            try p.manifest(Self.manifest("15"))
            try #require(try p.devenv(["down"]).status == 0)
            let down = try p.devenv(["up"])
            #expect(down.status == 2, "\(down.stderr)")
            #expect(down.stderr.contains("PostgreSQL 17") && down.stderr.contains("older major version cannot read it"), "\(down.stderr)")
            #expect(try p.devenv(["upgrade", "postgres", "--yes"]).status == 2)

            // With 15 named again, the upgrade's snapshot restores like any other (from the kept volume).
            let restored = try p.devenv(["snapshot", "restore", "upgrade-postgres-15-to-17"])
            #expect(restored.status == 0, "\(restored.stderr)")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.major(p) == "15")
            #expect(try Self.sql(p, "SELECT count(*) FROM items") == "100000", "the row added on 17 is not in the snapshot")
            try #require(try p.devenv(["down"]).status == 0)

            // --rollback: the 15 data as it was before the upgrade.
            let back = try p.devenv(["upgrade", "postgres", "--rollback"])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(back.stdout.contains("Run `devenv up`"), "\(back.stdout)")
            let up15 = try p.devenv(["up"])
            #expect(up15.status == 0, "\(up15.stderr)")
            #expect(try Self.major(p) == "15")
            #expect(try Self.sql(p, "SELECT count(*) FROM items") == "100000")
            #expect(!Self.stackVolumes(p).contains("\(p.name)_postgres-data--g2"), "the upgraded volume is gone")
            #expect(!(try p.devenv(["snapshot", "ls"])).stdout.contains("upgrade-postgres-15-to-17"), "the kept volume is the service's data again")
        }
    }

    /// `gc` deletes the old volume; a new server that never answers keeps the old one.
    @Test func aNewServerThatNeverAnswersKeepsTheOldDataAndFinishDeletesIt() throws {
        try ProjectFixture.with("upgrade-probe") { p in
            try p.manifest(Self.manifest("15"))
            try #require(try p.devenv(["up"]).status == 0)
            _ = try Self.sql(p, "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g")
            try p.manifest(Self.manifest("17"))
            // postgres:17 mapped to a server that never speaks Postgres (the Redis stand-in).
            let failed = try p.devenv(["upgrade", "postgres", "--yes", "--timeout", "15"], env: ["DEVENV_IMAGE_MAP": "postgres:17=devenv-testbed/redis:7"])
            #expect(failed.status == 1, "\(failed.stderr)")
            #expect(failed.stderr.contains("data is unchanged"), "\(failed.stderr)")
            #expect(Self.stackVolumes(p) == ["\(p.name)_postgres-data"], "the new volume was removed, the old one kept")
            #expect(!FileManager.default.fileExists(atPath: p.root + "/.devenv/stacks/\(p.name)/volumes.json"))

            // A stack that is down (no network, no containers) upgrades too.
            try #require(try p.devenv(["down"]).status == 0)
            let ok = try p.devenv(["upgrade", "postgres", "--yes"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.contains("shop: 1000 rows"), "\(ok.stdout)")
            // gc lists the kept 15 volume and deletes it, as --finish would.
            let dry = try p.devenv(["gc", "--dry-run"])
            #expect(dry.stdout.contains("\(p.name)_postgres-data of stack \(p.name): the 15 data of postgres, kept since its upgrade to 17"), "\(dry.stdout)")
            #expect(Self.stackVolumes(p).count == 2, "a dry run removes nothing")
            let gc = try p.devenv(["gc", "--yes"])
            #expect(gc.status == 0, "\(gc.stderr)")
            #expect(gc.stdout.contains("Removed \(p.name)_postgres-data, the 15 data of postgres"), "\(gc.stdout)")
            #expect(Self.stackVolumes(p) == ["\(p.name)_postgres-data--g2"])
            #expect(try p.devenv(["upgrade", "postgres", "--finish"]).status == 2, "nothing left to finish after gc")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.sql(p, "SELECT count(*) FROM t") == "1000")
            #expect(try p.devenv(["upgrade", "postgres", "--rollback"]).status == 2, "nothing to roll back after gc")
        }
    }

    /// kill -9 at two points of an upgrade (bounded: 2 runs): the old data stays in use and
    /// the upgrade runs again.
    @Test func aKilledUpgradeLeavesTheOldDataAndRunsAgain() throws {
        try ProjectFixture.with("upgrade-kill") { p in
            try p.manifest(Self.manifest("15"))
            try #require(try p.devenv(["up"]).status == 0)
            _ = try Self.sql(p, "CREATE TABLE t AS SELECT g FROM generate_series(1, 50000) g")
            try p.manifest(Self.manifest("17"))
            let journal = p.root + "/.devenv/stacks/\(p.name)/upgrade.json"
            for point in ["the new volume exists", "the old server runs beside the new one"] {
                let run = try Fault.Run(p, ["upgrade", "postgres", "--yes"])
                let reached = Fault.poll(timeout: 120) {
                    point.hasPrefix("the new")
                        ? Self.stackVolumes(p).contains("\(p.name)_postgres-data--g2")
                        : Fault.containers(p.name).contains { $0.labels["dev.devenv.task"] == "upgrade" && $0.names.contains { $0.contains("-from") } }
                }
                #expect(reached, "the upgrade reached: \(point)")
                #expect(run.kill9(), "the upgrade was still running at: \(point)")
                #expect(FileManager.default.fileExists(atPath: journal))
                // The old data is whole and usable: with the old version, `up` serves it.
                try p.manifest(Self.manifest("15"))
                let up = try p.devenv(["up"])
                #expect(up.status == 0, "\(up.stderr)")
                #expect(up.stderr.contains("interrupted upgrade of postgres was rolled back"), "\(up.stderr)")
                #expect(try Self.sql(p, "SELECT count(*) FROM t") == "50000")
                #expect(Self.stackVolumes(p) == ["\(p.name)_postgres-data"])
                try p.manifest(Self.manifest("17"))
            }
            let again = try p.devenv(["upgrade", "postgres", "--yes"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.major(p) == "17")
            #expect(try Self.sql(p, "SELECT count(*) FROM t") == "50000")
        }
    }

    /// MariaDB 10.11 (bookworm) → 11.8 (trixie; `mariadb:11.8-trixie`, since the test bed maps
    /// `mariadb:11.8` to the 10.11 stand-in for the other kind tests), then back.
    @Test func mariadb1011To118KeepsTheDataAndRollsBack() throws {
        func manifest(_ v: String) -> String { "services:\n  mariadb:\n    version: \"\(v)\"\n    databases: [shop, other]\n" }
        try ProjectFixture.with("upgrade-maria") { p in
            try p.manifest(manifest("10.11"))
            try #require(try p.devenv(["up"]).status == 0)
            let url = { try Self.env(p)["DATABASE_URL"] ?? "" }
            _ = try KindTests.sql(try url(), "CREATE TABLE items (id int AUTO_INCREMENT PRIMARY KEY, n int); INSERT INTO items (n) SELECT seq FROM seq_1_to_10000")
            _ = try KindTests.sql(try url(), "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)", database: "other")
            #expect(try KindTests.sql(try url(), "SELECT version()").hasPrefix("10.11"))

            try p.manifest(manifest("11.8-trixie"))
            let refused = try p.devenv(["up"])
            #expect(refused.status == 1 && refused.stderr.contains("MariaDB 10.11") && refused.stderr.contains("asks for 11.8"), "\(refused.stderr)")
            let up = try p.devenv(["upgrade", "mariadb", "--yes"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stdout.contains("shop: 10000 rows in 1 table") && up.stdout.contains("other: 2 rows in 1 table"), "\(up.stdout)")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try KindTests.sql(try url(), "SELECT version()").hasPrefix("11.8"))
            #expect(try KindTests.sql(try url(), "SELECT count(*), sum(n) FROM items") == "10000\t50005000")
            #expect(try KindTests.sql(try url(), "SELECT count(*) FROM t", database: "other") == "2")

            let back = try p.devenv(["upgrade", "mariadb", "--rollback"])
            #expect(back.status == 0, "\(back.stderr)")
            try p.manifest(manifest("10.11"))
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try KindTests.sql(try url(), "SELECT version()").hasPrefix("10.11"))
            #expect(try KindTests.sql(try url(), "SELECT count(*) FROM items") == "10000")
        }
    }

    /// Branch stacks: main is upgraded; a branch made before (15 data) is stopped by its `up`,
    /// and `up --upgrade` upgrades it the same way, then starts it; a branch made after copies
    /// main's new generation (17 data).
    @Test func branchStacksOfAnUpgradedParent() throws {
        func manifest(_ v: String) -> String { "isolation: branch\nservices:\n  postgres:\n    version: \"\(v)\"\n" }
        try ProjectFixture.with("upgrade-branch") { p in
            try p.manifest(manifest("15"))
            try p.write(".gitignore", ".env\n.devenv/\n")
            try p.git(["init", "-q", "-b", "main"])
            try p.git(["config", "user.email", "e2e@devenv.test"])
            try p.git(["config", "user.name", "devenv e2e"])
            try p.git(["add", "-A"])
            try p.git(["commit", "-q", "-m", "init"])
            try #require(try p.devenv(["up"]).status == 0)
            _ = try Self.sql(p, "CREATE TABLE notes AS SELECT g FROM generate_series(1, 1000) g")
            try p.git(["checkout", "-q", "-b", "feature/old"])
            try #require(try p.devenv(["up"]).status == 0)
            _ = try Self.sql(p, "INSERT INTO notes VALUES (0)")

            try p.git(["checkout", "-q", "main"])
            try p.manifest(manifest("17"))
            try p.git(["commit", "-q", "-am", "postgres 17"])
            let main = try p.devenv(["upgrade", "postgres", "--yes"])
            #expect(main.status == 0, "\(main.stderr)")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.major(p) == "17")

            // A branch from before the upgrade, once it has the bump: stopped, then upgraded alike.
            try p.git(["checkout", "-q", "feature/old"])
            try p.git(["merge", "-q", "main"])
            let refused = try p.devenv(["up"])
            #expect(refused.status == 1 && refused.stderr.contains("devenv upgrade postgres"), "\(refused.stderr)")
            #expect(refused.stderr.contains("devenv up --upgrade"), "\(refused.stderr)")
            let branch = try p.devenv(["up", "--upgrade"])   // the upgrade first, then the stack
            #expect(branch.status == 0, "\(branch.stderr)")
            #expect(branch.stderr.contains("Upgraded postgres from 15 to 17"), "\(branch.stderr)")
            #expect(try Self.major(p) == "17")
            #expect(try Self.sql(p, "SELECT count(*) FROM notes") == "1001", "the branch's own data came through")
            let fin = try p.devenv(["upgrade", "postgres", "--finish"])
            #expect(fin.status == 0 && fin.stdout.contains("the 15 data of postgres"), "\(fin.stderr)")
            #expect(try p.devenv(["upgrade", "postgres", "--rollback"]).status == 2, "nothing to roll back after --finish")

            // A branch made after: its copy of main is main's new generation.
            try p.git(["checkout", "-q", "-b", "feature/new", "main"])
            let fresh = try p.devenv(["up"])
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(try Self.major(p) == "17")
            #expect(try Self.sql(p, "SELECT count(*) FROM notes") == "1000")
        }
    }
}
