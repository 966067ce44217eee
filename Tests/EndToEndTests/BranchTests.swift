import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import Foundation
import Testing

/// Branch stacks end to end, in temporary git repositories: one stack per branch and per
/// worktree, each new one starting with its parent's data, `ls`, `gc` and `down --all`.
/// Data is checked only through ports published on 127.0.0.1.
@Suite(.serialized, .endToEnd) struct BranchTests {
    static let manifest = """
    isolation: branch
    services:
      postgres: { version: "15", databases: [app] }
      redis: { version: "7" }
    seed:
      postgres: [db/schema.sql]
    """

    /// A git repository on `main` holding the manifest and a seed of two rows, committed.
    static func repo(_ p: ProjectFixture, manifest: String = manifest) throws {
        try p.manifest(manifest)
        try p.write("db/schema.sql", "CREATE TABLE notes (id serial PRIMARY KEY, t text NOT NULL);\nINSERT INTO notes (t) VALUES ('seed-1'), ('seed-2');\n")
        try p.write(".gitignore", ".env\n.devenv/\n")
        try p.git(["init", "-q", "-b", "main"])
        try p.git(["config", "user.email", "e2e@devenv.test"])
        try p.git(["config", "user.name", "devenv e2e"])
        try p.git(["add", "-A"])
        try p.git(["commit", "-q", "-m", "init"])
    }

    static func stack(_ p: ProjectFixture, _ branch: String) -> String { StackIdentity.stackName(project: p.name, branch: branch) }

    static func up(_ p: ProjectFixture, at dir: String? = nil, _ extra: [String] = []) throws -> ProjectFixture.Result {
        let r = try p.devenv(["up"] + extra, at: dir ?? p.root)
        #expect(r.status == 0, "up failed: \(r.stderr)")
        return r
    }

    static func notes(_ url: String) throws -> String { try SeedTests.sql(url, "SELECT string_agg(t, ',' ORDER BY id) FROM notes") }

    @Test func mainAndAFeatureBranchGetTwoStacksAndTheEnvFollows() throws {
        try ProjectFixture.with("br-env") { p in
            try Self.repo(p)
            let upMain = try Self.up(p)
            #expect(upMain.stdout.contains("Stack \(Self.stack(p, "main")) is ready"))
            let mainEnv = try p.dotenv()
            let mainURL = try #require(mainEnv["DATABASE_URL"])
            #expect(try Self.notes(mainURL) == "seed-1,seed-2")

            try p.git(["checkout", "-q", "-b", "feature/x"])
            let upFeature = try Self.up(p)
            let feature = Self.stack(p, "feature/x")
            #expect(upFeature.stdout.contains("Stack \(feature) is ready"))
            #expect(!upFeature.stdout.contains("kept your value"), "the main stack's values in .env are devenv's, not a person's")
            let featureEnv = try p.dotenv()
            let featureURL = try #require(featureEnv["DATABASE_URL"])
            #expect(featureEnv["PGPORT"] != mainEnv["PGPORT"] && featureEnv["REDIS_URL"] != mainEnv["REDIS_URL"])
            #expect(featureEnv["PGPASSWORD"] != mainEnv["PGPASSWORD"], "a branch has its own password (BranchCredentialsTests)")
            _ = try SeedTests.sql(featureURL, "INSERT INTO notes (t) VALUES ('branch-only')")

            let stacks = try p.ls().filter { $0["project"] as? String == p.name }
            #expect(Set(stacks.compactMap { $0["stack"] as? String }) == [Self.stack(p, "main"), feature])
            let blocks = stacks.map { Set(($0["ports"] as? [String: Int] ?? [:]).values.map { $0 / 10 }) }
            #expect(blocks.count == 2 && blocks[0].isDisjoint(with: blocks[1]) && !blocks[0].isEmpty, "two port blocks")

            try p.git(["checkout", "-q", "main"])
            let back = try Self.up(p)
            #expect(back.stdout.contains("was already up"))
            #expect(!back.stdout.contains("kept your value"))
            #expect(try p.dotenv() == mainEnv, ".env points at main's stack again")
            #expect(try Self.notes(mainURL) == "seed-1,seed-2", "the branch's row is not on main")
            #expect(try Self.notes(featureURL) == "seed-1,seed-2,branch-only")
        }
    }

    @Test func aNewBranchStartsWithMainsRowsWhileMainKeepsRunning() throws {
        try ProjectFixture.with("br-copy") { p in
            try Self.repo(p)
            _ = try Self.up(p)
            let mainURL = try #require(try p.dotenv()["DATABASE_URL"])
            _ = try SeedTests.sql(mainURL, "INSERT INTO notes (t) SELECT 'main-' || n FROM generate_series(1, 500) n")
            let mainRedis = try #require(try p.dotenv()["REDIS_URL"])
            _ = try SeedTests.redis(mainRedis, ["SET", "greeting", "from-main"])
            let mainStack = Self.stack(p, "main")
            let before = try p.runningContainers(stack: mainStack)
            let digest = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes"
            let mainData = try SeedTests.sql(mainURL, digest)

            try p.git(["checkout", "-q", "-b", "feature/copy"])
            let up = try Self.up(p)
            #expect(up.stdout.contains("starts with \(mainStack)'s data, copied in "), "\(up.stdout)")
            #expect(!up.stdout.contains("Seeded"), "the copied ledger says the seeds are in the data already")
            let branchURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(branchURL != mainURL)
            #expect(try SeedTests.sql(branchURL, digest) == mainData)
            #expect(try SeedTests.redis(try #require(try p.dotenv()["REDIS_URL"]), ["GET", "greeting"]) == "from-main")

            _ = try SeedTests.sql(branchURL, "DELETE FROM notes WHERE id > 2; CREATE TABLE migrated (x int)")
            #expect(try p.runningContainers(stack: mainStack) == before, "main's containers run again, the same ones")
            #expect(try SeedTests.sql(mainURL, digest) == mainData, "main is unchanged")
            #expect(try SeedTests.sql(mainURL, "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'") == "0")

            try p.git(["checkout", "-q", "-b", "feature/fresh", "main"])
            let fresh = try Self.up(p, ["--fresh"])
            #expect(fresh.stdout.contains("started empty: --fresh; seeding took"))
            #expect(fresh.stdout.contains("Seeded postgres (app) from db/schema.sql"))
            #expect(try Self.notes(try #require(try p.dotenv()["DATABASE_URL"])) == "seed-1,seed-2")
            #expect(try p.devenv(["up", "--from", "nope"]).status == 0, "a stack with data ignores --from, with a note")
        }
    }

    @Test func twoWorktreesComeUpAtOnceOnTwoStacks() throws {
        try ProjectFixture.with("br-wt") { p in
            try Self.repo(p)
            _ = try Self.up(p)
            let a = try p.addWorktree("feature/a"), b = try p.addWorktree("feature/b")
            let results = ProjectFixture.concurrently(2) { i in try? p.devenv(["up"], at: i == 0 ? a : b) }
            for (i, r) in results.enumerated() { #expect(r?.status == 0, "up in worktree \(i) failed: \(r?.stderr ?? "")") }
            var urls = Set<String>()
            for (dir, branch) in [(a, "feature/a"), (b, "feature/b"), (p.root, "main")] {
                let status = try p.statusJSON(at: dir)
                #expect(status["stack"] as? String == Self.stack(p, branch))
                #expect(status["root"] as? String == dir)
                for s in status["services"] as? [[String: Any]] ?? [] {
                    #expect(s["state"] as? String == "running" && s["health"] as? String == "ready", "\(branch): \(s)")
                }
                let url = try #require(try p.dotenv(at: dir)["DATABASE_URL"])
                #expect(try Self.notes(url) == "seed-1,seed-2")
                urls.insert(url)
            }
            #expect(urls.count == 3, "each worktree's .env points at its own stack")

            let down = try p.devenv(["down", "--all"])
            #expect(down.status == 0, "\(down.stderr)")
            let states = try p.ls().filter { $0["project"] as? String == p.name }.map { $0["state"] as? String }
            #expect(states == ["stopped", "stopped", "stopped"], "down --all stopped every stack of the project, keeping data")
        }
    }

    @Test func gcRemovesTheStacksOfADeletedBranchAndARemovedWorktreeOnly() throws {
        try ProjectFixture.with("br-gc") { p in
            // A home of its own: `gc --yes` acts on every stack of its home, and the shared one
            // holds other tests' stacks, with the old volumes their upgrades keep for --rollback.
            let home = FaultStateTests.home(p)
            p.onTearDown { try? FileManager.default.removeItem(atPath: home) }
            p.environment["DEVENV_HOME"] = home
            p.environment["DEVENV_PORT_RANGE"] = ProjectFixture.ranges.own
            try Self.repo(p)
            _ = try Self.up(p)
            try p.git(["checkout", "-q", "-b", "feature/gone"])
            _ = try Self.up(p)
            try p.git(["checkout", "-q", "main"])
            let wt = try p.addWorktree("feature/wt")
            _ = try Self.up(p, at: wt)
            let main = Self.stack(p, "main"), gone = Self.stack(p, "feature/gone"), worktree = Self.stack(p, "feature/wt")
            #expect(try p.volumes(stack: gone).count == 4, "postgres's layered volume and its layer's two (upper, work), redis's")

            try p.git(["branch", "-q", "-D", "feature/gone"])
            try p.git(["worktree", "remove", "--force", wt])
            let dry = try p.devenv(["gc", "--dry-run"])
            #expect(dry.status == 0)
            #expect(dry.stdout.contains("\(gone) (project \(p.name), branch feature/gone): its branch 'feature/gone' was deleted"), "\(dry.stdout)")
            #expect(dry.stdout.contains("\(worktree) (project \(p.name), branch feature/wt): its worktree folder \(wt) is gone"))
            #expect(!dry.stdout.contains("\(main) ("))
            #expect(try p.volumes(stack: gone).count == 4, "a dry run removes nothing")
            #expect(try p.devenv(["gc"]).status == 2, "gc without a terminal needs --yes")
            #expect(try p.devenv(["gc", "--json"]).status == 2, "gc --json asks nothing: it needs --dry-run or --yes")
            let dryJSON = try p.devenv(["gc", "--dry-run", "--json"])
            let listedJSON = try #require(try JSONSerialization.jsonObject(with: Data(dryJSON.stdout.utf8)) as? [String: Any], "\(dryJSON.stdout)")
            let toRemove = (listedJSON["stacks"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["stack"] as? String ?? ""] = $1["reason"] as? String }
            // Other stacks on the engine whose folders are gone (finished tests') may be listed too.
            #expect(toRemove[worktree] != nil && toRemove[main] == nil, "\(dryJSON.stdout)")
            #expect(toRemove[gone] == "its branch 'feature/gone' was deleted")
            #expect(listedJSON["dry_run"] as? Bool == true && (listedJSON["removed_stacks"] as? [String])?.isEmpty == true)

            let gc = try p.devenv(["gc", "--yes"])
            #expect(gc.status == 0, "\(gc.stderr)")
            #expect(gc.stdout.contains("Removed \(gone): 2 containers, 4 volumes"), "\(gc.stdout)")
            #expect(gc.stdout.contains("Freed "))
            #expect(try p.volumes(stack: gone).isEmpty && p.volumes(stack: worktree).isEmpty)
            #expect(try p.volumes(stack: main).count == 2, "main keeps its data")
            #expect(try p.runningContainers(stack: main).count == 2, "and keeps running")
            let listed = try p.ls().filter { $0["project"] as? String == p.name }
            #expect(listed.map { $0["stack"] as? String } == [main])
            #expect(listed.first?["state"] as? String == "running" && (listed.first?["disk_bytes"] as? Int ?? 0) > 0)
            #expect(try p.devenv(["gc", "--dry-run"]).stdout.contains(gone) == false)
        }
    }
}

extension ProjectFixture {
    /// `git -C DIR ARGS`, expected to succeed.
    func git(_ args: [String], at dir: String? = nil) throws {
        let r = try Self.run(["git", "-C", dir ?? root] + args)
        #expect(r.status == 0, "git \(args.joined(separator: " ")) failed: \(r.stderr)")
    }

    @discardableResult
    func devenv(_ args: [String], at dir: String) throws -> Result {
        try Self.run(launcher + [Self.binary] + args, cwd: dir, env: Self.baseEnv.merging(environment) { $1 })
    }

    /// A worktree of a new branch beside the project folder, removed at tear-down.
    func addWorktree(_ branch: String) throws -> String {
        let dir = root + "-wt-" + branch.replacingOccurrences(of: "/", with: "-")
        onTearDown { try? FileManager.default.removeItem(atPath: dir) }
        try git(["worktree", "add", "-q", "-b", branch, dir])
        return dir
    }

    /// The `.env` devenv wrote in `dir`, as KEY → value.
    func dotenv(at dir: String? = nil) throws -> [String: String] {
        let text = try String(contentsOfFile: (dir ?? root) + "/.env", encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    func statusJSON(at dir: String) throws -> [String: Any] {
        let r = try devenv(["status", "--json"], at: dir)
        #expect(r.status == 0, "status failed: \(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// `devenv ls --json`.
    func ls() throws -> [[String: Any]] {
        let r = try devenv(["ls", "--json"])
        #expect(r.status == 0, "ls failed: \(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    func runningContainers(stack: String) throws -> [String] {
        try Self.run(["docker", "ps", "-q", "--no-trunc", "--filter", "label=dev.devenv.stack=\(stack)", "--filter", "status=running"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }

    func volumes(stack: String) throws -> [String] {
        try Self.run(["docker", "volume", "ls", "-q", "--filter", "label=dev.devenv.stack=\(stack)"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }
}
