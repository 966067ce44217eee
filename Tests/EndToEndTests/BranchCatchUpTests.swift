import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvKit
import DevenvPlan
import Foundation
import Testing

/// A layered branch of a parent that has written since its base (`copy.layered.catchup`,
/// postgres): the branch starts from that base and is brought forward to the parent's present
/// (a standby of the parent until it has caught up, then promoted), so it has every row the
/// parent had when it began, with no new base taken; the parent keeps serving; the branch's
/// `.env` logs into the branch only. Each base holds a replication slot in the parent, and no
/// slot outlives its base (`down --volumes`, `gc`). Data is checked only through ports
/// published on 127.0.0.1.
@Suite(.serialized, .endToEnd) struct BranchCatchUpTests {
    /// The parent's devenv slots, sorted.
    static func slots(_ url: String) throws -> [String] {
        try SeedTests.sql(url, "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'devenv%'")
            .split(separator: ",").map(String.init)
    }

    @Test func aBranchOfAParentThatWroteSinceItsBaseStartsFromThatBaseAndHasEveryRow() throws {
        try ProjectFixture.with("br-catchup") { p in
            // A home of its own: `gc --yes` acts on every stack of its home.
            let home = FaultStateTests.home(p)
            p.onTearDown { try? FileManager.default.removeItem(atPath: home) }
            p.environment["DEVENV_HOME"] = home
            p.environment["DEVENV_PORT_RANGE"] = ProjectFixture.ranges.own
            p.environment["DEVENV_BASE_REFRESH_BYTES"] = "0"   // no background refresh but where step 2 asks for one
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let env = try p.dotenv()
            let pg = try #require(env["DATABASE_URL"]), redis = try #require(env["REDIS_URL"])
            let mainStack = BranchTests.stack(p, "main")
            // A base is reused as it is only while no transaction has written to the parent, and
            // an autovacuum ANALYZE writes whenever it comes round: off (BranchLayerTests).
            _ = try SeedTests.sql(pg, "ALTER SYSTEM SET autovacuum = off")
            _ = try SeedTests.sql(pg, "SELECT pg_reload_conf()")

            // 1. A first branch takes a base, which holds one slot in the parent.
            try p.git(["checkout", "-q", "-b", "feature/a"])
            let upA = try BranchTests.up(p)
            #expect(upA.stdout.contains("on a base of \(mainStack)'s data taken live in "), "\(upA.stdout)")
            let bases = try BranchLayerTests.volumes("dev.devenv.base-stack=\(mainStack)")
            #expect(bases.count == 1, "\(bases)")
            #expect(try Self.slots(pg).count == 1, "the base's slot")
            // A branch made while the parent is as it was reuses that base as it is (no catch-up).
            try p.git(["checkout", "-q", "-b", "feature/same", "main"])
            let upSame = try BranchTests.up(p)
            #expect(upSame.stdout.contains("(taken earlier, reused)"), "\(upSame.stdout)")
            #expect(try SeedTests.sql(try #require(try p.dotenv()["DATABASE_URL"]), BranchLayerTests.digest) == (try SeedTests.sql(pg, BranchLayerTests.digest)))
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)

            // 2. The parent writes since (rows, a new table, a deletion), then a branch of it
            // while the parent is polled: the same base, brought forward, with every row.
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) SELECT 'after-' || g FROM generate_series(1, 200000) g")
            _ = try SeedTests.sql(pg, "CREATE TABLE later AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 100000) g")
            _ = try SeedTests.sql(pg, "DELETE FROM notes WHERE id = 1")
            // The poller below writes rows of its own into the parent: the rows up to here count.
            let last = try SeedTests.sql(pg, "SELECT max(id) FROM notes")
            let upTo = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes WHERE id <= \(last)"
            let mainRows = try SeedTests.sql(pg, upTo)
            let mainLater = try SeedTests.sql(pg, "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM later")
            try p.git(["checkout", "-q", "-b", "feature/b", "main"])
            let poller = ParentPoller(postgres: pg, redis: redis)
            let upB = try p.devenv(["up"], env: ["DEVENV_BASE_REFRESH_BYTES": "1"])   // any catch-up starts a refresh
            #expect(upB.status == 0, "\(upB.stderr)")
            let polls = poller.stop()
            #expect(polls.errors.isEmpty, "the parent failed \(polls.errors.count) of \(polls.count) polls: \(polls.errors.prefix(3))")
            #expect(upB.stdout.contains("taken earlier and brought forward to its present ("), "\(upB.stdout)")
            #expect(!upB.stdout.contains("taken live in"), "\(upB.stdout)")
            let basesAfterB = try BranchLayerTests.volumes("dev.devenv.base-stack=\(mainStack)")
            #expect(basesAfterB == bases || basesAfterB.count == 2, "no new base but the background refresh's: \(basesAfterB)")
            let b = BranchTests.stack(p, "feature/b")
            let pgB = try p.service("postgres")
            #expect(pgB["data_method"] as? String == "overlay" && pgB["data_from"] as? String == mainStack, "status --json: \(pgB)")
            let bURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(bURL, upTo) == mainRows, "the branch has every row the parent had")
            #expect(try SeedTests.sql(bURL, "SELECT count(*) FROM notes WHERE t = 'after-200000'") == "1")
            #expect(try SeedTests.sql(bURL, "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM later") == mainLater)
            #expect(try SeedTests.sql(bURL, "SELECT pg_is_in_recovery()") == "f", "the branch is its own primary")

            // 3. The branch's .env logs into the branch, not the parent; the parent's is refused.
            let bPort = BranchCredentialsTests.port(bURL), mainPort = BranchCredentialsTests.port(pg)
            let branchAtParent = try BranchCredentialsTests.psql(bURL, port: mainPort)
            #expect(branchAtParent.status != 0 && branchAtParent.stderr.contains("password authentication failed"), "\(branchAtParent.stderr)")
            let parentAtBranch = try BranchCredentialsTests.psql(pg, port: bPort)
            #expect(parentAtBranch.status != 0 && parentAtBranch.stderr.contains("password authentication failed"), "\(parentAtBranch.stderr)")
            _ = try SeedTests.sql(bURL, "INSERT INTO notes (t) VALUES ('only-b')")
            #expect(try SeedTests.sql(pg, "SELECT count(*) FROM notes WHERE t = 'only-b'") == "0")
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) VALUES ('main-after-b')")
            #expect(try SeedTests.sql(bURL, "SELECT count(*) FROM notes WHERE t = 'main-after-b'") == "0")

            // The base was brought forward, so a new one is taken in the background, complete
            // once its record is written; the next branch starts from it.
            let refreshed = Fault.poll(timeout: 180) {
                let now = (try? BranchLayerTests.volumes("dev.devenv.base-stack=\(mainStack)")) ?? []
                return now.count == 2 && now.allSatisfy { FileManager.default.fileExists(atPath: home + "/bases/\($0).json") }
            }
            let log = (try? String(contentsOfFile: StackPlanner.stateDir(root: p.root, stack: mainStack) + "/base-refresh.log", encoding: .utf8)) ?? ""
            #expect(refreshed && log.contains("took base "), "the background refresh: \(log)")
            let newBase = try #require(try BranchLayerTests.volumes("dev.devenv.base-stack=\(mainStack)").first { !bases.contains($0) })
            #expect(try Self.slots(pg).count == 2, "each base its slot, and none of a branch")

            // 4. A slot whose base is gone is released: by the next branch of a parent (this one
            // dropped behind devenv's back stands for one whose base went while the parent was
            // stopped), and by `down --volumes` and `gc` of the branches and bases.
            _ = try SeedTests.sql(pg, "SELECT pg_create_physical_replication_slot('devenv_base_0rphan')")
            try p.git(["checkout", "-q", "-b", "feature/c", "main"])
            let upC = try BranchTests.up(p)
            #expect(upC.stdout.contains("brought forward to its present"), "\(upC.stdout)")
            #expect(try BranchLayerTests.volumes("dev.devenv.base=\(newBase)") == [BranchTests.stack(p, "feature/c") + "_postgres-data"], "c is on the new base")
            let slotsAfterC = try Self.slots(pg)
            #expect(slotsAfterC.count == 2, "the orphan went: \(slotsAfterC)")
            let cURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(cURL, "SELECT count(*) FROM notes WHERE t = 'main-after-b'") == "1")
            for branch in ["feature/a", "feature/b", "feature/c"] {
                try p.git(["checkout", "-q", branch])
                #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            }
            #expect(try Self.volumes(b).isEmpty)
            try p.git(["checkout", "-q", "main"])
            for branch in ["feature/a", "feature/b", "feature/c", "feature/same"] { try p.git(["branch", "-q", "-D", branch]) }
            #expect(try p.devenv(["gc", "--yes"]).status == 0)
            #expect(try BranchLayerTests.volumes("dev.devenv.base-stack=\(mainStack)").isEmpty, "gc removes the base no branch is on")
            let slotsLeft = try Self.slots(pg)
            #expect(slotsLeft.isEmpty, "and its slot: \(slotsLeft)")
            #expect(try SeedTests.sql(pg, "SELECT count(*) FROM notes WHERE t = 'main-after-b'") == "1", "the parent is as it was")
        }
    }

    /// `kill -9` of `up` while the branch's data is being brought forward (its catch-up
    /// container, which runs the rotation after it, is at work): the next `up` discards the
    /// unfinished branch and makes it again, with every row; the parent loses none, and
    /// `down --volumes` after the same kill leaves nothing of the branch.
    @Test func aKillDuringTheCatchUpLeavesNothingHalfMadeAndTheParentLosesNoRow() throws {
        try ProjectFixture.with("br-catchup-kill") { p in
            p.environment["DEVENV_BASE_REFRESH_BYTES"] = "0"   // no background refresh
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let pg = try #require(try p.dotenv()["DATABASE_URL"])
            try p.git(["checkout", "-q", "-b", "feature/a"])
            _ = try BranchTests.up(p)   // the base
            // Enough written since that the catch-up takes a while.
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) SELECT 'after-' || g FROM generate_series(1, 1000000) g")
            let mainRows = try SeedTests.sql(pg, BranchLayerTests.digest)
            try p.git(["checkout", "-q", "-b", "feature/kill", "main"])
            let stack = BranchTests.stack(p, "feature/kill")
            let catchingUp = { !Fault.containers(stack).filter { $0.labels["dev.devenv.task"] == "branch-rotate" && $0.state == .running }.isEmpty }
            for then in ["up", "down"] {
                let run = try Fault.Run(p, ["up"])
                let reached = FaultCrashTests.waitFor(run, catchingUp)
                run.kill9()
                if !reached { Issue.record("up ended before its catch-up was seen (\(then))"); continue }
                if then == "up" {
                    let up = try p.devenv(["up"])
                    #expect(up.status == 0, "\(up.stderr)")
                    #expect(up.stderr.contains("note: discarded an unfinished copy"), "\(up.stderr)")
                    #expect(up.stdout.contains("brought forward to its present"), "\(up.stdout)")
                    let branch = try #require(try p.dotenv()["DATABASE_URL"])
                    #expect(try SeedTests.sql(branch, BranchLayerTests.digest) == mainRows, "the branch has every row")
                }
                #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
                #expect(try Self.volumes(stack).isEmpty && Fault.containers(stack).isEmpty, "nothing of the branch is left")
            }
            #expect(try SeedTests.sql(pg, BranchLayerTests.digest) == mainRows, "the parent lost no row")
            #expect(try Self.slots(pg).count == 1, "the base's slot only")
        }
    }

    static func volumes(_ stack: String) throws -> [String] { try BranchLayerTests.volumes("dev.devenv.stack=\(stack)") }
}
