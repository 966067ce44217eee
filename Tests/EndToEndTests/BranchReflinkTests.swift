import Foundation
import Testing

/// Layered branches on an engine whose storage has reflinks: the test bed's XFS engine
/// (Tests/testbed/engine-shapes.sh, `xfs`: `mkfs.xfs -m reflink=1` on a loop file, its own
/// dockerd in the network namespace `devenv-xfs`, where devenv and the clients run). There a
/// branch's data volume is a reflink clone of the base, not an OverlayFS layer: it has every
/// row its parent had, shares the base's extents until it writes, its writes stay in it, and
/// `down --volumes` removes it. BranchLayerTests covers the OverlayFS method on the default
/// engine (ext4, no reflinks).
@Suite(.serialized, .endToEnd) struct BranchReflinkTests {
    static let manifest = """
    isolation: branch
    services:
      postgres: { version: "15", databases: [app] }
    seed:
      postgres: [db/schema.sql]
    """

    static let file = "/var/lib/devenv-testbed/shapes/xfs.env"

    /// The XFS engine's DOCKER_HOST and network namespace; the engine is brought up first when
    /// it does not answer (`engine-shapes.sh xfs`: idempotent, well under a second when it runs).
    static func engine() throws -> (host: String, netns: String) {
        func read() -> [String: String] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            return Dictionary(text.split(separator: "\n").compactMap { line in
                line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
            }, uniquingKeysWith: { $1 })
        }
        var values = read()
        let answers = { (host: String?) in
            host.map { (try? ProjectFixture.run(["docker", "info", "-f", "{{.Driver}}"], env: EngineTestbed.clean.merging(["DOCKER_HOST": $0]) { $1 }).status) == 0 } ?? false
        }
        if !answers(values["XFS_DOCKER_HOST"]) {
            let r = try ProjectFixture.run(["bash", ProjectFixture.repoRoot + "/Tests/testbed/engine-shapes.sh", "xfs"])
            guard r.status == 0 else {
                throw EngineTestbed.TestbedMissing(description: "the test bed's XFS engine did not come up (Tests/testbed/engine-shapes.sh xfs, as root): \(r.stderr)")
            }
            values = read()
        }
        guard let host = values["XFS_DOCKER_HOST"], let netns = values["XFS_NETNS"] else {
            throw EngineTestbed.TestbedMissing(description: "\(file) names no XFS engine: run `make testbed` (Tests/testbed/engine-shapes.sh) as root")
        }
        return (host, netns)
    }

    @Test func onXFSABranchIsAReflinkCloneOfItsParentsBase() throws {
        let (host, netns) = try Self.engine()
        let launcher = ["nsenter", "--net=" + netns]
        let docker = EngineTestbed.clean.merging(["DOCKER_HOST": host]) { $1 }
        func sql(_ url: String, _ query: String) throws -> String {
            let r = try ProjectFixture.run(launcher + ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", query])
            #expect(r.status == 0, "psql failed: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func volumes(_ label: String) throws -> [String] {
            try ProjectFixture.run(["docker", "volume", "ls", "-q", "--filter", "label=\(label)"], env: docker).stdout
                .split(separator: "\n").map(String.init).sorted()
        }
        /// The volume's folder on this machine (the engine is local), from the engine.
        func folder(_ volume: String) throws -> String {
            try ProjectFixture.run(["docker", "volume", "inspect", "-f", "{{.Mountpoint}}", volume], env: docker).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        try ProjectFixture.with("br-reflink") { p in
            p.environment = docker
            p.launcher = launcher
            p.cleanupDockerHost = host
            try BranchTests.repo(p, manifest: Self.manifest)
            _ = try BranchTests.up(p)
            let pg = try #require(try p.dotenv()["DATABASE_URL"])
            _ = try sql(pg, "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g")
            _ = try sql(pg, "INSERT INTO notes (t) SELECT 'main-' || n FROM generate_series(1, 2000) n")
            let mainStack = BranchTests.stack(p, "main")
            let mainRows = try sql(pg, BranchLayerTests.digest)
            let bigFile = try sql(pg, "SELECT pg_relation_filepath('big')")

            // 1. A branch of the running parent: a reflink clone of a base taken live.
            try p.git(["checkout", "-q", "-b", "feature/r"])
            let up = try BranchTests.up(p)
            #expect(up.stdout.contains("postgres  layered (reflink) in "), "\(up.stdout)")
            #expect(up.stdout.contains("on a base of \(mainStack)'s data taken live in "), "\(up.stdout)")
            let r = BranchTests.stack(p, "feature/r")
            let status = try p.service("postgres")
            #expect(status["data_method"] as? String == "reflink" && status["data_from"] as? String == mainStack, "status --json: \(status)")
            let url = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try sql(url, BranchLayerTests.digest) == mainRows, "the branch has every row the parent had")
            #expect(try sql(url, "SELECT count(*) FROM big") == "300000")
            #expect(try volumes("dev.devenv.stack=\(r)") == ["\(r)_postgres-data"], "one volume of its own: no OverlayFS layer")

            // Its table files share the base's extents (the engine's file system, seen from here).
            let base = try #require(try volumes("dev.devenv.base-stack=\(mainStack)").first)
            let cloned = try folder("\(r)_postgres-data") + "/" + bigFile, original = try folder(base) + "/" + bigFile
            let frag = try ProjectFixture.run(["filefrag", "-v", cloned])
            #expect(frag.stdout.contains("shared"), "\(cloned) shares no extent: \(frag.stdout)\(frag.stderr)")
            #expect(FileManager.default.fileExists(atPath: original), "the base has the same file: \(original)")

            // 2. Its writes stay in it; the parent keeps its own.
            _ = try sql(url, "UPDATE big SET t = 'branch'; DELETE FROM notes WHERE id > 2; INSERT INTO notes (t) VALUES ('only-r'); CREATE TABLE migrated (x int)")
            #expect(try sql(url, "SELECT count(*) FROM big WHERE t = 'branch'") == "300000")
            #expect(try sql(pg, BranchLayerTests.digest) == mainRows, "the parent is unchanged")
            #expect(try sql(pg, "SELECT count(*) FROM big WHERE t = 'branch'") == "0")
            #expect(try sql(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'migrated'") == "0")

            // 3. The engine's answer is remembered: the next branch goes straight to the clone.
            let records = (try? FileManager.default.contentsOfDirectory(atPath: ProjectFixture.home + "/engines")) ?? []
            let texts = records.compactMap { try? String(contentsOfFile: ProjectFixture.home + "/engines/" + $0, encoding: .utf8) }
            #expect(texts.contains { $0.contains("\"reflinks\" : true") && $0.contains(host) }, "\(texts)")

            // 4. The parent writes since: the next branch is a clone of the same base, brought
            // forward to the parent's present (BranchCatchUpTests), with every row.
            _ = try sql(pg, "INSERT INTO notes (t) SELECT 'later-' || n FROM generate_series(1, 50000) n; UPDATE big SET t = 'main' WHERE id <= 1000")
            let laterRows = try sql(pg, BranchLayerTests.digest)
            try p.git(["checkout", "-q", "-b", "feature/s", "main"])
            let upS = try p.devenv(["up"], env: ["DEVENV_BASE_REFRESH_BYTES": "0"])
            #expect(upS.status == 0, "\(upS.stderr)")
            #expect(upS.stdout.contains("postgres  layered (reflink) in ") && upS.stdout.contains("brought forward to its present"), "\(upS.stdout)")
            let sURL = try #require(try p.dotenv()["DATABASE_URL"])
            #expect(try sql(sURL, BranchLayerTests.digest) == laterRows, "the branch has every row the parent had")
            #expect(try sql(sURL, "SELECT count(*) FROM big WHERE t = 'main'") == "1000")
            #expect(try volumes("dev.devenv.base-stack=\(mainStack)") == [base], "no new base")
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            try p.git(["checkout", "-q", "feature/r"])

            // 5. `down --volumes` removes the branch's volume; the parent is as it was, and its
            // newest base stays for its next branch until the parent's own data goes.
            let down = try p.devenv(["down", "--volumes", "--yes"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(try volumes("dev.devenv.stack=\(r)").isEmpty)
            #expect(try volumes("dev.devenv.base-stack=\(mainStack)") == [base])
            try p.git(["checkout", "-q", "main"])
            #expect(try sql(pg, BranchLayerTests.digest) == laterRows)
            #expect(try p.devenv(["down", "--volumes", "--yes"]).status == 0)
            #expect(try volumes("dev.devenv.base-stack=\(mainStack)").isEmpty, "the parent's data is gone, and its base with it")
            #expect(try volumes("dev.devenv.project=\(p.name)").isEmpty)
        }
    }
}
