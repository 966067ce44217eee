import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import Foundation
import Testing

/// A new branch stack copies its running parent live (the kinds' `copy.live`): every row the
/// parent had when the copy began arrives, and the parent answers throughout. A live copy that
/// fails falls back to stop-and-copy and says so. Data is checked only through 127.0.0.1.
@Suite(.serialized, .endToEnd) struct LiveCopyTests {
    @Test func aBranchCopiesTheRunningParentWithEveryRowWhileItKeepsAnswering() throws {
        try ProjectFixture.with("live") { p in
            p.environment["DEVENV_BRANCH_LAYERS"] = "off"   // postgres layers by default (LayeredBranchTests)
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let env = try p.dotenv()
            let pg = try #require(env["DATABASE_URL"]), redis = try #require(env["REDIS_URL"])
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) SELECT 'main-' || n FROM generate_series(1, 20000) n")
            _ = try SeedTests.redis(redis, ["SET", "greeting", "from-main"])
            let mainStack = BranchTests.stack(p, "main")
            let started = try Self.startedAt(p, stack: mainStack)
            let last = try SeedTests.sql(pg, "SELECT max(id) FROM notes")
            let digest = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes WHERE id <= \(last)"
            let before = try SeedTests.sql(pg, digest)

            try p.git(["checkout", "-q", "-b", "feature/live"])
            let poller = ParentPoller(postgres: pg, redis: redis)
            let up = try BranchTests.up(p)
            let polls = poller.stop()
            #expect(polls.errors.isEmpty, "the parent failed \(polls.errors.count) of \(polls.count) polls: \(polls.errors.prefix(3))")
            #expect(polls.count >= 2, "the poller ran during the copy (\(polls.count) polls)")
            #expect(up.stdout.contains("starts with \(mainStack)'s data, copied in "), "\(up.stdout)")
            #expect(up.stdout.contains("postgres  live copy in "), "\(up.stdout)")
            #expect(up.stdout.contains("redis     live copy in "), "\(up.stdout)")
            #expect(up.stdout.contains("\(mainStack)'s postgres kept serving (unavailable 0.0s)"))
            #expect(!up.stdout.contains("stopped for the copy"))
            #expect(!up.stdout.contains("Seeded"), "the copied ledger says the seeds are in the data already")

            let branch = try p.dotenv()
            let branchPG = try #require(branch["DATABASE_URL"])
            #expect(branchPG != pg)
            #expect(try SeedTests.sql(branchPG, digest) == before, "every row the parent had when the copy began")
            #expect(try SeedTests.redis(try #require(branch["REDIS_URL"]), ["GET", "greeting"]) == "from-main")
            _ = try SeedTests.sql(branchPG, "INSERT INTO notes (t) VALUES ('branch-only')")
            #expect(try Self.startedAt(p, stack: mainStack) == started, "the parent's containers were never stopped or restarted")
            #expect(try SeedTests.sql(pg, "SELECT count(*) FROM notes WHERE t = 'branch-only'") == "0")
        }
    }

    /// A project kind (`.devenv/templates/services/cache/`: redis whose `copy.live` leaves junk
    /// in the new volume and fails) is stopped and copied instead; the junk is gone.
    @Test func aLiveCopyThatFailsFallsBackToStopAndCopyAndSaysSo() throws {
        try ProjectFixture.with("live-fb") { p in
            let kind = ProjectFixture.repoRoot + "/templates/services/redis"
            var yml = try String(contentsOfFile: kind + "/service.yml", encoding: .utf8)
            yml = String(yml[..<yml.range(of: "copy:")!.lowerBound]) + """
            copy:
              live:
                run: ["sh", "-c", "echo partial > /target/junk; echo cannot copy live >&2; exit 3"]
            """
            try p.write(".devenv/templates/services/cache/service.yml", yml)
            try p.write(".devenv/templates/services/cache/compose.yml", try String(contentsOfFile: kind + "/compose.yml", encoding: .utf8))
            try p.manifest("isolation: branch\nservices:\n  cache: {}\n")
            try p.write(".gitignore", ".env\n.devenv/\n")
            try p.git(["init", "-q", "-b", "main"])
            try p.git(["-c", "user.email=e2e@devenv.test", "-c", "user.name=e2e", "commit", "-q", "--allow-empty", "-m", "init"])
            _ = try BranchTests.up(p)
            let url = try #require(try p.dotenv()["REDIS_URL"])
            _ = try SeedTests.redis(url, ["SET", "greeting", "kept"])

            try p.git(["checkout", "-q", "-b", "feature/fb"])
            let up = try BranchTests.up(p)
            let main = BranchTests.stack(p, "main")
            #expect(up.stdout.contains("cache  live copy failed (exit 3: cannot copy live); stopped for the copy instead, copied in "), "\(up.stdout)")
            #expect(up.stdout.contains("\(main)'s cache was unavailable "))
            let branchURL = try #require(try p.dotenv()["REDIS_URL"])
            #expect(branchURL != url)
            #expect(try SeedTests.redis(branchURL, ["GET", "greeting"]) == "kept")
            #expect(try SeedTests.redis(url, ["GET", "greeting"]) == "kept", "the parent answers again")
            let volume = StackVolumes.name(stack: BranchTests.stack(p, "feature/fb"), key: "cache-data")
            let listing = try ProjectFixture.run(["docker", "run", "--rm", "-v", "\(volume):/v:ro", "--entrypoint", "ls", "devenv-testbed/redis:7", "-A", "/v"])
            #expect(listing.status == 0 && !listing.stdout.contains("junk"), "the failed copy's leftovers were removed: \(listing.stdout)")
        }
    }

    /// Each container's start time, by id: a stop or restart changes it.
    static func startedAt(_ p: ProjectFixture, stack: String) throws -> [String] {
        let ids = try p.runningContainers(stack: stack)
        let r = try ProjectFixture.run(["docker", "inspect", "-f", "{{.Id}} {{.State.StartedAt}}"] + ids)
        return r.stdout.split(separator: "\n").map(String.init).sorted()
    }
}

/// Polls the parent every 100 ms from its own thread until stopped: a Postgres write (a row
/// inserted) and a Redis write (INCR). Each failed poll is kept with its error.
final class ParentPoller: @unchecked Sendable {
    struct Polls { var count: Int; var errors: [String] }
    private let state = Locked((running: true, count: 0, errors: [String]()))
    private let done = DispatchSemaphore(value: 0)

    init(postgres: String, redis: String) {
        Thread.detachNewThread { [state, done] in
            while state.value.running {
                let tick = Date()
                var failures: [String] = []
                if let r = try? ProjectFixture.run(["psql", postgres, "-v", "ON_ERROR_STOP=1", "-qtAc", "INSERT INTO notes (t) VALUES ('poll') RETURNING id"]) {
                    if r.status != 0 || Int(r.stdout.split(separator: "\n").first ?? "") == nil { failures.append("postgres: exit \(r.status) \(r.stdout) \(r.stderr)") }
                } else { failures.append("postgres: psql did not run") }
                let rd = try? ProjectFixture.run(["redis-cli", "-u", redis, "--no-auth-warning", "INCR", "polls"])
                if rd.map({ $0.status != 0 || Int($0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == nil }) ?? true {
                    failures.append("redis: \(rd?.stdout ?? "") \(rd?.stderr ?? "")")
                }
                state.with { $0.count += 1; $0.errors += failures }
                let rest = 0.1 - Date().timeIntervalSince(tick)
                if rest > 0 { Thread.sleep(forTimeInterval: rest) }   // the poll's cadence, not a wait for anything
            }
            done.signal()
        }
    }

    /// Stops polling and returns what it saw (waits for the poll in flight, with a deadline).
    func stop() -> Polls {
        state.with { $0.running = false }
        _ = done.wait(timeout: .now() + 30)
        let s = state.value
        return Polls(count: s.count, errors: s.errors)
    }
}
