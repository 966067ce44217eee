import Foundation
import Testing
import DevenvPlan
import CurrentPlatform

/// Issue 30 item 1: `kill -9` of `up` at 10 points of a branch creation (before, during and
/// after each service's copy, from a small running parent: Postgres and Redis). After each
/// kill the next `up` either finishes the copy (every row of the parent) or discards it and
/// says so: never a silently empty branch. And after the same kill, `down --volumes` leaves
/// no volume and no container of the branch. Bounded: 10 points, two kills each.
@Suite(.serialized, .endToEnd) struct BranchFaultTests {
    struct Point {
        var name: String
        /// Blocks until the kill point is reached (polling); false when `up` ended first.
        var reach: (ProjectFixture, String, Fault.Run) -> Bool
    }

    static func journal(_ p: ProjectFixture, _ stack: String) -> String {
        StackPlanner.stateDir(root: p.root, stack: stack) + "/branch-copy.json"
    }

    /// The throwaway containers making the branch's copy of a service: a live copy, a base, a
    /// layer's mount probe or reflink clone, and the rotation a layered service runs with its
    /// layer (before the copy is recorded whole).
    static func copyContainers(_ stack: String, image: String) -> [String] {
        Fault.containers(stack).filter { ["branch-copy", "branch-rotate"].contains($0.labels["dev.devenv.task"] ?? "") && $0.image.contains(image) }.map(\.id)
    }

    /// A copy container of `image` seen, then gone (its copy ended).
    static func copyEnded(_ image: String) -> (ProjectFixture, String, Fault.Run) -> Bool {
        { _, stack, run in
            FaultCrashTests.waitFor(run) { !copyContainers(stack, image: image).isEmpty }
                && FaultCrashTests.waitFor(run) { copyContainers(stack, image: image).isEmpty }
        }
    }

    static func points() -> [Point] { [
        Point(name: "before the copy (at once)") { _, _, run in run.running },
        Point(name: "journal written") { p, stack, run in FaultCrashTests.waitFor(run) { FileManager.default.fileExists(atPath: journal(p, stack)) } },
        Point(name: "branch volumes created") { _, stack, run in FaultCrashTests.waitFor(run) { !Fault.volumes(label: "dev.devenv.stack=\(stack)").isEmpty } },
        Point(name: "during postgres's copy") { _, stack, run in FaultCrashTests.waitFor(run) { !copyContainers(stack, image: "postgres").isEmpty } },
        Point(name: "during redis's copy") { _, stack, run in FaultCrashTests.waitFor(run) { !copyContainers(stack, image: "redis").isEmpty } },
        Point(name: "after postgres's copy", reach: copyEnded("postgres")),
        Point(name: "after redis's copy", reach: copyEnded("redis")),
        Point(name: "copy recorded complete") { p, stack, run in
            FaultCrashTests.waitFor(run) { ((try? String(contentsOfFile: journal(p, stack), encoding: .utf8)) ?? "").contains("\"copied\"") }
        },
        Point(name: "ledger handed over, before the branch starts") { p, stack, run in
            FaultCrashTests.waitFor(run) { FileManager.default.fileExists(atPath: journal(p, stack)) }
                && FaultCrashTests.waitFor(run) { !FileManager.default.fileExists(atPath: journal(p, stack)) }
        },
        Point(name: "branch starting") { _, stack, run in
            FaultCrashTests.waitFor(run) { Fault.containers(stack).contains { $0.labels["com.docker.compose.service"] != nil && $0.state == .running } }
        },
    ] }

    @Test func killingABranchCreationAtAnyPointIsFinishedOrDiscardedAndDownRemovesIt() throws {
        try ProjectFixture.with("br-crash") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let env = try p.dotenv()
            let pg = try #require(env["DATABASE_URL"]), redis = try #require(env["REDIS_URL"])
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) SELECT 'main-' || n FROM generate_series(1, 5000) n")
            _ = try SeedTests.redis(redis, ["SET", "greeting", "from-main"])
            let digest = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes"
            let parentRows = try SeedTests.sql(pg, digest)
            try p.git(["checkout", "-q", "-b", "feature/crash"])
            let stack = BranchTests.stack(p, "feature/crash")

            var runs = 0, unreached: [String] = [], finished = 0, discarded = 0, recovered = 0, lost = 0, silentlyEmpty = 0, leftBehind = 0
            let points = Self.points()
            for point in points {
                // 1. Kill, then the next `up`: the copy finished or discarded (and said so), every row there.
                let run = try Fault.Run(p, ["up"])
                if !point.reach(p, stack, run) { unreached.append(point.name) }
                run.kill9()
                runs += 1
                let journalLeft = FileManager.default.fileExists(atPath: Self.journal(p, stack))
                let up = try p.devenv(["up"])
                #expect(up.status == 0, "up after a kill at \(point.name): \(up.stderr)")
                let saidFinished = up.stderr.contains("note: finished copying"), saidDiscarded = up.stderr.contains("note: discarded an unfinished copy")
                if saidFinished { finished += 1 }
                if saidDiscarded { discarded += 1 }
                if journalLeft { #expect(saidFinished || saidDiscarded, "a copy left unfinished at \(point.name) is finished or discarded, and said: \(up.stderr)") }
                if up.status == 0, let branchPG = try p.dotenv()["DATABASE_URL"], let branchRedis = try p.dotenv()["REDIS_URL"] {
                    let rows = try SeedTests.sql(branchPG, digest)
                    let greeting = try SeedTests.redis(branchRedis, ["GET", "greeting"])
                    if rows == parentRows && greeting == "from-main" {
                        recovered += 1
                    } else {
                        lost += 1
                        if !saidDiscarded { silentlyEmpty += 1 }
                        Issue.record("after a kill at \(point.name) the branch has \(rows), the parent \(parentRows): \(up.stdout) \(up.stderr)")
                    }
                } else { lost += 1 }
                let clean = try p.devenv(["down", "--volumes", "--yes"])
                #expect(clean.status == 0, "\(clean.stderr)")

                // 2. The same kill, then `down --volumes`: nothing of the branch left.
                let again = try Fault.Run(p, ["up"])
                _ = point.reach(p, stack, again)
                again.kill9()
                runs += 1
                let down = try p.devenv(["down", "--volumes", "--yes"])
                #expect(down.status == 0, "down --volumes after a kill at \(point.name): \(down.stderr)")
                let volumes = Fault.volumes(label: "dev.devenv.stack=\(stack)").map(\.name)
                    + (try ProjectFixture.run(["docker", "volume", "ls", "-q", "--filter", "name=\(stack)"]).stdout.split(separator: "\n").map(String.init))
                let containers = Fault.containers(stack).map { $0.names.joined() + " " + "\($0.state)" }
                if !volumes.isEmpty || !containers.isEmpty {
                    leftBehind += 1
                    Issue.record("down --volumes after a kill at \(point.name) left volumes \(Set(volumes).sorted()) and containers \(containers)")
                }
                #expect(!FileManager.default.fileExists(atPath: Self.journal(p, stack)))
            }
            // The completion point no poll can catch (the journal says `copied` for microseconds):
            // a whole copy whose journal says `copied` and whose ledger was not handed over yet.
            _ = try BranchTests.up(p)
            #expect(try p.devenv(["down"]).status == 0)
            let stateDir = StackPlanner.stateDir(root: p.root, stack: stack)
            let parentLedger = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
                StackPlanner.stateDir(root: p.root, stack: BranchTests.stack(p, "main")) + "/seeds.json"))) as? [String: Any]
            let journal: [String: Any] = ["version": 1, "state": "copied", "parent": BranchTests.stack(p, "main"), "services": ["postgres", "redis"],
                                          "volumes": Fault.volumes(label: "dev.devenv.stack=\(stack)").map(\.name), "seeds": parentLedger?["seeds"] ?? []]
            try JSONSerialization.data(withJSONObject: journal).write(to: URL(fileURLWithPath: Self.journal(p, stack)))
            try Data("{\"version\": 1, \"seeds\": []}".utf8).write(to: URL(fileURLWithPath: stateDir + "/seeds.json"))
            let finish = try p.devenv(["up"])
            #expect(finish.status == 0, "\(finish.stderr)")
            #expect(finish.stderr.contains("note: finished copying \(BranchTests.stack(p, "main"))'s data into \(stack)"), "\(finish.stderr)")
            #expect(!finish.stdout.contains("Seeded"), "the journal's seed entries were handed over, so the seeds did not run again: \(finish.stdout)")
            let branchPG = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(branchPG, digest) == parentRows)
            #expect(!FileManager.default.fileExists(atPath: Self.journal(p, stack)))
            #expect(try String(contentsOfFile: stateDir + "/seeds.json", encoding: .utf8).contains("schema.sql"))

            // `gc` of a branch killed during its copy (copy containers still at work or `created`).
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            let killed = try Fault.Run(p, ["up"])
            _ = points[3].reach(p, stack, killed)
            killed.kill9()
            try p.git(["checkout", "-q", "main"])
            try p.git(["branch", "-q", "-D", "feature/crash"])
            let gc = try p.devenv(["gc", "--yes"])
            #expect(gc.status == 0, "\(gc.stderr)")
            #expect(gc.stdout.contains("Removed \(stack)"), "\(gc.stdout)")
            #expect(Fault.volumes(label: "dev.devenv.stack=\(stack)").isEmpty && Fault.containers(stack).isEmpty, "gc left nothing of the killed branch")

            #expect(try SeedTests.sql(pg, digest) == parentRows, "the parent's data is unchanged")
            FaultFigures.report("kill -9 of a branch creation: \(runs) runs at \(points.count) points (\(points.count - unreached.count) reached before up ended; not reached: \(unreached.isEmpty ? "none" : unreached.joined(separator: ", "))), "
                                + "\(recovered) recovered with every row (\(finished) finished, \(discarded) discarded and copied again; a completed one finished: \(finish.status == 0)), \(lost) lost, "
                                + "\(silentlyEmpty) silently empty; down --volumes left something \(leftBehind) times")
            #expect(lost == 0 && leftBehind == 0)
        }
    }
}
