import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvKit
import Foundation
import Testing

/// Layered branches end to end (`copy.layered`, postgres): a branch's data is an OverlayFS
/// layer on a read-only base of its parent's, taken live. The branch has every row the parent
/// had, its writes stay in its layer, the parent keeps serving, a base of the parent's present
/// is reused as it is, one the parent has written since is brought forward (BranchCatchUpTests),
/// and `down --volumes` removes the layer and, once no branch is on it, the base (a parent's newest stays for its next branch, until the parent goes). Data is checked only through ports published on 127.0.0.1.
@Suite(.serialized, .endToEnd) struct BranchLayerTests {
    static let digest = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes"

    /// `du -sk` of each path, inside a throwaway container with the volumes mounted (the
    /// engine's view, local or remote alike).
    static func kilobytes(stack: String, _ volumes: [String: String], _ paths: [String]) throws -> [Int] {
        let image = try ProjectFixture.run(["docker", "ps", "--filter", "label=com.docker.compose.project=\(stack)",
                                            "--filter", "label=com.docker.compose.service=postgres", "--format", "{{.Image}}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let mounts = volumes.flatMap { ["-v", "\($0.key):\($0.value):ro"] }
        let r = try ProjectFixture.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "du"] + mounts
                                       + [image, "-sk"] + paths)
        #expect(r.status == 0, "du failed: \(r.stderr)")
        return r.stdout.split(separator: "\n").compactMap { Int($0.split(separator: "\t").first ?? "") }
    }

    static func volumes(_ label: String) throws -> [String] {
        try ProjectFixture.run(["docker", "volume", "ls", "-q", "--filter", "label=\(label)"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }

    @Test func aBranchIsALayerOnALiveBaseHoldingOnlyWhatItChanged() throws {
        try ProjectFixture.with("br-layer") { p in
            try BranchTests.repo(p)
            _ = try BranchTests.up(p)
            let env = try p.dotenv()
            let pg = try #require(env["DATABASE_URL"]), redis = try #require(env["REDIS_URL"])
            // A base is reused only while no transaction has written to the parent, and an
            // autovacuum ANALYZE writes (statistics, catalogs included) whenever it comes round,
            // sooner on a loaded machine: off, so that only the test's own writes count.
            _ = try SeedTests.sql(pg, "ALTER SYSTEM SET autovacuum = off")
            _ = try SeedTests.sql(pg, "SELECT pg_reload_conf()")
            // A table the branches never touch, big enough that a copy of it would show.
            _ = try SeedTests.sql(pg, "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 1000000) g")
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) SELECT 'main-' || n FROM generate_series(1, 2000) n")
            let mainStack = BranchTests.stack(p, "main")
            let last = try SeedTests.sql(pg, "SELECT max(id) FROM notes")
            let upTo = "SELECT count(*) || ':' || md5(string_agg(t, ',' ORDER BY id)) FROM notes WHERE id <= \(last)"
            let mainRows = try SeedTests.sql(pg, upTo)

            // 1. A branch while the parent is written to: layered on a base taken live.
            try p.git(["checkout", "-q", "-b", "feature/a"])
            let poller = ParentPoller(postgres: pg, redis: redis)
            let upA = try BranchTests.up(p)
            let polls = poller.stop()
            #expect(polls.errors.isEmpty, "the parent failed \(polls.errors.count) of \(polls.count) polls: \(polls.errors.prefix(3))")
            #expect(upA.stdout.contains("postgres  layered (overlay) in "), "\(upA.stdout)")
            #expect(upA.stdout.contains("on a base of \(mainStack)'s data taken live in "), "\(upA.stdout)")
            #expect(upA.stdout.contains("redis     live copy in "), "a kind without layers copies as before: \(upA.stdout)")
            let a = BranchTests.stack(p, "feature/a")
            let (pgA, redisA) = (try p.service("postgres"), try p.service("redis"))
            #expect(pgA["data_method"] as? String == "overlay" && pgA["data_from"] as? String == mainStack, "status --json: \(pgA)")
            #expect(redisA["data_method"] as? String == "copy" && redisA["data_from"] as? String == mainStack, "status --json: \(redisA)")
            let aURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(aURL, upTo) == mainRows, "the branch has every row the parent had")

            // 2. The branch's writes stay in it; the parent keeps its own.
            _ = try SeedTests.sql(aURL, "DELETE FROM notes WHERE id > 2; INSERT INTO notes (t) VALUES ('only-a'); CREATE TABLE migrated (x int)")
            #expect(try SeedTests.sql(pg, upTo) == mainRows, "the parent is unchanged")
            #expect(try SeedTests.sql(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'") == "0")
            _ = try SeedTests.sql(pg, "INSERT INTO notes (t) VALUES ('main-after-a')")
            // An analyze writes (statistics) and so changes the parent's present: done now, as
            // an autovacuum would, so that only the test's own writes change it below.
            _ = try SeedTests.sql(pg, "VACUUM ANALYZE")
            #expect(try SeedTests.sql(aURL, "SELECT count(*) FROM notes WHERE t = 'main-after-a'") == "0")

            // 3. The branch holds only what it changed: its layer is a small part of the base
            // (the big table, not opened by the branch yet, is only in the base; Postgres opens a
            // table's files for writing even to read it, so OverlayFS copies up what it reads).
            let layer = "\(a)_postgres-data-upper"
            let baseA = try #require(try Self.volumes("dev.devenv.base-stack=\(mainStack)").first)
            let sizes = try Self.kilobytes(stack: a, [layer: "/layer", baseA: "/base"], ["/layer", "/base"])
            #expect(sizes.count == 2 && sizes[0] * 4 < sizes[1], "layer \(sizes.first ?? -1) KiB, base \(sizes.last ?? -1) KiB")
            #expect(try SeedTests.sql(aURL, "SELECT count(*) FROM big") == "1000000")

            // 4. The parent changed since: the next branch starts from the same base, brought
            // forward to the parent's present, and sees the change; so does a branch after it.
            try p.git(["checkout", "-q", "-b", "feature/b", "main"])
            let upB = try BranchTests.up(p)
            #expect(upB.stdout.contains("brought forward to its present"), "\(upB.stdout)")
            let bURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(bURL, "SELECT count(*) FROM notes WHERE t = 'main-after-a'") == "1")
            try p.git(["checkout", "-q", "-b", "feature/c", "main"])
            let upC = try BranchTests.up(p)
            #expect(upC.stdout.contains("brought forward to its present"), "\(upC.stdout)")
            let cURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try SeedTests.sql(cURL, Self.digest) == (try SeedTests.sql(pg, Self.digest)))
            let bases = try Self.volumes("dev.devenv.base-stack=\(mainStack)")
            #expect(bases == [baseA], "every branch is on the one base: \(bases)")
            #expect(try SeedTests.sql(pg, "SELECT count(*) FROM notes WHERE t = 'only-a'") == "0")

            // 5. `down --volumes` removes a branch's layer, and a base once no branch is on it.
            try p.git(["checkout", "-q", "feature/a"])
            let downA = try p.devenv(["down", "--volumes", "--yes"])
            #expect(downA.status == 0, "\(downA.stderr)")
            #expect(try Self.volumes("dev.devenv.stack=\(a)").isEmpty)
            #expect(try Self.volumes("dev.devenv.base-stack=\(mainStack)") == bases, "b and c are still on the base")
            try p.git(["checkout", "-q", "feature/b"])
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            #expect(try Self.volumes("dev.devenv.base-stack=\(mainStack)") == bases, "c is still on it")
            try p.git(["checkout", "-q", "feature/c"])
            #expect(try SeedTests.sql(cURL, "SELECT count(*) FROM big") == "1000000", "c still reads its base")
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            #expect(try Self.volumes("dev.devenv.base-stack=\(mainStack)").count == 1, "the newest base stays for the next branch")
            #expect(try SeedTests.sql(pg, upTo) == mainRows, "the parent is as it was")
            try p.git(["checkout", "-q", "main"])
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            #expect(try Self.volumes("dev.devenv.base-stack=\(mainStack)").isEmpty, "the parent's data is gone, and its bases with it")
        }
    }
}
