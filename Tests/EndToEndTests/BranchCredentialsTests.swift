import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import Foundation
import Testing

/// Each branch stack has its own passwords: the parent's `.env` is refused by the branch's
/// Postgres and Redis and the branch's by the parent's (real psql and redis-cli from the
/// host, on 127.0.0.1); a `.env` left pointing at another stack is flagged by doctor and status.
@Suite(.serialized, .endToEnd) struct BranchCredentialsTests {
    /// `psql` with `url` as it is, or on another port: its status and what it printed.
    static func psql(_ url: String, port: String? = nil) throws -> ProjectFixture.Result {
        try ProjectFixture.run(["psql", moved(url, to: port), "-v", "ON_ERROR_STOP=1", "-tAc", "SELECT count(*) FROM notes"])
    }

    static func redisPing(_ url: String, port: String? = nil) throws -> String {
        let r = try ProjectFixture.run(["redis-cli", "-u", moved(url, to: port), "--no-auth-warning", "PING"])
        return (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `postgres://u:p@127.0.0.1:26010/app` with another port: the same credentials sent to another stack.
    static func moved(_ url: String, to port: String?) -> String {
        guard let port, var c = URLComponents(string: url) else { return url }
        c.port = Int(port)
        return c.string ?? url
    }

    static func port(_ url: String) -> String { URLComponents(string: url)?.port.map(String.init) ?? "" }

    @Test func theParentsEnvIsRefusedByTheBranchsPostgresAndRedisAndTheOtherWayRound() throws {
        try ProjectFixture.with("br-cred") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let main = try p.dotenv()
            let mainPG = try #require(main["DATABASE_URL"]), mainRedis = try #require(main["REDIS_URL"])
            _ = try SeedTests.sql(mainPG, "INSERT INTO notes (t) VALUES ('main-3')")
            _ = try SeedTests.redis(mainRedis, ["SET", "greeting", "from-main"])

            try p.git(["checkout", "-q", "-b", "feature/creds"])
            let up = try BranchTests.up(p)
            let feature = BranchTests.stack(p, "feature/creds")
            #expect(up.stdout.contains("Passwords of \(feature) (\(BranchTests.stack(p, "main"))'s .env does not log in here"), "\(up.stdout)")
            #expect(up.stdout.contains("postgres  own password set in the copied data in "), "\(up.stdout)")
            #expect(up.stdout.contains("redis     own password (its configuration carries it"), "\(up.stdout)")
            let branch = try p.dotenv()
            let branchPG = try #require(branch["DATABASE_URL"]), branchRedis = try #require(branch["REDIS_URL"])
            #expect(branch["PGPASSWORD"] != main["PGPASSWORD"] && branchRedis != mainRedis)

            // Each stack's own .env logs in, and the branch has the parent's data.
            #expect(try Self.psql(branchPG).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
            #expect(try SeedTests.redis(branchRedis, ["GET", "greeting"]) == "from-main")
            #expect(try Self.psql(mainPG).status == 0)
            #expect(try Self.redisPing(mainRedis) == "PONG")

            // The parent's credentials sent to the branch's ports are refused, and the other way round.
            let parentAtBranch = try Self.psql(mainPG, port: Self.port(branchPG))
            #expect(parentAtBranch.status != 0 && parentAtBranch.stderr.contains("password authentication failed"), "\(parentAtBranch.stderr)")
            let branchAtParent = try Self.psql(branchPG, port: Self.port(mainPG))
            #expect(branchAtParent.status != 0 && branchAtParent.stderr.contains("password authentication failed"), "\(branchAtParent.stderr)")
            let redisParentAtBranch = try Self.redisPing(mainRedis, port: Self.port(branchRedis))
            #expect(!redisParentAtBranch.contains("PONG") && redisParentAtBranch.contains("WRONGPASS"), "\(redisParentAtBranch)")
            let redisBranchAtParent = try Self.redisPing(branchRedis, port: Self.port(mainRedis))
            #expect(!redisBranchAtParent.contains("PONG") && redisBranchAtParent.contains("WRONGPASS"), "\(redisBranchAtParent)")

            // A second `up` of the branch keeps its password (the data already has it).
            #expect(try BranchTests.up(p).stdout.contains("was already up"))
            #expect(try p.dotenv() == branch)
            #expect(try Self.psql(branchPG).status == 0)
        }
    }

    @Test func doctorAndStatusFlagAnEnvPointingAtAnotherStack() throws {
        try ProjectFixture.with("br-stale") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let mainStack = BranchTests.stack(p, "main")
            try p.git(["checkout", "-q", "-b", "feature/stale"])
            _ = try BranchTests.up(p)
            let feature = BranchTests.stack(p, "feature/stale")

            let clean = try p.devenv(["doctor", "--json"])
            let cleanCheck = try #require((try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [[String: Any]])?.first { $0["check"] as? String == "env-stack" })
            #expect(cleanCheck["ok"] as? Bool == true, "\(cleanCheck)")
            #expect(try p.status()["env_mismatches"] == nil)

            // Back on main without `up`: .env still holds the feature stack's values.
            try p.git(["checkout", "-q", "main"])
            let status = try p.status()
            #expect(status["stack"] as? String == mainStack)
            let mismatches = try #require(status["env_mismatches"] as? [[String: Any]], "\(status)")
            let url = try #require(mismatches.first { $0["key"] as? String == "DATABASE_URL" })
            #expect(url["file"] as? String == ".env" && url["stack"] as? String == feature && (url["via"] as? String ?? "").hasPrefix("port "))
            #expect(mismatches.contains { $0["key"] as? String == "REDIS_URL" && $0["stack"] as? String == feature })
            #expect(mismatches.contains { $0["key"] as? String == "PGPASSWORD" && $0["via"] as? String == "password" })
            let human = try p.devenv(["status"])
            #expect(human.stdout.contains("warning: .env: DATABASE_URL points at stack \(feature) (port "), "\(human.stdout)")
            #expect(human.stdout.contains("`devenv env`"))

            let doctor = try p.devenv(["doctor", "--json"])
            #expect(doctor.status == 1)
            let check = try #require((try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: Any]])?.first { $0["check"] as? String == "env-stack" })
            #expect(check["ok"] as? Bool == false)
            let detail = check["detail"] as? String ?? ""
            #expect(detail.contains(".env: DATABASE_URL points at stack \(feature)") && detail.contains("not \(mainStack)"), "\(detail)")
            #expect((check["fix"] as? String ?? "").contains("`devenv env`"))

            #expect(try p.devenv(["env"]).status == 0)
            #expect(try p.status()["env_mismatches"] == nil, "`devenv env` fixed it")
            let fixed = try p.devenv(["doctor", "--json"])
            let after = try #require((try JSONSerialization.jsonObject(with: Data(fixed.stdout.utf8)) as? [[String: Any]])?.first { $0["check"] as? String == "env-stack" })
            #expect(after["ok"] as? Bool == true, "\(after)")
        }
    }

    /// MariaDB (`ALTER USER` on a copy started without grant tables) and MongoDB (`updateUser`
    /// on a copy served without auth): the same, with the mariadb client and pymongo.
    @Test func mariadbAndMongodbBranchesTakeTheirOwnPasswords() throws {
        try ProjectFixture.with("br-cred2") { p in
            try p.manifest("""
            isolation: branch
            services:
              db: { kind: mariadb, databases: [app] }
              mongodb: { version: "7.0", databases: [app] }
            """)
            try p.write(".gitignore", ".env\n.devenv/\n")
            try p.git(["init", "-q", "-b", "main"])
            try p.git(["config", "user.email", "e2e@devenv.test"])
            try p.git(["config", "user.name", "devenv e2e"])
            try p.git(["add", "-A"])
            try p.git(["commit", "-q", "-m", "init"])
            // The MongoDB stand-in (a Python server) initialises slowly on a loaded machine.
            _ = try BranchTests.up(p, ["--timeout", "300"])
            let main = try KindTests.dotenv(p)
            let mainSQL = try #require(main["DATABASE_URL"]), mainMongo = try #require(main["MONGODB_URL"])
            _ = try KindTests.sql(mainSQL, "CREATE TABLE notes (t varchar(20)); INSERT INTO notes VALUES ('from-main')")
            _ = try MongoS3Tests.mongo(mainMongo, "db.users.insert_one({'_id': 1, 'name': 'ada'})")

            try p.git(["checkout", "-q", "-b", "feature/creds"])
            let up = try BranchTests.up(p, ["--timeout", "300"])
            #expect(up.stdout.contains("db       own password set in the copied data in "), "\(up.stdout)")
            #expect(up.stdout.contains("mongodb  own password set in the copied data in "), "\(up.stdout)")
            let branch = try KindTests.dotenv(p)
            let branchSQL = try #require(branch["DATABASE_URL"]), branchMongo = try #require(branch["MONGODB_URL"])
            #expect(branchSQL != mainSQL && branchMongo != mainMongo)
            #expect(try KindTests.sql(branchSQL, "SELECT t FROM notes") == "from-main")
            #expect(try MongoS3Tests.names(branchMongo) == "ada")

            for (from, to) in [(mainSQL, branchSQL), (branchSQL, mainSQL)] {
                let u = try #require(URLComponents(string: from)), port = try #require(URLComponents(string: to)?.port)
                let r = try ProjectFixture.run(["mariadb", "--protocol=tcp", "-h", u.host ?? "", "-P", String(port), "-u", u.user ?? "",
                                                "-N", "-B", "app", "-e", "SELECT 1"], env: ["MYSQL_PWD": u.password ?? ""])
                #expect(r.status != 0 && r.stderr.contains("Access denied"), "\(r.stderr)")
            }
            for (from, to) in [(mainMongo, branchMongo), (branchMongo, mainMongo)] {
                let moved = Self.moved(from, to: Self.port(to))
                let r = try MongoS3Tests.mongo(moved, """
                try:
                    client.admin.command('ping'); print('logged in')
                except pymongo.errors.OperationFailure as e:
                    print('refused', e.code)
                """, selection: 10)
                #expect(r.hasPrefix("refused"), "\(r)")
            }
        }
    }

    /// `kill -9` of `up` while the branch's copy is being given its own passwords. A copied
    /// (not layered) service's rotation runs after the copy is recorded whole: the next `up`
    /// finishes it before the branch starts. A layered service's runs with its layer, before the
    /// copy is recorded whole: the next `up` discards the unfinished copy and makes it again.
    /// Either way the branch's own `.env` logs in and the parent's does not, with every row there.
    @Test func aKillDuringTheRotationIsFinishedByTheNextUp() throws {
        try ProjectFixture.with("br-cred-kill") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let mainPG = try #require(try p.dotenv()["DATABASE_URL"])
            try p.git(["checkout", "-q", "-b", "feature/kill"])
            let feature = BranchTests.stack(p, "feature/kill")
            let marker = p.root + "/.devenv/stacks/\(feature)/rotate-pending"
            for layers in ["off", "on"] {
                let run = try Fault.Run(p, ["up"], env: ["DEVENV_BRANCH_LAYERS": layers])
                let reached = Fault.poll(timeout: 120) {
                    Fault.containers(feature).contains { $0.labels["dev.devenv.task"] == "branch-rotate" } || !run.running
                } && run.running
                #expect(run.kill9() && reached, "up was killed while the rotation ran (layers \(layers)): \(run.stderr)")
                #expect(FileManager.default.fileExists(atPath: marker), "the unfinished rotation is on record")

                let up = try BranchTests.up(p)
                if layers == "off" {
                    #expect(up.stdout.contains("stopped before \(feature)'s copied data had its own passwords; finished now"), "\(up.stdout)")
                    #expect(up.stdout.contains("postgres  own password set in the copied data in "), "\(up.stdout)")
                } else {
                    #expect(up.stderr.contains("discarded an unfinished copy of"), "\(up.stderr)")
                    #expect(up.stdout.contains("postgres  own password set in the copied data in ") && up.stdout.contains("as soon as its layer was made"), "\(up.stdout)")
                }
                #expect(!FileManager.default.fileExists(atPath: marker))
                let branchPG = try #require(try p.dotenv()["DATABASE_URL"])
                #expect(try Self.psql(branchPG).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "every row of the copy")
                let refused = try Self.psql(mainPG, port: Self.port(branchPG))
                #expect(refused.status != 0 && refused.stderr.contains("password authentication failed"), "\(refused.stderr)")
                if layers == "off" { _ = try p.devenv(["down", "--volumes", "--yes"]) }
            }
        }
    }

    /// Neither stack's password is in any argv on the host (containers' processes included)
    /// while a branch is copied and rotated: the steps get them by name only.
    @Test func noPasswordOfEitherStackIsInAnyArgvWhileTheBranchRotates() throws {
        try ProjectFixture.with("br-cred-argv") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            try p.git(["checkout", "-q", "-b", "feature/argv"])
            #expect(try p.devenv(["env", "--json"]).status == 0, "claims the branch's passwords before up")
            var secrets: [String] = []
            for stack in [BranchTests.stack(p, "main"), BranchTests.stack(p, "feature/argv")] {
                let file = ProjectFixture.home + "/stacks/\(stack)/credentials.json"
                let store = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: [String: String]] ?? [:]
                secrets += store.values.flatMap(\.values)
            }
            try #require(secrets.count == 4 && Set(secrets).count == 4, "two stacks, two passwords each, all different")

            let run = try Fault.Run(p, ["up"])
            var seen = 0, rotating = false, leaks: [String] = []
            while run.running {
                for (_, argv) in Fault.commandLines() {
                    seen += 1
                    let line = argv.joined(separator: " ")
                    if line.contains("ALTER ROLE") { rotating = true }
                    if secrets.contains(where: { line.contains($0) }) { leaks.append(line) }
                }
            }
            #expect(run.wait() == 0, "\(run.stderr)")
            #expect(run.stdout.contains("postgres  own password set in the copied data"), "\(run.stdout)")
            #expect(leaks.isEmpty, "a password in an argv: \(leaks)")
            FaultFigures.report("argv scan during a branch's copy and rotation: \(seen) command lines looked at (the rotation's seen: \(rotating)), \(leaks.count) with a password")
        }
    }
}
