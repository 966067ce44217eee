import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The argv of every seed command, for all four kinds (MongoDB and MinIO cannot run on the
/// project's machines; their commands are checked here).
@Suite struct SeedCommandTests {
    static let manifest = """
    name: shop
    services:
      postgres: { databases: [shop, shop_test] }
      redis: {}
      mongodb: {}
      minio: {}
    seed:
      postgres: [db/schema.sql, db/seed.sql.gz, { file: db/raw.sql, database: shop_test, transaction: false }, { file: db/raw.sql.gz, transaction: false }]
      redis: [seeds/cache.redis]
      mongodb: { myflow.users: seeds/users.json, myflow.events: seeds/events.ndjson, myflow: seeds/setup.js }
      minio: { uploads: seeds/uploads }
    """
    static let files = ["db/schema.sql": "", "db/seed.sql.gz": "", "db/raw.sql": "", "db/raw.sql.gz": "", "seeds/cache.redis": "",
                        "seeds/users.json": "[]", "seeds/events.ndjson": "", "seeds/setup.js": "", "seeds/uploads/img/logo.png": ""]

    let f: SeedFixture
    let items: [SeedItem]
    let base: [String]

    init() throws {
        f = try SeedFixture(Self.manifest, files: Self.files)
        items = try f.items()
        base = ["docker", "compose", "--project-name", "shop", "--file", f.plan.composeFile, "exec", "-T"]
    }

    func command(_ file: String) throws -> Command {
        let item = try #require(items.first { $0.file == file })
        return try SeedCommands.apply(item, service: try #require(f.plan.service(item.service)), project: f.compose)
    }

    @Test func postgresSqlStreamsIntoPsqlInOneTransaction() throws {
        let c = try command("db/schema.sql")
        #expect(c.argv == base + ["postgres", "psql", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-q", "-o", "/dev/null",
                                  "-U", "devenv", "-d", "shop", "-f", "-"])
        #expect(c.stdinFile == f.root + "/db/schema.sql")
        let raw = try command("db/raw.sql")
        #expect(raw.argv == base + ["postgres", "psql", "-v", "ON_ERROR_STOP=1", "-q", "-o", "/dev/null", "-U", "devenv", "-d", "shop_test", "-f", "-"])
    }

    @Test func postgresGzipIsDecompressedInTheContainer() throws {
        let c = try command("db/seed.sql.gz")
        #expect(Array(c.argv.prefix(base.count + 3)) == base + ["postgres", "sh", "-c"])
        let script = c.argv[base.count + 3]
        #expect(script.contains("gunzip -c && printf '\\n;\\n' && if [ \"$3\" = tx ]; then printf 'COMMIT;\\n'; fi"))
        #expect(script.contains("| psql -v ON_ERROR_STOP=1 -q -o /dev/null -U \"$1\" -d \"$2\" -f -"))
        #expect(Array(c.argv.suffix(4)) == ["sh", "devenv", "shop", "tx"])
        #expect(c.stdinFile == f.root + "/db/seed.sql.gz")
        #expect(Array(try command("db/raw.sql.gz").argv.suffix(3)) == ["sh", "devenv", "shop"])
    }

    /// The gzip script really commits only after gunzip succeeded (run with a stub psql).
    @Test func gzipScriptNeverCommitsATruncatedArchive() throws {
        let c = try command("db/seed.sql.gz")
        let script = c.argv[base.count + 3]
        let dir = TestSupport.tempDir("gz")
        try "#!/bin/sh\ncat > \"$DEVENV_TEST_OUT\"\n".write(toFile: dir + "/psql", atomically: true, encoding: .utf8)
        try TestSupport.run(["chmod", "+x", dir + "/psql"])
        try "SELECT 1;".write(toFile: dir + "/a.sql", atomically: true, encoding: .utf8)
        try TestSupport.run(["gzip", "-k", dir + "/a.sql"])
        try TestSupport.run(["sh", "-c", "head -c 20 \(dir)/a.sql.gz > \(dir)/cut.sql.gz"])
        func run(_ file: String) throws -> (Int32, String) {
            let (status, _, _) = try TestSupport.run(["env", "PATH=\(dir):/usr/bin:/bin", "DEVENV_TEST_OUT=\(dir)/out", "sh", "-c", "sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' sh devenv shop tx < \(dir)/\(file)"])
            return (status, try String(contentsOfFile: dir + "/out", encoding: .utf8))
        }
        let (ok, sent) = try run("a.sql.gz")
        #expect(ok == 0)
        #expect(sent == "BEGIN;\nSELECT 1;\n;\nCOMMIT;\n")
        let (bad, partial) = try run("cut.sql.gz")
        #expect(bad != 0)
        #expect(!partial.contains("COMMIT"))
    }

    @Test func redisCommandsArePipedToRedisCli() throws {
        let c = try command("seeds/cache.redis")
        #expect(c.argv == base + ["redis", "redis-cli", "--pipe"])
        #expect(c.stdinFile == f.root + "/seeds/cache.redis")
        #expect(!c.argv.contains("redisSecret"), "the password comes from REDISCLI_AUTH in the container")
    }

    @Test func mongodbJsonArraysNdjsonAndScripts() throws {
        let json = try command("seeds/users.json")
        #expect(Array(json.argv.prefix(base.count + 3)) == base + ["mongodb", "sh", "-c"])
        // The password goes through a 0600 file in the container (`--config`), never an argv.
        let script = json.argv[base.count + 3]
        #expect(script.contains("mongoimport --quiet --host 127.0.0.1 --username \"$MONGO_INITDB_ROOT_USERNAME\" --config \"$f\" --authenticationDatabase admin \"$@\""))
        #expect(!script.contains("--password"))
        #expect(Array(json.argv.suffix(6)) == ["mongoimport", "--db", "myflow", "--collection", "users", "--jsonArray"])
        #expect(json.stdinFile == f.root + "/seeds/users.json")
        let nd = try command("seeds/events.ndjson")
        #expect(Array(nd.argv.suffix(5)) == ["mongoimport", "--db", "myflow", "--collection", "events"])
        let js = try command("seeds/setup.js")
        #expect(js.argv[base.count + 3].contains("auth(process.env.MONGO_INITDB_ROOT_USERNAME, process.env.MONGO_INITDB_ROOT_PASSWORD)"))
        #expect(js.argv[base.count + 3].contains("mongosh --quiet \"mongodb://127.0.0.1:27017/$1\""))
        #expect(!js.argv[base.count + 3].contains("--password"))
        #expect(js.argv[base.count + 3].contains("--file \"$f\""))
        #expect(Array(js.argv.suffix(2)) == ["mongosh", "myflow"])
        for c in [json, nd, js] { #expect(!c.argv.joined().contains("mongoSecret")) }
    }

    @Test func minioCreatesTheBucketThenPipesEachObject() throws {
        let item = try #require(items.first { $0.file == "seeds/uploads/img/logo.png" })
        #expect(item.target == "uploads/img/logo.png")
        let minio = try #require(f.plan.service("minio"))
        let once = try #require(try SeedCommands.once(item, service: minio, project: f.compose))
        #expect(once.key == "uploads")
        let mb = once.command
        #expect(mb.argv == base + ["minio", "sh", "-c",
            "export MC_HOST_local=\"http://$MINIO_ROOT_USER:$MINIO_ROOT_PASSWORD@127.0.0.1:9000\"; exec mc --quiet mb --ignore-existing \"local/$1\"",
            "mc", "uploads"])
        #expect(mb.stdinFile == nil)
        let up = try command("seeds/uploads/img/logo.png")
        #expect(up.argv == base + ["minio", "sh", "-c",
            "export MC_HOST_local=\"http://$MINIO_ROOT_USER:$MINIO_ROOT_PASSWORD@127.0.0.1:9000\"; exec mc --quiet pipe --attr \"Content-Type=$2\" \"local/$1\"",
            "mc", "uploads/img/logo.png", "image/png"])
        #expect(up.stdinFile == f.root + "/seeds/uploads/img/logo.png")
    }

    @Test func aFailureNamesTheFileAndShowsTheToolsError() {
        let item = SeedItem(service: "postgres", file: "db/bad.sql", path: "/p/db/bad.sql", target: "shop")
        let e = SeedOperation.failure(item, status: 3, stdout: "", stderr: "psql:<stdin>:2: ERROR:  syntax error at or near \"SELEC\"\nLINE 1: SELEC 1;\n")
        #expect(e.exitCode == .failure)
        #expect(e.message == "seed db/bad.sql failed on postgres (shop), exit status 3:")
        #expect(e.details.first == "  | psql:<stdin>:2: ERROR:  syntax error at or near \"SELEC\"")
        #expect(e.hint?.contains("devenv seed postgres") == true)
    }
}
